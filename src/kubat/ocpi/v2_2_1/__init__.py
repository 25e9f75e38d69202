"""OCPI 2.2.1 objects and mappings."""
