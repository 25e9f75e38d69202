"""Every VIN gets its own decision and reason on receipt; nothing is half-accepted silently."""

import pytest

from kubat.accounts.roles import Role
from kubat.core.errors import Conflict, InvalidInput, PermissionDenied
from kubat.quotas import allocation, declarations
from kubat.quotas.enums import Decision, Reason
from tests.quotas import factories as f

pytestmark = pytest.mark.django_db


def decisions(req):
    return {v.vin: (v.decision, v.reason) for v in req.vehicles.order_by("position")}


def test_bad_vin_phev_and_repeated_vin_are_refused_one_by_one_with_reasons():
    p = f.period(powertrains=["BEV"])
    broker = f.customs()
    req = declarations.register_declaration(
        user=broker,
        period_id=p.pk,
        number=f.number(),
        declarant=f.resident(),
        vehicles=[
            *f.vehicles([f.vin(1)]),
            *f.vehicles(["LGXCE4CBO00000002"]),  # letter O
            *f.vehicles([f.vin(3)], make="BYD", model="Song Plus DM-i", powertrain="PHEV"),
            *f.vehicles([f.vin(1)]),
        ],
        channel="api",
        now=f.at(0.1),
    )
    got = [(v.decision, v.reason) for v in req.vehicles.order_by("position")]
    assert got == [
        (Decision.PENDING, ""),
        (Decision.REFUSED, Reason.INVALID_VIN),
        (Decision.REFUSED, Reason.POWERTRAIN),
        (Decision.REFUSED, Reason.REPEATED_IN_REQUEST),
    ]


def test_chinese_vin_is_never_refused_for_its_check_digit_but_north_american_is():
    p = f.period()
    req = f.request(f.customs(), p, ["LGXCE4CBZ00000001", "1HGCM82633A004352", "1HGCM82693A004352"])
    got = decisions(req)
    assert got["LGXCE4CBZ00000001"][0] == Decision.PENDING
    assert got["1HGCM82633A004352"][0] == Decision.PENDING  # correct check digit 3
    assert got["1HGCM82693A004352"] == (Decision.REFUSED, Reason.INVALID_VIN)


def test_vin_already_drawn_in_an_earlier_period_is_refused():
    old = f.period(name="KG 2025 test", year=2025)
    broker = f.customs()
    f.request(broker, old, [f.vin(7)])
    allocation.settle_due(period_id=old.pk, now=f.at(5))
    new = f.period()
    req = f.request(broker, new, [f.vin(7)], tax_id=f.pin(3))
    assert decisions(req)[f.vin(7)] == (Decision.REFUSED, Reason.ALREADY_DRAWN)


def test_unknown_model_needs_declared_specs_and_catalogue_powertrain_must_match():
    p = f.period()
    broker = f.customs()
    req = f.request(broker, p, [f.vin(1)], make="Nowhere", model="X1")
    assert decisions(req)[f.vin(1)] == (Decision.REFUSED, Reason.UNKNOWN_MODEL)
    req = f.request(broker, p, [f.vin(2)], make="Nowhere", model="X1", battery_kwh=50)
    assert decisions(req)[f.vin(2)][0] == Decision.PENDING
    req = f.request(broker, p, [f.vin(3)], make="Li Auto", model="L9", powertrain="BEV")
    assert decisions(req)[f.vin(3)] == (Decision.REFUSED, Reason.MODEL_MISMATCH)


def test_series_hybrid_admitted_where_the_period_says_so():
    p = f.period(powertrains=["BEV", "EREV"])
    req = f.request(f.customs(), p, [f.vin(1)], make="Li Auto", model="L9", powertrain="EREV")
    assert decisions(req)[f.vin(1)][0] == Decision.PENDING


def test_tariff_code_outside_the_period_is_refused():
    p = f.period(powertrains=["BEV"], tariff_codes=["8703 80"])
    req = f.request(f.customs(), p, [f.vin(1), f.vin(2)], tariff_code="8703 80 000 2")
    assert decisions(req)[f.vin(1)][0] == Decision.PENDING
    req = f.request(f.customs("b2"), p, [f.vin(3)], tariff_code="8703 40 000 0", tax_id=f.pin(9))
    assert decisions(req)[f.vin(3)] == (Decision.REFUSED, Reason.TARIFF_CODE)


def test_declarant_cap_refuses_the_vins_beyond_it():
    p = f.period(per_declarant_cap=1, declarant_kinds=["person"])
    req = f.request(f.customs(), p, [f.vin(1), f.vin(2)])
    allocation.settle_due(period_id=p.pk, now=f.at(5))
    got = decisions(req)
    assert got[f.vin(1)] == (Decision.ALLOCATED, Reason.ALLOCATED)
    assert got[f.vin(2)] == (Decision.REFUSED, Reason.CAP)


def test_whole_request_refused_when_period_closed_role_missing_or_declarant_invalid():
    p = f.period()
    broker = f.customs()
    with pytest.raises(Conflict):
        f.request(broker, p, [f.vin(1)], seconds=-10)
    with pytest.raises(PermissionDenied):
        f.request(f.user("operator", Role.OPERATOR), p, [f.vin(1)])
    with pytest.raises(InvalidInput) as exc:
        f.request(broker, p, [f.vin(1)], tax_id="123")
    assert exc.value.field == "declarant.tax_id"
    assert not p.requests.exists()


def test_company_refused_where_only_persons_may_declare():
    p = f.period(declarant_kinds=["person"])
    with pytest.raises(InvalidInput) as exc:
        f.request(
            f.customs(),
            p,
            [f.vin(1)],
            seconds=1,
            declarant=f.resident("01234567891234", kind="company"),
        )
    assert exc.value.field == "declarant.kind"
