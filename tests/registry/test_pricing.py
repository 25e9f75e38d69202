"""The reference-session price of a tariff, checked by hand on the specification's examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubat.registry.pricing import AC_SESSION, DC_SESSION, session_price

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocpi"


def _tariff(name: str) -> dict[str, object]:
    return json.loads((FIXTURES / name).read_text())


@pytest.mark.parametrize(
    ("name", "session", "excl", "incl"),
    [
        # €2.00 an hour charging, 10 % VAT: 45 min = €1.50, €1.65 with VAT; 2 h = €4.00.
        ("tariff_1_simple_2hour.json", DC_SESSION, 1.50, 1.65),
        ("tariff_1_simple_2hour.json", AC_SESSION, 4.00, 4.40),
        # €0.25 a kWh: 30 kWh = €7.50 (€8.25 with 10 % VAT); 11 kWh = €2.75.
        ("tariff_8_simple_025kwh.json", DC_SESSION, 7.50, 8.25),
        ("tariff_8_simple_025kwh.json", AC_SESSION, 2.75, 3.03),
        # A €0.50 start fee (20 % VAT) + €0.25 a kWh, capped at €10.00 / €11.00.
        ("tariff_6_025kwh_start_max_price.json", DC_SESSION, 8.00, 8.85),
        # Free of charge.
        ("tariff_5_free_of_charge.json", DC_SESSION, 0.0, 0.0),
        # €1.20 an hour before 17:00 in 30-minute blocks: 45 min bills 60 min = €1.20.
        ("tariff_14_step_size.json", DC_SESSION, 1.20, 1.20),
    ],
)
def test_a_reference_session_is_priced_as_computed_by_hand(
    name: str, session: object, excl: float, incl: float
) -> None:
    price = session_price(_tariff(name), session)  # type: ignore[arg-type]
    assert (price.excl_vat, price.incl_vat) == (excl, incl)
    assert price.currency == "EUR"


def test_a_minimum_price_lifts_a_cheap_session() -> None:
    tariff = _tariff("tariff_12_025kwh_min_price.json")
    tiny = DC_SESSION.__class__("1 kWh", 1.0, 5, 100.0, DC_SESSION.start)
    assert session_price(tariff, tiny).excl_vat == 0.50
    assert session_price(tariff, tiny).incl_vat == 0.55


def test_an_energy_threshold_switches_elements_mid_session() -> None:
    tariff = {
        "currency": "KGS",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 10, "step_size": 1}],
             "restrictions": {"max_kwh": 20}},
            {"price_components": [{"type": "ENERGY", "price": 20, "step_size": 1}]},
        ],
    }  # fmt: skip
    price = session_price(tariff, DC_SESSION)
    assert price.excl_vat == 20 * 10 + 10 * 20  # 20 kWh at 10, then 10 kWh at 20
    assert price.tax_included is False


def test_a_tariff_that_prices_nothing_of_the_session_has_no_price_not_a_free_one() -> None:
    night_only = {
        "currency": "KGS",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 8, "step_size": 1}],
             "restrictions": {"start_time": "23:00", "end_time": "06:00"}},
        ],
    }  # fmt: skip
    assert session_price(night_only, DC_SESSION) is None
