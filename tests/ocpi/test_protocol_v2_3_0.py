"""The OCPI 2.3.0 wire objects: 2.2.1 plus what 2.3.0 adds, nothing of 2.2.1 lost."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kubat.protocols.ocpi.v2_2_1 import enums as v221_enums
from kubat.protocols.ocpi.v2_2_1 import locations as v221
from kubat.protocols.ocpi.v2_3_0 import enums, locations, tariffs
from tests.ocpi.factories import connector, evse, location


def _parking(pid: str = "P1", **over: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "vehicle_types": ["PERSONAL_VEHICLE", "VAN"],
        "restricted_to_type": False,
        "reservation_required": False,
        "direction": "PERPENDICULAR",
        "roofed": None,
        **over,
    }


def _location_230() -> dict[str, Any]:
    plugs = [connector("1", standard="MCS", capabilities=["ISO_15118_20_PLUG_AND_CHARGE"])]
    return location(
        evses=[
            evse(
                "1",
                connectors=plugs,
                parking=[{"parking_id": "p1", "evse_position": "LEFT"}],
                accepted_service_providers=["Kubat Pay", "Charge Card KZ"],
            ),
            evse("2", connectors=[connector("1", standard="SAE_J3400")]),
        ],
        parking_places=[_parking()],
        help_phone="+996312000000",
    )


def test_every_2_2_1_connector_type_is_a_2_3_0_one_plus_mcs_and_sae_j3400() -> None:
    old = {m.value for m in v221_enums.ConnectorType}
    new = {m.value for m in enums.ConnectorType}
    assert new - old == {"MCS", "SAE_J3400"}
    assert old <= new


def test_a_2_3_0_location_keeps_its_additions() -> None:
    obj = locations.Location.model_validate(_location_230())
    assert obj.help_phone == "+996312000000"
    assert obj.parking_places is not None
    assert obj.parking_places[0].vehicle_types == [
        enums.VehicleType.PERSONAL_VEHICLE,
        enums.VehicleType.VAN,
    ]
    assert obj.evses is not None
    assert obj.evses[0].accepted_service_providers == ["Kubat Pay", "Charge Card KZ"]
    assert obj.evses[0].connectors[0].standard == "MCS"
    assert obj.evses[1].connectors[0].standard == "SAE_J3400"


def test_2_2_1_refuses_what_only_2_3_0_defines() -> None:
    with pytest.raises(ValidationError) as caught:
        v221.Location.model_validate(_location_230())
    text = str(caught.value)
    assert "help_phone" in text
    assert "parking_places" in text


def test_an_evse_parking_must_name_a_parking_place_of_its_location() -> None:
    body = _location_230()
    body["evses"][0]["parking"] = [{"parking_id": "P9"}]
    with pytest.raises(ValidationError, match="P9 is not in parking_places"):
        locations.Location.model_validate(body)


def test_the_2_2_1_cross_field_rules_hold_in_2_3_0() -> None:
    body = _location_230() | {"opening_times": {"twentyfourseven": False}}
    with pytest.raises(ValidationError, match="regular_hours"):
        locations.Location.model_validate(body)


def test_a_2_3_0_tariff_requires_tax_included_and_takes_price_limits() -> None:
    body: dict[str, Any] = {
        "country_code": "KG",
        "party_id": "ABC",
        "id": "DC",
        "currency": "KGS",
        "type": "AD_HOC_PAYMENT",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 16, "step_size": 1}]}],
        "max_price": {"before_taxes": 1000, "after_taxes": 1120},
        "preauthorize_amount": 500,
        "last_updated": "2026-01-01T00:00:00Z",
    }
    with pytest.raises(ValidationError, match="tax_included"):
        tariffs.Tariff.model_validate(body)
    tariff = tariffs.Tariff.model_validate(body | {"tax_included": "N/A"})
    assert tariff.tax_included == enums.TaxIncluded.NOT_APPLICABLE
    assert tariff.max_price is not None
    assert tariff.max_price.after_taxes == 1120
