"""OCPI 2.3.0 Versions and Credentials objects: as in 2.2.1, with 2.3.0 among the versions."""

from __future__ import annotations

from enum import StrEnum

from kubat.protocols.ocpi.v2_2_1.credentials import (
    Credentials,
    CredentialsRole,
    Endpoint,
    InterfaceRole,
    Role,
    Version,
    VersionDetails,
)


class VersionNumber(StrEnum):
    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"
    V2_2 = "2.2"
    V2_2_1 = "2.2.1"
    V2_3_0 = "2.3.0"


__all__ = [
    "Credentials",
    "CredentialsRole",
    "Endpoint",
    "InterfaceRole",
    "Role",
    "Version",
    "VersionDetails",
    "VersionNumber",
]
