"""PPP rules: expressions before the deadline only, each seen by its investor and the
secretariat, the count public after the deadline, an award that opens the winner's permit
case, and the awarded site in the registry as pipeline once its permit is issued."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kubat.core.errors import Conflict, InvalidInput, PermissionDenied
from kubat.permits import services as permit_services
from kubat.permits.models import OPEN_APPROVAL, CaseStatus
from kubat.ppp import selectors, services
from kubat.ppp.models import CallStatus, Expression
from kubat.registry.models import Location
from tests.permits.factories import T0, make_world, pay, upload
from tests.ppp.factories import investor, publish

pytestmark = pytest.mark.django_db


def test_an_investor_sees_its_own_expression_and_not_another_investors() -> None:
    world = make_world("KG")
    first = investor("inv-a", "Alpha Invest")
    second = investor("inv-b", "Beta Capital")
    call = publish(world.secretariat)
    services.submit_expression(user=first, call=call, planned_kw=240, proposal="secret A", now=T0)
    services.submit_expression(user=second, call=call, planned_kw=120, proposal="secret B", now=T0)
    seen_by_first = selectors.visible_expressions(user=first, call=call)
    assert [e.proposal for e in seen_by_first] == ["secret A"]
    assert [e.proposal for e in selectors.visible_expressions(user=second, call=call)] == [
        "secret B"
    ]
    assert selectors.visible_expressions(user=world.applicant, call=call) == []
    assert len(selectors.visible_expressions(user=world.secretariat, call=call)) == 2
    assert "secret" not in str(selectors.public_call(call, now=T0))


def test_the_count_of_expressions_is_public_only_after_the_deadline() -> None:
    world = make_world("KG")
    call = publish(world.secretariat, days=10)
    for n in range(3):
        user = investor(f"inv-{n}", f"Investor {n}")
        services.submit_expression(user=user, call=call, planned_kw=100, proposal="p", now=T0)
    call = selectors.get_call(call_id=call.pk)
    assert selectors.public_count(call, now=T0 + timedelta(days=9)) is None
    assert selectors.public_count(call, now=T0 + timedelta(days=10)) == 3


def test_an_expression_after_the_deadline_is_refused_and_nothing_is_stored() -> None:
    world = make_world("KG")
    call = publish(world.secretariat, days=1)
    late = investor("inv-late", "Late Ltd")
    with pytest.raises(Conflict):
        services.submit_expression(
            user=late, call=call, planned_kw=100, proposal="p", now=T0 + timedelta(days=1)
        )
    assert not Expression.objects.exists()


def test_a_second_expression_of_one_organisation_replaces_the_first() -> None:
    world = make_world("KG")
    call = publish(world.secretariat)
    user = investor("inv-a", "Alpha Invest")
    services.submit_expression(user=user, call=call, planned_kw=100, proposal="one", now=T0)
    services.submit_expression(user=user, call=call, planned_kw=200, proposal="two", now=T0)
    assert list(Expression.objects.values_list("proposal", "planned_kw")) == [("two", 200)]


def test_only_the_investor_role_expresses_interest_and_only_the_secretariat_publishes() -> None:
    world = make_world("KG")
    call = publish(world.secretariat)
    with pytest.raises(PermissionDenied):
        services.submit_expression(
            user=world.applicant, call=call, planned_kw=100, proposal="p", now=T0
        )
    with pytest.raises(PermissionDenied):
        publish(investor("inv-a", "Alpha Invest"))


def test_a_call_names_the_wrong_field() -> None:
    world = make_world("KG")
    with pytest.raises(InvalidInput) as caught:
        publish(world.secretariat, grid_capacity_kw=0)
    assert caught.value.field == "grid_capacity_kw"
    with pytest.raises(InvalidInput) as caught:
        publish(world.secretariat, days=-1)
    assert caught.value.field == "deadline_at"
    call = publish(world.secretariat)
    with pytest.raises(InvalidInput) as caught:
        services.submit_expression(
            user=investor("inv-a", "A"), call=call, planned_kw=401, proposal="p", now=T0
        )
    assert caught.value.field == "planned_kw"


def test_an_award_waits_for_the_deadline_and_opens_the_winners_permit_case() -> None:
    world = make_world("KG")
    call = publish(world.secretariat, days=10)
    winner = investor("inv-a", "Alpha Invest")
    services.submit_expression(user=winner, call=call, planned_kw=240, proposal="p", now=T0)
    org = winner.membership.organisation
    with pytest.raises(Conflict):
        services.award_call(user=world.secretariat, call=call, investor_id=org.pk, now=T0)
    after = T0 + timedelta(days=10)
    with pytest.raises(InvalidInput):
        services.award_call(
            user=world.secretariat, call=call, investor_id=world.applicant_org.pk, now=after
        )
    call = services.award_call(user=world.secretariat, call=call, investor_id=org.pk, now=after)
    assert call.status == CallStatus.AWARDED
    case = call.permit_case
    assert case is not None
    assert case.applicant == org
    assert case.status == CaseStatus.DRAFT
    assert (case.site_name, case.latitude, case.grid_capacity_kw) == (call.place, 42.19, 400)
    assert case.planned_evses[0]["count"] == 4  # 240 kW planned as 60 kW points


def test_the_awarded_site_enters_the_registry_as_pipeline_when_its_permit_is_issued() -> None:
    world = make_world("KG")
    call = publish(world.secretariat, days=10)
    winner = investor("inv-a", "Alpha Invest")
    services.submit_expression(user=winner, call=call, planned_kw=120, proposal="p", now=T0)
    after = T0 + timedelta(days=10)
    org = winner.membership.organisation
    case = services.award_call(
        user=world.secretariat, call=call, investor_id=org.pk, now=after
    ).permit_case
    assert case is not None
    permit_services.add_attachment(
        user=winner, case=case, upload=upload(), kind="land_right", now=after
    )
    permit_services.submit_case(user=winner, case=case, now=after)
    pay(world, case, now=after)
    case = permit_services.check_completeness(
        user=world.secretariat, case=case, complete=True, now=after
    )
    assert not Location.objects.filter(ocpi_id=f"permit-{case.pk}").exists()
    while (
        pending := case.approvals.filter(status__in=OPEN_APPROVAL).exclude(status="waiting").first()
    ) is not None:
        permit_services.decide_approval(
            user=world.reviewers[pending.authority], approval=pending, approve=True, now=after
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.ISSUED
    location = Location.objects.get(ocpi_id=f"permit-{case.pk}")
    assert case.location_id == location.pk
    assert set(location.evses.values_list("status", flat=True)) == {"PLANNED"}
