"""Reads of drivers' reports: a location's open ones, an operator's queue, counts per party."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.reports.models import OPEN_STATES, DriverReport, Kind


def open_reports(*, location_id: int) -> list[DriverReport]:
    """The location's open reports (new or answered), newest first: shown on its page."""
    return list(
        DriverReport.objects.filter(location_id=location_id, state__in=OPEN_STATES)
        .select_related("evse")
        .order_by("-created_at")[:50]
    )


def queue_for(*, user: account_services.AnyUser, only_open: bool = True) -> QuerySet[DriverReport]:
    """The reports an operator answers: its organisation's parties' (everyone's for the
    secretariat); nothing for anyone else."""
    rows = DriverReport.objects.select_related("location__party", "evse").order_by("-created_at")
    if only_open:
        rows = rows.filter(state__in=OPEN_STATES)
    if account_services.has_role(user, Role.SECRETARIAT):
        return rows
    organisation = account_services.organisation_of(user)
    if organisation is None or not account_services.has_role(user, Role.OPERATOR):
        return rows.none()
    return rows.filter(location__party__organisation=organisation)


def counts_by_party(*, first: date, end: date) -> dict[int, dict[str, Any]]:
    """Per party pk: drivers' reports created in [first, end) that a point does not work, those
    about details, and how many of all its reports are open now. For the scorecards."""
    period = Q(created_at__date__gte=first, created_at__date__lt=end)
    rows = DriverReport.objects.values("location__party_id").annotate(
        not_working=Count("id", filter=period & Q(kind=Kind.NOT_WORKING)),
        wrong_detail=Count("id", filter=period & Q(kind=Kind.WRONG_DETAIL)),
        open_now=Count("id", filter=Q(state__in=OPEN_STATES)),
    )
    return {
        r["location__party_id"]: {
            "not_working": r["not_working"],
            "wrong_detail": r["wrong_detail"],
            "open": r["open_now"],
        }
        for r in rows
    }
