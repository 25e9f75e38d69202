"""`kubat quotas load-periods | settle | lapse`."""

import json

import pytest
from django.core.management import call_command

from kubat.quotas import audit
from kubat.quotas.models import QuotaPeriod
from tests.quotas import factories as f

pytestmark = pytest.mark.django_db


def run(*args: str) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("quotas", *args, stdout=out)
    return json.loads(out.getvalue())


def test_load_periods_creates_the_published_periods_once():
    created = run("load-periods")["created"]
    assert len(created) == 9
    assert run("load-periods")["created"] == []
    kg25 = QuotaPeriod.objects.get(country_code="KG", year=2025)
    assert kg25.balance.remaining == 0
    assert kg25.exhausted_at.date().isoformat() == "2025-09-25"
    assert audit.balance_from_audit(period=kg25)["allocated"] == 10_000
    kz25 = QuotaPeriod.objects.get(country_code="KZ", year=2025)
    assert (kz25.volume, kz25.per_declarant_cap, kz25.declarant_kinds) == (15_000, 1, ["person"])


def test_settle_decides_requests_whose_clients_went_away():
    p = f.period()
    req = f.request(f.customs(), p, [f.vin(1)], seconds=0.2)
    assert run("settle") == {"decided": 1}
    req.refresh_from_db()
    assert req.status == "decided"


def test_lapse_reports_per_period():
    assert run("lapse") == {"lapsed": {}}


def test_add_post_creates_a_customs_post_and_refuses_a_bad_code_with_exit_2():
    from django.core.management.base import CommandError

    from kubat.quotas.models import CustomsPost

    assert run("add-post", "41702010", "kg", "Bishkek customs") == {
        "code": "41702010",
        "created": True,
    }
    assert run("add-post", "41702010", "KG", "Bishkek")["created"] is False
    assert CustomsPost.objects.get(code="41702010").name == "Bishkek"
    with pytest.raises(CommandError) as caught:
        run("add-post", "4170", "KG", "short")
    assert caught.value.returncode == 2
    assert "code" in str(caught.value)


def test_published_periods_cite_their_legal_act_and_bar_resale_to_other_eaeu_states():
    run("load-periods")
    kg26 = QuotaPeriod.objects.get(country_code="KG", year=2026)
    assert "Decision No. 130" in kg26.legal_act
    assert kg26.reservation_days is None  # the quota is drawn at the declaration
    assert kg26.resale_barred["EREV"] == ["AM", "BY", "KZ", "RU"]
    assert kg26.person_rule == "citizen_resident"
