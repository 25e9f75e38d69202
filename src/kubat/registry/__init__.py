"""The national charging registry: every public location, EVSE and connector (OCPI 2.2.1 shape).

Invariants kept by `services`: derived values (maximum power, charging class, EVSE count), the
search rows behind the spatial index and the national counters always agree with the rows.
Read with `selectors`; other apps (ocpi, permits, portal, insights) go through these two.
"""
