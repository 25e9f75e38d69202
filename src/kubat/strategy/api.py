"""/api/v1/strategy: the strategy desk's targets and actions.

GET /targets and GET /actions are public (what /strategy/ shows: each target with its live
indicator, progress and status; each action with its owner and whether it is overdue). POST
/targets and POST /actions are the secretariat's (a token or a logged-in session; 403 for
anyone else), through the same services as the desk page.

The request schemas carry the services' rules as constraints (indicator keys, countries, years,
lengths, a national indicator without a region), so a request the document calls valid is
accepted: schemathesis' positive-data check holds on these operations.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict

from kubat.accounts.auth import token_or_session
from kubat.core.errors import NotFound
from kubat.core.numbers import WholeNumber, whole
from kubat.strategy import indicators, selectors, services
from kubat.strategy.models import Action, ActionStatus, Target

router = Router(tags=["strategy"])

Country = Literal["KG", "KZ"]
# Text a person typed: at least one visible character, no control characters (which the
# services would strip or PostgreSQL could not store).
TEXT = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
# Indicator values and targets: any real figure, bounded so progress arithmetic stays finite.
# Numbers are strict (a JSON number, not true or "12"): what the schema says is what passes.
Figure = Annotated[float, Field(ge=-1e12, le=1e12, strict=True)]
ID_MAX = 2**31 - 1


def _iso_text(value: object) -> object:
    """A date only as its ISO text (the schema's format: date), not a number of seconds."""
    if not isinstance(value, str):
        raise ValueError(_("a date as YYYY-MM-DD"))
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_text)]
REGIONAL = tuple(k for k, i in indicators.INDICATORS.items() if i.regional)
NATIONAL = tuple(k for k, i in indicators.INDICATORS.items() if not i.regional)
RegionalKey = Literal[REGIONAL]  # type: ignore[valid-type]
NationalKey = Literal[NATIONAL]  # type: ignore[valid-type]


class _TargetBase(Schema):
    model_config = ConfigDict(extra="forbid")

    country_code: Country
    year: WholeNumber = Field(ge=2000, le=2100)
    value: Figure
    legal_act: str = Field(min_length=1, max_length=300, pattern=TEXT)
    baseline: Figure | None = Field(
        None, description="The indicator when the target was set; default: its live value now."
    )


class RegionalTargetIn(_TargetBase):
    indicator: RegionalKey = Field(description="An indicator that exists per region.")
    region: str = Field(
        "", max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$", description="Empty: the whole country."
    )


class NationalTargetIn(_TargetBase):
    indicator: NationalKey = Field(description="A national indicator: no region.")


class TargetOut(Schema):
    id: int
    indicator: str
    label: str
    unit: str
    country_code: str
    region: str
    year: int
    value: float
    baseline: float | None
    legal_act: str
    set_at: dt.datetime
    live: float | None = Field(description="The indicator computed now; null without data.")
    progress: float | None = Field(description="Share of the way from baseline to target.")
    expected: float = Field(description="Share of the time to the end of the year elapsed.")
    status: str = Field(description="on_track, at_risk, off_track or no_data")


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    country_code: Country
    title: str = Field(min_length=1, max_length=200, pattern=TEXT)
    owner_id: WholeNumber = Field(ge=1, le=ID_MAX, description="A ministry or agency.")
    due_on: IsoDate
    target_id: Annotated[int, Field(ge=1, le=ID_MAX), BeforeValidator(whole)] | None = None
    evidence: str = Field("", max_length=5000, pattern=r"^[^\x00]*$")


class ActionOut(Schema):
    id: int
    country_code: str
    title: str
    owner: str
    due_on: dt.date
    status: str = Field(description=", ".join(ActionStatus.values))
    evidence: str
    target_id: int | None
    overdue: bool


class CountryFilter(Schema):
    country_code: Country | None = None


def _target_out(row: dict[str, Any]) -> dict[str, Any]:
    target: Target = row["target"]
    return {
        "id": target.pk,
        "indicator": target.indicator,
        "label": str(row["label"]),
        "unit": str(row["unit"]),
        "country_code": target.country_code,
        "region": target.region,
        "year": target.year,
        "value": target.value,
        "baseline": target.baseline,
        "legal_act": target.legal_act,
        "set_at": target.set_at,
        "live": row["live"],
        "progress": row["progress"],
        "expected": row["expected"],
        "status": row["status"],
    }


def _action_out(action: Action, *, overdue: bool) -> dict[str, Any]:
    return {
        "id": action.pk,
        "country_code": action.country_code,
        "title": action.title,
        "owner": action.owner.name,
        "due_on": action.due_on,
        "status": action.status,
        "evidence": action.evidence,
        "target_id": action.target_id,
        "overdue": overdue,
    }


@router.get("/targets", response=list[TargetOut])
def list_targets(request: HttpRequest, filters: Query[CountryFilter]) -> Any:
    """Every target with its live indicator, progress and status (public, as /strategy/)."""
    return [_target_out(r) for r in selectors.target_rows(country_code=filters.country_code)]


@router.post("/targets", response={201: TargetOut}, auth=token_or_session)
def create_target(request: HttpRequest, payload: RegionalTargetIn | NationalTargetIn) -> Any:
    """A new target (the secretariat only); its baseline is the indicator's live value now
    unless given. Answers the target as the public page will show it."""
    with transaction.atomic():
        target = services.add_target(
            user=cast(User, request.user),
            indicator=payload.indicator,
            country_code=payload.country_code,
            year=payload.year,
            value=payload.value,
            legal_act=payload.legal_act,
            region=getattr(payload, "region", ""),
            baseline=payload.baseline,
            source="api",
        )
    rows = selectors.target_rows(country_code=target.country_code)
    row = next(r for r in rows if r["target"].pk == target.pk)
    return Status(201, _target_out(row))


@router.get("/actions", response=list[ActionOut])
def list_actions(request: HttpRequest, filters: Query[CountryFilter]) -> Any:
    """Every action with its owner agency, due date, status and whether it is overdue (public)."""
    return [
        _action_out(r["action"], overdue=r["overdue"])
        for r in selectors.action_rows(country_code=filters.country_code)
    ]


@router.post("/actions", response={201: ActionOut}, auth=token_or_session)
def create_action(request: HttpRequest, payload: ActionIn) -> Any:
    """A new action owned by a ministry or agency (the secretariat only). An owner or target
    that does not exist is a 404 naming the field."""
    user = cast(User, request.user)
    services.require_secretariat(user)
    owner = selectors.owner(organisation_id=payload.owner_id)
    if owner is None:
        raise NotFound(
            _("no ministry or agency %(id)s") % {"id": payload.owner_id}, field="owner_id"
        )
    target = None
    if payload.target_id is not None:
        target = selectors.target(target_id=payload.target_id)
        if target is None:
            raise NotFound(_("no target %(id)s") % {"id": payload.target_id}, field="target_id")
    with transaction.atomic():
        action = services.add_action(
            user=user,
            country_code=payload.country_code,
            title=payload.title,
            owner=owner,
            due_on=payload.due_on,
            evidence=payload.evidence,
            target=target,
            source="api",
        )
    return Status(201, _action_out(action, overdue=selectors.is_overdue(action)))
