"""OCPI 2.3.0 Versions and Credentials objects: 2.2.1's, with 2.3.0 among the versions and
the Credentials object's `hub_party_id` (the Hub a platform routes through, `NLHUB`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

from kubat.protocols.ocpi.v2_2_1 import credentials as v221
from kubat.protocols.ocpi.v2_2_1.credentials import (
    CredentialsRole,
    Endpoint,
    InterfaceRole,
    Role,
    Version,
    VersionDetails,
)

# CiString(5): the Hub's country code and party id concatenated (credentials chapter).
HubPartyId = Annotated[
    str, StringConstraints(min_length=5, max_length=5, pattern=r"^[A-Za-z]{2}[A-Za-z0-9]{3}$")
]


class VersionNumber(StrEnum):
    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"
    V2_2 = "2.2"
    V2_2_1 = "2.2.1"
    V2_3_0 = "2.3.0"


class Credentials(v221.Credentials):
    hub_party_id: HubPartyId | None = None


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
