"""The registry holds the union of OCPI 2.2.1 and 2.3.0; each version's mapping shows its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kubat.protocols.ocpi.v2_2_1 import locations as v221
from kubat.protocols.ocpi.v2_3_0 import locations as v230
from kubat.protocols.ocpi.v2_3_0 import tariffs as v230_tariffs
from kubat.registry import services, wire
from kubat.registry.models import Location
from tests.ocpi.factories import connector, evse, location

pytestmark = pytest.mark.django_db


def _body_230() -> dict[str, Any]:
    return location(
        evses=[
            evse(
                "1",
                connectors=[connector("1", capabilities=["ISO_15118_2_PLUG_AND_CHARGE"])],
                parking=[{"parking_id": "P1", "evse_position": "LEFT"}],
                accepted_service_providers=["Kubat Pay"],
            ),
            evse("2", connectors=[connector("1", standard="MCS")]),
        ],
        parking_places=[
            {
                "id": "P1",
                "vehicle_types": ["PERSONAL_VEHICLE"],
                "restricted_to_type": False,
                "reservation_required": False,
            }
        ],
        help_phone="+996312000000",
    )


def _save(obj: v221.Location) -> Location:
    party = services.get_or_create_party(country_code="KG", party_id="ABC")
    stored, _ = services.save_location(party=party, data=obj, source="ocpi")
    return Location.objects.get(pk=stored.pk)


def test_a_2_3_0_location_round_trips_through_the_registry() -> None:
    stored = _save(v230.Location.model_validate(_body_230()))
    assert wire.location_to_ocpi(stored, version=wire.V2_3_0) == _body_230()
    assert stored.help_phone == "+996312000000"


def test_the_2_2_1_view_shows_only_what_2_2_1_defines() -> None:
    stored = _save(v230.Location.model_validate(_body_230()))
    out = wire.location_to_ocpi(stored)
    assert "help_phone" not in out
    assert "parking_places" not in out
    assert [e["uid"] for e in out["evses"]] == ["1"]  # EVSE 2's only plug is MCS
    assert "accepted_service_providers" not in out["evses"][0]
    assert "capabilities" not in out["evses"][0]["connectors"][0]
    v221.Location.model_validate(out)  # a valid 2.2.1 object


def test_a_2_2_1_write_leaves_the_2_3_0_fields_alone() -> None:
    _save(v230.Location.model_validate(_body_230()))
    body = location(name="Renamed", last_updated="2026-02-01T00:00:00Z")
    stored = _save(v221.Location.model_validate(body))
    assert stored.name == "Renamed"
    assert stored.help_phone == "+996312000000"
    assert stored.parking_places is not None


def test_the_api_and_the_page_show_the_2_3_0_additions(client: Any) -> None:
    stored = _save(v230.Location.model_validate(_body_230()))
    detail = client.get(f"/api/v1/locations/{stored.pk}").json()
    assert detail["help_phone"] == "+996312000000"
    by_uid = {e["uid"]: e for e in detail["evses"]}
    assert by_uid["1"]["accepted_service_providers"] == ["Kubat Pay"]
    assert by_uid["2"]["accepted_service_providers"] == []
    page = client.get(f"/ru/locations/{stored.pk}/").content.decode()
    assert "Линия помощи водителям" in page
    assert 'href="tel:+996312000000"' in page


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocpi"
TARIFF_EXAMPLES = sorted(
    p.name for p in FIXTURES.glob("tariff_*.json") if p.name != "tariff_put_example.json"
)


@pytest.mark.parametrize("name", TARIFF_EXAMPLES)
def test_a_2_2_1_tariff_reads_the_same_after_a_trip_through_2_3_0(name: str) -> None:
    body = json.loads(
        (Path(__file__).resolve().parents[1] / "fixtures" / "ocpi" / name).read_text()
    )
    as_230 = wire.tariff_to_ocpi(body, version=wire.V2_3_0)
    v230_tariffs.Tariff.model_validate(as_230)  # a valid 2.3.0 Tariff
    assert as_230["tax_included"] == wire.tariff_tax_included(body)
    assert wire.tariff_to_ocpi(as_230, version=wire.V2_2_1) == body


def test_a_2_2_1_tariff_states_tax_as_2_2_1_defines_its_prices() -> None:
    with_vat = {"elements": [{"price_components": [{"type": "TIME", "price": 2, "vat": 10}]}]}
    without = {"elements": [{"price_components": [{"type": "TIME", "price": 2}]}]}
    assert wire.tariff_tax_included(with_vat) == "NO"  # 2.2.1: prices exclude VAT
    assert wire.tariff_tax_included(without) == "N/A"  # 2.2.1: no VAT stated, none applies
