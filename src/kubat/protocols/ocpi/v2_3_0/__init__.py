"""OCPI 2.3.0 objects beside 2.2.1: only what 2.3.0 changed is defined here.

What is identical is imported from `v2_2_1` (types, most enums, hours, business details,
credentials and versions objects), so a fix to a shared object lands in both versions.
2.3.0 adds to Locations `help_phone` and `parking_places` (Parking objects), to EVSEs
`parking` (EVSEParking links) and `accepted_service_providers`, to Connectors `capabilities`,
the connector types `MCS` and `SAE_J3400`, and to Tariffs `tax_included`, `preauthorize_amount`
and PriceLimit prices (`before_taxes`, `after_taxes`).
"""
