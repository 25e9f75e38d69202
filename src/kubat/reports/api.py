"""/api/v1/reports: drivers' reports, submitted by anyone and answered by the operator.

POST /reports needs no account (as the location page's form), limited per address like the
form (KUBAT_REPORT_RATE_LIMIT a minute, 429 with Retry-After beyond); a photo is sent on the
page, not here. GET /reports/queue is the operator's queue (its organisation's parties'
reports; every report for the secretariat; empty for anyone else), and POST
/reports/{id}/answer its answer, with the right to edit the location (403 otherwise).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Path
from pydantic import ConfigDict

from kubat.accounts import ratelimit
from kubat.accounts.auth import token_or_session
from kubat.core.errors import NotFound
from kubat.core.numbers import WholeNumber
from kubat.registry import selectors as registry_selectors
from kubat.reports import selectors, services
from kubat.reports.models import DriverReport, Kind, State

router = Router(tags=["reports"])

# What a driver writes: at least one visible character, no NUL (PostgreSQL cannot store it).
MESSAGE = r"^[^\x00]*[^\s\x00][^\x00]*$"
ID_MAX = 2**31 - 1


class ReportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    location_id: WholeNumber = Field(
        ge=1, le=ID_MAX, description="The location's id (/api/v1/locations)."
    )
    kind: Literal[tuple(Kind.values)]  # type: ignore[valid-type]
    message: str = Field(min_length=1, max_length=services.MAX_MESSAGE, pattern=MESSAGE)
    evse_uid: str = Field(
        "", max_length=36, pattern=r"^[^\x00]*$", description="Empty: the whole location."
    )


class ReportAnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    state: Literal[tuple(services.ANSWER_STATES)]  # type: ignore[valid-type]
    answer: str = Field(min_length=1, max_length=services.MAX_MESSAGE, pattern=MESSAGE)


class ReportOut(Schema):
    id: int
    location_id: int
    evse_uid: str
    kind: str
    message: str
    state: str = Field(description=", ".join(State.values))
    answer: str
    created_at: dt.datetime
    answered_at: dt.datetime | None


class QueueFilter(Schema):
    open_only: bool = Field(True, description="Only reports still open (new or answered).")


def _out(report: DriverReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "location_id": report.location_id,
        "evse_uid": report.evse.uid if report.evse else "",
        "kind": report.kind,
        "message": report.message,
        "state": report.state,
        "answer": report.answer,
        "created_at": report.created_at,
        "answered_at": report.answered_at,
    }


@router.post("", response={201: ReportOut, 429: dict[str, Any]})
def submit_report(request: HttpRequest, response: HttpResponse, payload: ReportIn) -> Any:
    """A driver reports that a charging point does not work or a detail is wrong (no account;
    the location must be public: 404 otherwise; an EVSE it does not have: 404 naming evse)."""
    limit = int(getattr(settings, "KUBAT_REPORT_RATE_LIMIT", 5) or 0)
    wait = ratelimit.over_limit(request, limit=limit, scope="reports") if limit else None
    if wait is not None:
        response["Retry-After"] = str(wait)
        detail = _("Too many reports from your address: try again in %(s)d s.") % {"s": wait}
        return Status(429, {"code": "rate_limited", "detail": detail})
    location = registry_selectors.get_public_location(location_id=payload.location_id)
    if payload.evse_uid and not any(e.uid == payload.evse_uid for e in location.evses.all()):
        raise NotFound(
            _("no charging point %(uid)s at this location") % {"uid": payload.evse_uid},
            field="evse_uid",
        )
    with transaction.atomic():
        report = services.submit_report(
            location_id=payload.location_id,
            kind=payload.kind,
            message=payload.message,
            evse_uid=payload.evse_uid,
            source="api",
        )
    return Status(201, _out(report))


@router.get("/queue", response=list[ReportOut], auth=token_or_session)
def queue(request: HttpRequest, filters: Query[QueueFilter]) -> Any:
    """The reports this operator answers, newest first (every one for the secretariat)."""
    user = cast(User, request.user)
    return [_out(r) for r in selectors.queue_for(user=user, only_open=filters.open_only)[:500]]


@router.post("/{report_id}/answer", response=ReportOut, auth=token_or_session)
def answer(
    request: HttpRequest, payload: ReportAnswerIn, report_id: int = Path(..., ge=1, le=ID_MAX)
) -> Any:
    """The operator answers (ANSWERED keeps it open; FIXED or DISMISSED closes it)."""
    with transaction.atomic():
        report = services.answer_report(
            user=cast(User, request.user),
            report_id=report_id,
            state=payload.state,
            answer=payload.answer,
        )
    return _out(report)
