"""OCPI 2.2.1 Versions (chapter 6) and Credentials (chapter 7) objects."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from kubat.protocols.ocpi.v2_2_1.locations import BusinessDetails
from kubat.protocols.ocpi.v2_2_1.types import URL, Ci2, Ci3, OcpiObject

# Tokens are string(64) of printable ASCII (spec 7.2.1, "CiString" is not used for them).
Token = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]


class VersionNumber(StrEnum):
    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"
    V2_2 = "2.2"
    V2_2_1 = "2.2.1"


class InterfaceRole(StrEnum):
    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


class Role(StrEnum):
    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


class Version(OcpiObject):
    # A peer may offer versions Kubat does not know; they are listed but never chosen.
    version: Annotated[str, StringConstraints(max_length=10)]
    url: URL


class Endpoint(OcpiObject):
    identifier: Annotated[str, StringConstraints(max_length=30)]
    role: InterfaceRole
    url: URL


class VersionDetails(OcpiObject):
    version: Annotated[str, StringConstraints(max_length=10)]
    endpoints: list[Endpoint]


class CredentialsRole(OcpiObject):
    role: Role
    business_details: BusinessDetails
    party_id: Ci3
    country_code: Ci2


class Credentials(OcpiObject):
    token: Token
    url: URL
    roles: Annotated[list[CredentialsRole], Field(min_length=1)]
