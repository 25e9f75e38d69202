"""/api/v1/ppp: the public part of the PPP calls (sites offered for public-private partnership).

GET /calls and GET /calls/{id}: every published call with its site, land owner, grid capacity,
terms, documents and deadline, whether it is open, the number of expressions of interest once
the deadline has passed (null before), and the award. The contents of an expression never
appear here (ppp.selectors.public_call, the one place of that rule); investors express
interest on the call's page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.params.functions import Path

from kubat.ppp import selectors
from kubat.ppp.models import Call

router = Router(tags=["ppp"])


class CallOut(Schema):
    id: int
    reference: str
    country_code: str
    region: str
    city: str
    place: str
    address: str
    latitude: float
    longitude: float
    land_owner: str
    grid_capacity_kw: float
    terms: str
    documents: list[str]
    deadline_at: dt.datetime
    open: bool = Field(description="Expressions of interest are accepted until the deadline.")
    expressions: int | None = Field(
        description="How many expressions arrived; null while the call is open."
    )
    awarded_to: str = Field(description="The winner's name once awarded; empty before.")


class CallFilter(Schema):
    country_code: Literal["KG", "KZ"] | None = None


def _out(call: Call) -> dict[str, Any]:
    public = selectors.public_call(call)
    return {
        **public,
        "id": call.pk,
        "city": call.city,
        "address": call.address,
        "latitude": call.latitude,
        "longitude": call.longitude,
        "terms": call.terms,
        "documents": [line.strip() for line in call.documents.splitlines() if line.strip()],
        "deadline_at": call.deadline_at,
    }


@router.get("/calls", response=list[CallOut])
def list_calls(request: HttpRequest, filters: Query[CallFilter]) -> Any:
    """Every published call, newest deadline last (public)."""
    calls = selectors.calls(country_code=filters.country_code).order_by("deadline_at", "pk")
    return [_out(c) for c in calls]


@router.get("/calls/{call_id}", response=CallOut)
def get_call(request: HttpRequest, call_id: int = Path(..., ge=1, le=2**31 - 1)) -> Any:
    """One call as the public sees it (404 for an unknown or withdrawn one)."""
    return _out(selectors.get_call(call_id=call_id))
