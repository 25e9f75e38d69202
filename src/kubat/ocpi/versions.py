"""The OCPI versions Kubat serves, side by side: 2.3.0 and 2.2.1.

One `OcpiVersion` per version names its wire objects and the modules its version details
advertise; the views, the receiver, the sender and the client take one and are otherwise the
same code for both versions (2.3.0's objects subclass 2.2.1's, so the rules are written once).
What a version does not define is never shown in it: `registry.wire` renders each version's
Location, `registry.tariffs` each version's Tariff.

A peer keeps the version it registered in (`Peer.version`): the version of the credentials
endpoint it POSTed to, or, when Kubat registers, the highest version both offer (`PREFERRED`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubat.protocols.ocpi.v2_2_1 import credentials as credentials_221
from kubat.protocols.ocpi.v2_2_1 import locations as locations_221
from kubat.protocols.ocpi.v2_2_1 import tariffs as tariffs_221
from kubat.protocols.ocpi.v2_3_0 import credentials as credentials_230
from kubat.protocols.ocpi.v2_3_0 import locations as locations_230
from kubat.protocols.ocpi.v2_3_0 import tariffs as tariffs_230

# (identifier, role, path under the version's URL). Paths end with a slash: peers that append
# the object path without a separator and peers that add one both reach the module. A module
# that only one version serves goes into that version's `modules` alone (urls.py routes it).
Module = tuple[str, str, str]
_CORE_MODULES: tuple[Module, ...] = (
    ("credentials", "SENDER", "credentials/"),
    ("credentials", "RECEIVER", "credentials/"),
    ("locations", "SENDER", "sender/locations/"),
    ("locations", "RECEIVER", "receiver/locations/"),
    ("tariffs", "SENDER", "sender/tariffs/"),
    ("tariffs", "RECEIVER", "receiver/tariffs/"),
)


@dataclass(frozen=True, slots=True)
class OcpiVersion:
    """One OCPI version as Kubat serves and speaks it."""

    number: str
    location: type[locations_221.Location]
    evse: type[locations_221.EVSE]
    connector: type[locations_221.Connector]
    tariff: type[tariffs_221.Tariff]
    credentials: type[credentials_221.Credentials]
    modules: tuple[Module, ...]


V2_2_1 = OcpiVersion(
    number="2.2.1",
    location=locations_221.Location,
    evse=locations_221.EVSE,
    connector=locations_221.Connector,
    tariff=tariffs_221.Tariff,
    credentials=credentials_221.Credentials,
    # CDRs (energy per session, for utilisation) are received in 2.2.1 only so far.
    modules=(*_CORE_MODULES, ("cdrs", "RECEIVER", "receiver/cdrs/")),
)
V2_3_0 = OcpiVersion(
    number="2.3.0",
    location=locations_230.Location,
    evse=locations_230.EVSE,
    connector=locations_230.Connector,
    tariff=tariffs_230.Tariff,
    credentials=credentials_230.Credentials,
    modules=_CORE_MODULES,
)

# Highest first: the order in which Kubat as a client picks a version both sides offer.
PREFERRED: tuple[OcpiVersion, ...] = (V2_3_0, V2_2_1)
BY_NUMBER = {v.number: v for v in PREFERRED}
# The newest version's objects hold every field the registry stores (each version's objects
# subclass the one before), so it renders a stored object whole.
NEWEST = PREFERRED[0]
