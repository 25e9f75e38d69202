"""The demo: cases in every state, with statistics that are not trivial."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kubat.permits.demo import load_demo
from kubat.permits.models import CaseStatus, PermitCase
from kubat.permits.statistics import permit_statistics

pytestmark = pytest.mark.django_db


def test_demo_has_cases_in_every_state_and_real_percentiles() -> None:
    counts = load_demo(seed=2026, now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    assert counts["cases"] == 84
    statuses = set(PermitCase.objects.values_list("status", flat=True))
    assert statuses == set(CaseStatus.values)
    stats = permit_statistics()
    for code in ("KG", "KZ"):
        headline = stats["countries"][code]["days_to_permit"]
        assert headline["n"] >= 10
        assert headline["p90_days"] > headline["median_days"] > 0
        assert stats["countries"][code]["contains_demo_data"]
    kz_agencies = stats["countries"]["KZ"]["by_agency"]
    assert any(a["within_deadline_share"] < 1 for a in kz_agencies)
    assert load_demo(seed=2026) == {"cases": 0}  # a second `kubat demo` adds nothing


@pytest.mark.parametrize("permits_last", [True, False])
def test_demo_secretariat_is_one_account_whichever_demo_runs_last(permits_last: bool) -> None:
    from django.contrib.auth import authenticate

    from kubat.accounts import services as account_services
    from kubat.accounts.models import Organisation
    from kubat.accounts.roles import Role
    from kubat.permits import demo as permits_demo
    from kubat.quotas import demo as quotas_demo

    loaders = [quotas_demo._accounts, permits_demo._people]
    for loader in loaders if permits_last else reversed(loaders):
        loader()
    user = authenticate(username="demo-secretariat", password="kubat-demo")
    assert user is not None
    assert account_services.has_role(user, Role.SECRETARIAT)
    organisation = account_services.organisation_of(user)
    assert organisation.name == "E-mobility secretariat (demo)"
    assert Organisation.objects.filter(kind=Organisation.Kind.SECRETARIAT).count() == 1
