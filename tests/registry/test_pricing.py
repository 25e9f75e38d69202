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
    assert price.vat_stated is False
    assert price.tax_included == "N/A"  # a 2.2.1 tariff without VAT: none applies


def test_a_tariff_that_prices_nothing_of_the_session_has_no_price_not_a_free_one() -> None:
    night_only = {
        "currency": "KGS",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 8, "step_size": 1}],
             "restrictions": {"start_time": "23:00", "end_time": "06:00"}},
        ],
    }  # fmt: skip
    assert session_price(night_only, DC_SESSION) is None


def _taxed_tariff(tax_included: str, vat: float | None = 12, **over: object) -> dict[str, object]:
    component: dict[str, object] = {"type": "ENERGY", "price": 22.4, "step_size": 1}
    if vat is not None:
        component["vat"] = vat
    return {
        "currency": "KGS",
        "elements": [{"price_components": [component]}],
        "tax_included": tax_included,
        **over,
    }


def test_a_price_that_includes_tax_is_not_taxed_again() -> None:
    price = session_price(_taxed_tariff("YES"), DC_SESSION)
    assert (price.excl_vat, price.incl_vat) == (600.0, 672.0)  # 30 kWh × 22.40, VAT 12 % in it
    assert (price.tax_included, price.includes_tax) == ("YES", True)


def test_tax_is_added_on_top_when_the_tariff_says_it_is_not_included() -> None:
    price = session_price(_taxed_tariff("NO"), DC_SESSION)
    assert (price.excl_vat, price.incl_vat) == (672.0, 752.64)
    assert price.includes_tax is True


def test_a_tariff_to_which_no_tax_applies_has_one_price() -> None:
    price = session_price(_taxed_tariff("N/A"), DC_SESSION)
    assert price.excl_vat == price.incl_vat == 672.0
    assert price.includes_tax is True


def test_tax_added_at_an_unstated_rate_is_never_shown_as_included() -> None:
    price = session_price(_taxed_tariff("NO", vat=None), DC_SESSION)
    assert price.excl_vat == price.incl_vat == 672.0
    assert (price.tax_included, price.includes_tax) == ("NO", False)


def test_a_price_limit_bounds_each_side_of_tax() -> None:
    tariff = _taxed_tariff("YES", max_price={"before_taxes": 500, "after_taxes": 600})
    price = session_price(tariff, DC_SESSION)
    assert (price.excl_vat, price.incl_vat) == (500.0, 600.0)
    without_after = _taxed_tariff("YES", max_price={"before_taxes": 500})
    price = session_price(without_after, DC_SESSION)
    assert (price.excl_vat, price.incl_vat) == (500.0, 560.0)  # the tax moves with the amount
