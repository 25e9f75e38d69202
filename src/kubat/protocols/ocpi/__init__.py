"""OCPI (Open Charge Point Interface) wire objects, one sub-package per version."""
