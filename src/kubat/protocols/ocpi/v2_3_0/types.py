"""OCPI 2.3.0 basic types: unchanged from 2.2.1 (chapter 16), re-exported by import."""

from kubat.protocols.ocpi.v2_2_1.types import (
    URL,
    Ci2,
    Ci3,
    Ci36,
    Ci48,
    DateTime,
    DisplayText,
    OcpiObject,
    format_datetime,
)

__all__ = [
    "URL",
    "Ci2",
    "Ci3",
    "Ci36",
    "Ci48",
    "DateTime",
    "DisplayText",
    "OcpiObject",
    "format_datetime",
]
