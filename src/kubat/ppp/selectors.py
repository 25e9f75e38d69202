"""PPP reads: what the public, an investor and the secretariat each see of a call.

The rule lives here once: the public and every investor see the call, the number of
expressions only after the deadline, and the award; an investor sees its own expression only;
the secretariat sees every expression.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.core.errors import NotFound
from kubat.ppp import services
from kubat.ppp.models import Call, CallStatus, Expression

AnyUser = account_services.AnyUser


def calls(*, country_code: str | None = None) -> QuerySet[Call]:
    queryset = Call.objects.select_related("awarded_to").annotate(
        n_expressions=Count("expressions")
    )
    if country_code:
        queryset = queryset.filter(country_code=country_code)
    return queryset.exclude(status=CallStatus.WITHDRAWN)


def get_call(*, call_id: int) -> Call:
    call = calls().filter(pk=call_id).first()
    if call is None:
        raise NotFound(gettext("PPP call %(call_id)s does not exist") % {"call_id": call_id})
    return call


def public_count(call: Call, *, now: datetime | None = None) -> int | None:
    """The number of expressions as the public sees it: None while the call is open."""
    if services.is_open(call, now=now):
        return None
    return int(getattr(call, "n_expressions", None) or call.expressions.count())


def visible_expressions(*, user: AnyUser, call: Call) -> list[Expression]:
    """Every expression for the secretariat, the user's organisation's own for an investor,
    none for anyone else."""
    queryset = call.expressions.select_related("investor").order_by("submitted_at")
    if account_services.has_role(user, Role.SECRETARIAT):
        return list(queryset)
    organisation = services.investor_organisation(user)
    if organisation is None:
        return []
    return list(queryset.filter(investor=organisation))


def open_calls_by_region(*, country_code: str, now: datetime | None = None) -> dict[str, int]:
    """How many calls are open for expressions per region (for the investor's view)."""
    counts: dict[str, int] = {}
    for call in calls(country_code=country_code).filter(status=CallStatus.OPEN):
        if services.is_open(call, now=now):
            counts[call.region] = counts.get(call.region, 0) + 1
    return counts


def public_call(call: Call, *, now: datetime | None = None) -> dict[str, Any]:
    """The public record of a call (CSV, the investor's view): never an expression's text."""
    return {
        "reference": call.reference,
        "country_code": call.country_code,
        "region": call.region,
        "place": call.place,
        "land_owner": call.land_owner,
        "grid_capacity_kw": call.grid_capacity_kw,
        "deadline_at": call.deadline_at.isoformat(),
        "open": services.is_open(call, now=now),
        "expressions": public_count(call, now=now),
        "awarded_to": call.awarded_to.name if call.awarded_to else "",
    }
