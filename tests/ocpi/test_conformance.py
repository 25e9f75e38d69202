"""The OCPI 2.2.1 specification's own examples (tests/fixtures/ocpi, see SOURCE.md there).

Every valid Location example round-trips (a PUT, then a GET, gives back the same object); the
spec's PATCH examples apply at the URLs the spec sends them to; the invalid EVSE example is
refused with 2001; the other objects parse with Kubat's pydantic models.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pydantic import TypeAdapter

from kubat.protocols.ocpi.v2_2_1 import credentials as cred
from kubat.protocols.ocpi.v2_2_1 import locations as loc
from kubat.registry.models import EVSE, EVSEStatusEvent
from tests.ocpi.factories import FIXTURES, call, connector, evse, example, location, registered_peer

pytestmark = pytest.mark.django_db

VALID_LOCATIONS = [
    "location_example.json",
    "location_example_parking_garage_opening_hours.json",
    "location_example_uc2_destination_charger.json",
    "location_example_uc3_destination_charger_not_published.json",
    "location_example_uc4_limited_visibility.json",
    "location_example_uc5_home_charge_point.json",
]


def _url(obj: dict[str, Any], *rest: str) -> str:
    keys = [obj["country_code"], obj["party_id"], obj["id"], *rest]
    return "/ocpi/2.2.1/receiver/locations/" + "/".join(keys)


def test_every_location_example_is_covered() -> None:
    found = sorted(p.name for p in FIXTURES.glob("location_example*.json"))
    assert found == sorted(VALID_LOCATIONS)


@pytest.mark.parametrize("name", VALID_LOCATIONS)
def test_location_example_round_trips(client: Client, name: str) -> None:
    obj = example(name)
    registered_peer(f"{obj['country_code']}*{obj['party_id']}")
    response = call(client, "PUT", _url(obj), obj)
    assert response.json()["status_code"] == 1000, response.json()
    got = call(client, "GET", _url(obj)).json()["data"]
    assert got == obj
    for item in obj.get("evses", []):
        assert call(client, "GET", _url(obj, item["uid"])).json()["data"] == item
        for plug in item["connectors"]:
            got_plug = call(client, "GET", _url(obj, item["uid"], plug["id"])).json()["data"]
            assert got_plug == plug


@pytest.fixture
def tnm_1012(client: Client) -> dict[str, Any]:
    """Our own location at the URLs of the spec's PATCH examples (NL/TNM/1012, EVSEs 3255/6)."""
    registered_peer("NL*TNM")
    plugs = [connector("1"), connector("2", standard="IEC_62196_T2_COMBO")]
    obj = location(
        "1012",
        party="NL*TNM",
        country="NLD",
        time_zone="Europe/Amsterdam",
        evses=[evse("3255", connectors=plugs), evse("3256")],
        last_updated="2019-06-01T00:00:00Z",
    )
    for item in obj["evses"]:
        item["last_updated"] = "2019-06-01T00:00:00Z"
        for plug in item["connectors"]:
            plug["last_updated"] = "2019-06-01T00:00:00Z"
    assert call(client, "PUT", _url(obj), obj).json()["status_code"] == 1000
    return obj


@pytest.mark.parametrize(
    ("name", "rest"),
    [
        ("location_patch_example_location.json", ()),
        ("location_patch_example_status.json", ("3255",)),
        ("location_patch_example_remove_evse.json", ("3256",)),
        ("location_patch_example_tariff.json", ("3255", "2")),
    ],
)
def test_patch_examples_apply_where_the_spec_sends_them(
    client: Client, tnm_1012: dict[str, Any], name: str, rest: tuple[str, ...]
) -> None:
    patch = example(name)
    response = call(client, "PATCH", _url(tnm_1012, *rest), patch)
    assert response.json()["status_code"] == 1000, response.json()
    got = call(client, "GET", _url(tnm_1012, *rest)).json()["data"]
    assert {k: got[k] for k in patch} == patch


def test_status_patch_example_records_a_status_event(
    client: Client, tnm_1012: dict[str, Any]
) -> None:
    call(client, "PATCH", _url(tnm_1012, "3255"), example("location_patch_example_status.json"))
    assert EVSEStatusEvent.objects.filter(status="CHARGING").count() == 1
    assert EVSE.objects.get(uid="3255").status == "CHARGING"


def test_invalid_add_evse_example_is_refused_with_2001(
    client: Client, tnm_1012: dict[str, Any]
) -> None:
    response = call(
        client, "PUT", _url(tnm_1012, "3256"), example("location_put_example_add_evse.json")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status_code"] == 2001
    for field in ("floor", "physical_reference", "connectors.0.power_type"):
        assert field in body["status_message"]
    assert EVSE.objects.get(uid="3256").status == "AVAILABLE"


@pytest.mark.parametrize(
    ("name", "key", "model"),
    [
        ("location_energymix_example_complete.json", "energy_mix", loc.EnergyMix),
        ("location_energymix_example_energy_provider.json", "energy_mix", loc.EnergyMix),
        ("location_energymix_example_simple.json", "energy_mix", loc.EnergyMix),
        ("location_regularhours_example.json", "opening_times", loc.Hours),
        ("location_hours_247_open_exception_closing.json", None, loc.Hours),
        ("location_hours_opening_hours_with_exceptional_closing.json", None, loc.Hours),
        ("location_hours_opening_hours_with_exceptional_opening.json", None, loc.Hours),
        ("credentials_example.json", None, cred.Credentials),
        ("credentials_example2.json", None, cred.Credentials),
        ("credentials_example3.json", None, cred.Credentials),
        ("credentials_example4.json", None, cred.Credentials),
        ("version_details_example.json", None, cred.VersionDetails),
        ("version_details_example2.json", None, cred.VersionDetails),
    ],
)
def test_component_examples_parse(name: str, key: str | None, model: Any) -> None:
    data = example(name)
    obj = model.model_validate(data[key] if key else data)
    assert obj.model_dump(mode="json", exclude_none=True) == (data[key] if key else data)


def test_versions_and_envelope_examples_parse() -> None:
    versions = TypeAdapter(list[cred.Version]).validate_python(
        example("versions_info_example.json")
    )
    assert [v.version for v in versions] == ["2.1.1", "2.2.1"]
    for name in (
        "transport_and_format_version_info_example.json",
        "transport_and_format_version_details_example.json",
    ):
        body = example(name)
        assert {"data", "status_code", "timestamp"} <= body.keys()
