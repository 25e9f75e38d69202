"""OCPI 2.2.1: Kubat as the national access point (NAP).

`v2_2_1/` holds pydantic objects shaped exactly like the specification's (wire names are field
names) and explicit mapping functions to and from the registry's models.
"""
