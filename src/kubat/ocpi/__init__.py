"""OCPI 2.3.0 and 2.2.1 side by side: Kubat as the national access point (NAP).

`versions.py` names what each version serves; the views, receiver, sender and client are one
implementation parametrised by it. The wire objects live in `kubat.protocols.ocpi` (one
sub-package per version), their mapping to the registry's rows in `kubat.registry.wire`.
"""
