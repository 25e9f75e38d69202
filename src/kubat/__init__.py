"""Kubat: the open national e-mobility platform (registry, OCPI, fleet and quotas, permits)."""
