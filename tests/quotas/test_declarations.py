"""Issue 14: the quota is drawn at the customs declaration, in the order of acceptance.

A broker's pre-check answers and reserves nothing; eligibility follows the law as data
(residence, citizenship, caps, tariff headings); reservations exist only where a period says so.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.core.errors import Conflict, InvalidInput, PermissionDenied
from kubat.quotas import allocation, audit, declarations, services
from kubat.quotas.enums import Decision, Reason
from kubat.quotas.models import AuditEvent, Certificate, Declarant, PeriodBalance, QuotaRequest
from tests.quotas import factories as f

pytestmark = pytest.mark.django_db


def granted(req: QuotaRequest) -> int:
    return req.vehicles.filter(decision=Decision.ALLOCATED).count()


def reasons(req: QuotaRequest) -> list[str]:
    return [v.reason for v in req.vehicles.order_by("position")]


def test_declarations_of_several_posts_in_one_window_are_drawn_in_acceptance_order_pro_rata():
    p = f.period(volume=10)
    officer = f.customs()
    # Window 0: one declaration at Osh, accepted first, served in full.
    first = f.request(officer, p, [f.vin(i) for i in range(4)], seconds=0.9, post="osh")
    # Window 1: three posts declare 12 vehicles for the 6 units left: shared 6:4:2 -> 3:2:1.
    bishkek = f.request(officer, p, [f.vin(i) for i in range(10, 16)], seconds=1.1, tax_id=f.pin(1))
    ak_jol = f.request(
        officer, p, [f.vin(i) for i in range(20, 24)], seconds=1.5, tax_id=f.pin(2), post="ak-jol"
    )
    osh = f.request(
        officer, p, [f.vin(i) for i in range(30, 32)], seconds=1.95, tax_id=f.pin(3), post="osh"
    )
    # Window 2: accepted after the others, finds nothing left.
    late = f.request(officer, p, [f.vin(40)], seconds=2.2, tax_id=f.pin(4), post="ak-jol")
    assert {r.customs_post.code for r in (bishkek, ak_jol, osh)} == set(f.POSTS.values())
    allocation.settle_due(period_id=p.pk, now=f.at(10))  # all three windows in one settlement
    for req in (first, bishkek, ak_jol, osh, late):
        req.refresh_from_db()
    assert granted(first) == 4
    assert [granted(r) for r in (bishkek, ak_jol, osh)] == [3, 2, 1]
    assert reasons(bishkek) == [Reason.ALLOCATED] * 3 + [Reason.PRO_RATA] * 3
    assert reasons(late) == [Reason.EXHAUSTED]
    # Acceptance order: windows by acceptance time, each window decided after the one before.
    assert [first.window, bishkek.window, ak_jol.window, osh.window, late.window] == [0, 1, 1, 1, 2]
    balance = PeriodBalance.objects.get(period=p)
    assert balance.allocated == 10 == Certificate.objects.filter(period=p).count()
    assert audit.balance_from_audit(period=p)["allocated"] == 10


def test_broker_precheck_answers_per_vin_and_changes_no_balance():
    p = f.period(volume=3)
    officer = f.customs()
    f.request(officer, p, [f.vin(1)], seconds=0.2)
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    before = (
        PeriodBalance.objects.get(period=p).allocated,
        QuotaRequest.objects.count(),
        Declarant.objects.count(),
        AuditEvent.objects.count(),
    )
    answer = declarations.precheck(
        user=f.user("broker", Role.IMPORTER),
        period_id=p.pk,
        declarant=f.resident(f.pin(7)),
        vehicles=f.vehicles([f.vin(1), f.vin(2), f.vin(3), f.vin(4)]),
        now=f.at(5),
    )
    assert answer["remaining"] == 2
    assert answer["reserves"] is False
    got = [(v["vin"], v["eligible"], v["reason"]) for v in answer["vehicles"]]
    # Every eligible VIN is said to be eligible, even beyond the balance: nothing is held, so
    # what a declaration will find depends on the declarations accepted before it.
    assert got == [
        (f.vin(1), False, Reason.ALREADY_DRAWN),
        (f.vin(2), True, "eligible"),
        (f.vin(3), True, "eligible"),
        (f.vin(4), True, "eligible"),
    ]
    after = (
        PeriodBalance.objects.get(period=p).allocated,
        QuotaRequest.objects.count(),
        Declarant.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_precheck_by_api_reserves_nothing(client):
    from django.utils import timezone

    p = f.period(volume=2, opens_at=timezone.now() - dt.timedelta(hours=1))
    token = account_services.issue_token(user=f.user("broker", Role.IMPORTER))
    body = {
        "period": p.pk,
        "declarant": {
            "kind": "person",
            "tax_id": f.PERSON_PIN,
            "citizenship": "KG",
            "residence_country": "KG",
        },
        "vehicles": [
            {"vin": f.vin(i), "make": "BYD", "model": "Atto 3", "powertrain": "BEV"}
            for i in range(3)
        ],
    }
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for _ in range(2):
        response = client.post(
            "/api/v1/quotas/prechecks", body, content_type="application/json", **headers
        )
        assert response.status_code == 200, response.content
        assert response.json()["remaining"] == 2
        assert [v["eligible"] for v in response.json()["vehicles"]] == [True, True, True]
    assert not p.requests.exists()
    assert client.get(f"/api/v1/quotas/periods/{p.pk}").json()["allocated"] == 0
    # An importer cannot draw: the quota is drawn at the declaration, by customs.
    reserve = client.post(
        "/api/v1/quotas/reservations", body, content_type="application/json", **headers
    )
    assert reserve.status_code == 409


def test_non_resident_declarant_is_refused_with_the_reason_named():
    p = f.period(volume=10)
    officer = f.customs()
    abroad = f.request(officer, p, [f.vin(1), f.vin(2)], declarant=f.resident(residence="KZ"))
    foreigner = f.request(
        officer, p, [f.vin(3)], declarant=f.resident(f.pin(2), citizenship="CN"), seconds=0.6
    )
    allocation.settle_due(period_id=p.pk, now=f.at(5))
    assert reasons(abroad) == [Reason.NOT_RESIDENT] * 2
    assert "declared residence KZ" in abroad.vehicles.first().reason_detail
    assert reasons(foreigner) == [Reason.NOT_CITIZEN]
    assert PeriodBalance.objects.get(period=p).allocated == 0
    # Where the act admits every permanent resident, citizenship does not matter.
    open_to_residents = f.period(name="residents", person_rule="resident")
    req = f.request(
        officer, open_to_residents, [f.vin(4)], declarant=f.resident(citizenship="CN"), seconds=1
    )
    allocation.settle_due(period_id=open_to_residents.pk, now=f.at(5))
    assert reasons(req) == [Reason.ALLOCATED]


def test_second_car_for_a_capped_person_is_refused_with_the_reason_named():
    p = f.period(volume=10, per_declarant_cap=1, declarant_kinds=["person"])
    officer = f.customs()
    first = f.request(officer, p, [f.vin(1)], seconds=0.2)
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    second = f.request(officer, p, [f.vin(2)], seconds=3, post="osh")
    assert reasons(first) == [Reason.ALLOCATED]
    assert reasons(second) == [Reason.CAP]  # refused at acceptance, before any window
    assert "cap 1" in second.vehicles.get().reason_detail
    # A pre-check says the same before the car reaches the border.
    answer = declarations.precheck(
        user=f.user("broker", Role.IMPORTER),
        period_id=p.pk,
        declarant=f.resident(),
        vehicles=f.vehicles([f.vin(3)]),
        now=f.at(4),
    )
    assert answer["vehicles"][0]["reason"] == Reason.CAP


def test_tariff_heading_must_match_the_powertrain():
    p = f.period(powertrains=["BEV", "EREV"], tariff_codes=["8703 80", "8703 60", "8703 70"])
    officer = f.customs()
    hybrid_as_bev = f.request(
        officer,
        p,
        [f.vin(1)],
        make="Li Auto",
        model="L9",
        powertrain="EREV",
        tariff_code="8703 80 000 2",
    )
    bev_as_hybrid = f.request(officer, p, [f.vin(2)], tariff_code="8703 60 100 0", tax_id=f.pin(2))
    series = f.request(
        officer, p, [f.vin(3)], make="Li Auto", model="L9", powertrain="EREV", tax_id=f.pin(3)
    )
    parallel_hybrid = f.request(
        officer, p, [f.vin(4)], model="Song Plus DM-i", powertrain="PHEV", tax_id=f.pin(4)
    )
    assert reasons(hybrid_as_bev) == [Reason.TARIFF_CODE]
    assert reasons(bev_as_hybrid) == [Reason.TARIFF_CODE]
    assert series.vehicles.get().decision == Decision.PENDING
    assert reasons(parallel_hybrid) == [Reason.POWERTRAIN]


def test_declaration_number_is_validated_per_country_and_post():
    p = f.period()
    officer = f.customs()
    f.customs_post()

    def declare(number: str) -> None:
        declarations.register_declaration(
            user=officer,
            period_id=p.pk,
            number=number,
            declarant=f.resident(),
            vehicles=f.vehicles([f.vin(1)]),
            now=f.at(1),
        )

    for bad in ("41702010-050126-0000001", "41702010/320126/0000001", "4170201/050126/0000001"):
        with pytest.raises(InvalidInput) as caught:
            declare(bad)
        assert caught.value.field == "number"
    with pytest.raises(InvalidInput, match="not a KG customs post"):
        declare("39801010/050126/0000001")
    with pytest.raises(InvalidInput, match="after its acceptance"):
        declare("41702010/100126/0000001")
    with pytest.raises(InvalidInput) as caught:
        declarations.register_declaration(
            user=officer,
            period_id=p.pk,
            number=f.number(),
            declarant=f.resident(),
            vehicles=f.vehicles([f.vin(1)], customs_value=None),
            now=f.at(1),
        )
    assert caught.value.field == "vehicles[0].customs_value"
    with pytest.raises(PermissionDenied):
        f.request(f.user("broker", Role.IMPORTER), p, [f.vin(1)])
    declare("41702010/050126/0000001")
    with pytest.raises(Conflict):
        declare("41702010/050126/0000001")
    assert p.requests.count() == 1


def test_where_a_period_reserves_the_reservation_is_explicit_used_by_the_declaration_or_lapses():
    p = f.period(volume=3, reservation_days=10)
    importer = f.user("broker", Role.IMPORTER)
    reservation = declarations.reserve_units(
        user=importer,
        period_id=p.pk,
        declarant=f.resident(),
        vehicles=f.vehicles([f.vin(1), f.vin(2)]),
        now=f.at(0.5),
    )
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    held = list(Certificate.objects.filter(vehicle__request=reservation).order_by("vin"))
    assert [c.valid_until for c in held] == [f.at(2) + dt.timedelta(days=10)] * 2
    assert PeriodBalance.objects.get(period=p).allocated == 2
    # The declaration for the reserved car uses the reservation: the balance does not move.
    declared = f.request(f.customs(), p, [f.vin(1)], seconds=86400)
    allocation.settle_due(period_id=p.pk, now=f.at(86402))
    assert reasons(declared) == [Reason.ALLOCATED]
    held[0].refresh_from_db()
    assert held[0].status == "used"
    assert PeriodBalance.objects.get(period=p).allocated == 2
    # The other reservation lapses after its 10 days and gives its unit back.
    assert services.lapse_uncleared(now=f.at(11 * 86400)) == {p.name: 1}
    balance = PeriodBalance.objects.get(period=p)
    assert (balance.allocated, balance.returned) == (1, 1)
    assert audit.balance_from_audit(period=p)["allocated"] == 1


def test_critical_draws_carry_a_security_until_the_outcome_is_confirmed(client):
    p = f.period(volume=10, critical_threshold_pct=80)
    officer = f.customs()
    early = f.request(officer, p, [f.vin(i) for i in range(7)], seconds=0.5)
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    p.refresh_from_db()
    assert p.critical_at is None
    assert not Certificate.objects.exclude(security_status="").exists()
    late = f.request(
        officer,
        p,
        [f.vin(10), f.vin(11)],
        seconds=3,
        tax_id=f.pin(2),
        customs_value=Decimal("30000"),
    )
    allocation.settle_due(period_id=p.pk, now=f.at(5))
    p.refresh_from_db()
    assert p.critical_at == f.at(5)  # the 8th unit reached 80 %
    secured = Certificate.objects.filter(vehicle__request=late)
    assert [(c.security_amount, c.security_currency, c.security_status) for c in secured] == [
        (Decimal("4500.00"), "USD", "held")
    ] * 2
    assert not Certificate.objects.filter(vehicle__request=early).exclude(security_status="")
    page = client.get(f"/quotas/periods/{p.pk}/").content.decode()
    assert 'data-k="critical_at">—<' not in page
    assert (
        client.get(f"/api/v1/quotas/periods/{p.pk}")
        .json()["critical_at"]
        .startswith("2026-01-05T03:00:05")
    )
    with pytest.raises(PermissionDenied):
        services.confirm_period_outcome(user=f.user("broker", Role.IMPORTER), period_id=p.pk)
    services.confirm_period_outcome(
        user=f.user("sec", Role.SECRETARIAT), period_id=p.pk, now=f.at(9)
    )
    assert set(secured.values_list("security_status", flat=True)) == {"released"}
    with pytest.raises(Conflict):
        services.confirm_period_outcome(user=f.user("sec2", Role.SECRETARIAT), period_id=p.pk)


def test_resale_lookup_says_whether_a_buyer_country_is_barred_and_until_when(client):
    p = f.period(resale_barred={"BEV": ["KZ", "RU"], "EREV": ["RU"]})
    officer = f.customs()
    req = f.request(officer, p, [f.vin(1)], seconds=0.2)
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    cert = Certificate.objects.get(vehicle__request=req)
    services.clear_certificate(user=officer, number=cert.number, now=f.at(86400))
    url = f"/api/v1/quotas/vehicles/{f.vin(1)}"
    kz = client.get(url, {"buyer_country": "KZ"}).json()
    assert (kz["sale_barred"], kz["barred_until"]) == (True, "2029-01-06")
    uz = client.get(url, {"buyer_country": "UZB"}).json()
    assert (uz["buyer_country"], uz["sale_barred"], uz["barred_until"]) == ("UZ", False, None)
    assert client.get(url).json()["sale_barred"] is None
    bad = client.get(url, {"buyer_country": "XX"})
    assert (bad.status_code, bad.json()["field"]) == (400, "buyer_country")
    cert.refresh_from_db()
    assert cert.customs_declaration == req.declaration_number


def test_confirming_the_outcome_of_an_unknown_period_is_a_404_naming_it(client) -> None:
    user = f.user("sec-404", Role.SECRETARIAT)
    token = account_services.issue_token(user=user)
    response = client.post(
        "/api/v1/quotas/periods/0/confirm-outcome", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
    assert response.json()["field"] == "period_id"


def test_amounts_beyond_the_columns_digits_are_refused_naming_the_field_and_nothing_recorded():
    p = f.period()
    officer = f.customs()
    # customs_value is numeric(14, 2): 12 digits before the point, 2 after.
    for value, field in (
        (Decimal("1000000000000"), "vehicles[1].customs_value"),
        (Decimal("20000.001"), "vehicles[1].customs_value"),
    ):
        vehicles = [*f.vehicles([f.vin(1)]), *f.vehicles([f.vin(2)], customs_value=value)]
        with pytest.raises(InvalidInput) as caught:
            declarations.register_declaration(
                user=officer,
                period_id=p.pk,
                number=f.number(),
                declarant=f.resident(),
                vehicles=vehicles,
                now=f.at(1),
            )
        assert caught.value.field == field
    # battery_kwh is numeric(6, 1).
    with pytest.raises(InvalidInput) as caught:
        declarations.register_declaration(
            user=officer,
            period_id=p.pk,
            number=f.number(),
            declarant=f.resident(),
            vehicles=f.vehicles([f.vin(3)], battery_kwh=Decimal("123456")),
            now=f.at(1),
        )
    assert caught.value.field == "vehicles[0].battery_kwh"
    # The largest value that fits is accepted.
    declarations.register_declaration(
        user=officer,
        period_id=p.pk,
        number=f.number(),
        declarant=f.resident(),
        vehicles=f.vehicles([f.vin(4)], customs_value=Decimal("999999999999.99")),
        now=f.at(1),
    )
    assert p.requests.count() == 1


def test_customs_desk_form_refuses_an_oversized_customs_value_with_a_400(client):
    from django.utils import timezone

    p = f.period(opens_at=timezone.now() - dt.timedelta(hours=1))
    officer = f.customs("desk-officer")
    client.force_login(officer)
    line = f"{f.vin(7)}, BYD, Atto 3, BEV, 8703 80 000 2, 99999999999999999999, USD, CN"
    response = client.post(
        "/quotas/customs/",
        {
            "period": p.pk,
            "number": f.number(when=timezone.now()),
            "declarant_kind": "person",
            "declarant_tax_id": f.PERSON_PIN,
            "declarant_citizenship": "KG",
            "declarant_residence": "KG",
            "vehicles": line,
        },
    )
    assert response.status_code == 400
    assert b"customs_value" in response.content
    assert not p.requests.exists()


def test_period_rules_are_read_once_a_second_per_process_and_an_edit_is_seen_at_once(monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    p = f.period(volume=10)
    officer = f.customs()
    f.request(officer, p, [f.vin(1)], seconds=0.2)

    def period_reads(**declaration) -> int:
        with CaptureQueriesContext(connection) as queries:
            f.request(officer, p, **declaration)
        return sum('FROM "quotas_quotaperiod"' in q["sql"] for q in queries)

    # Within the second, the next declaration reuses the rules this process read.
    assert period_reads(vins=[f.vin(2)], seconds=0.3, tax_id=f.pin(2)) == 0
    # An edit in this process is seen by the very next declaration: the period now closes.
    p.closes_at = f.at(0.35)
    services.save_period(period=p)
    with pytest.raises(Conflict):
        f.request(officer, p, [f.vin(3)], seconds=0.4, tax_id=f.pin(3))
    # Past the time to live the rules are read again (another process's edit arrives so).
    p.closes_at = f.at(86400)
    services.save_period(period=p)
    monkeypatch.setattr(services, "RULES_TTL_S", 0.0)
    assert period_reads(vins=[f.vin(4)], seconds=0.5, tax_id=f.pin(4)) == 1


def test_a_declarant_known_as_a_person_cannot_be_declared_as_a_company():
    p = f.period()
    officer = f.customs()
    f.request(officer, p, [f.vin(1)], seconds=0.2)
    with pytest.raises(InvalidInput) as caught:
        f.request(officer, p, [f.vin(2)], seconds=0.3, declarant=f.resident(kind="company"))
    assert caught.value.field == "declarant.kind"
    assert list(Declarant.objects.values_list("kind", flat=True)) == ["person"]
    assert p.requests.count() == 1


def test_a_declaration_is_received_in_six_round_trips_once_the_rules_are_read():
    """Role and organisation, declarant, request (its number's uniqueness included), the
    VINs drawn before, vehicles, audit: the rush receives thousands a minute (decision 0005)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    p = f.period(volume=10)
    officer = f.customs()
    f.request(officer, p, [f.vin(1)], seconds=0.2)
    number = f.number(when=f.at(0.3))
    with CaptureQueriesContext(connection) as queries:
        declarations.register_declaration(
            user=officer,
            period_id=p.pk,
            number=number,
            declarant=f.resident(f.pin(2)),
            vehicles=f.vehicles([f.vin(2), f.vin(3)]),
            now=f.at(0.3),
        )
    assert len(queries) == 6, [q["sql"][:80] for q in queries]
