"""The demo data: published periods with KG 2026 open, demo accounts, consistent balances."""

import pytest

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.fleet import demo as fleet_demo
from kubat.fleet.models import Registration
from kubat.quotas import audit, demo, selectors
from kubat.quotas.models import Certificate, QuotaPeriod

pytestmark = pytest.mark.django_db


def test_demo_has_the_published_periods_kg_2026_open_and_a_demo_importer():
    counts = demo.load_demo(seed=1)
    assert counts["periods"] == 9
    kg26 = QuotaPeriod.objects.get(country_code="KG", year=2026)
    assert (kg26.volume, kg26.powertrains, kg26.source) == (15_000, ["BEV", "EREV"], "demo")
    assert {p.year for p in QuotaPeriod.objects.filter(country_code="KZ")} == {
        2022,
        2023,
        2024,
        2025,
    }
    summary = selectors.period_summary(period=kg26)
    assert summary["allocated"] > 0
    assert (
        summary["allocated"]
        == Certificate.objects.filter(period=kg26, status__in=("issued", "cleared")).count()
    )
    for period in QuotaPeriod.objects.all():
        balance = period.balance
        assert audit.balance_from_audit(period=period) == {
            "allocated": balance.allocated,
            "cleared": balance.cleared,
        }
    from django.contrib.auth import get_user_model

    broker = get_user_model().objects.get(username="demo-importer")
    assert account_services.has_role(broker, Role.IMPORTER)
    assert account_services.organisation_of(broker).name == "Demo Customs Broker"
    assert counts["registrations"] == counts["certificates_cleared"]
    # Declarations registered by demo-customs at several posts; residents abroad refused.
    from kubat.quotas.models import QuotaRequest, RequestedVehicle

    declarations = QuotaRequest.objects.filter(period=kg26, kind="declaration")
    assert declarations.count() == counts["requests"]
    assert declarations.values("customs_post").distinct().count() == 4
    assert set(declarations.values_list("submitted_by__username", flat=True)) == {"demo-customs"}
    assert RequestedVehicle.objects.filter(reason="declarant_not_resident").exists()


def test_demo_fleet_matches_the_published_counts():
    counts = fleet_demo.load_demo(seed=1)
    kz_by_dec_2024 = Registration.objects.filter(
        country_code="KZ", registered_on__lte="2024-11-30"
    ).count()
    kz_by_dec_2023 = Registration.objects.filter(
        country_code="KZ", registered_on__lte="2023-11-30"
    ).count()
    assert (kz_by_dec_2023, kz_by_dec_2024) == (7_680, 12_587)
    kg_2022 = Registration.objects.filter(country_code="KG", registered_on__year=2022).count()
    assert kg_2022 == 5_000
    assert counts["registrations"] == Registration.objects.filter(source="demo").count()


def test_demo_runs_after_the_published_periods_were_loaded():
    from django.core.management import call_command

    call_command("quotas", "load-periods", stdout=None)
    counts = demo.load_demo(seed=2)
    assert counts["periods"] == 0
    assert counts["certificates_cleared"] > 0
