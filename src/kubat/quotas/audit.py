"""The append-only audit log of every quota state change (who, what, when, before, after)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet, Sum

from kubat.quotas import bulk
from kubat.quotas.models import AuditEvent, QuotaPeriod

SYSTEM = "system"


def event(
    *,
    at: dt.datetime,
    actor: User | AnonymousUser | None,
    action: str,
    obj: Any,
    period: QuotaPeriod | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    allocated_delta: int = 0,
    cleared_delta: int = 0,
) -> AuditEvent:
    """An unsaved event; callers collect them and `record` them in one insert."""
    user = actor if isinstance(actor, User) else None
    return AuditEvent(
        at=at,
        actor=cast(Any, user),
        actor_label=user.get_username() if user is not None else SYSTEM,
        action=action,
        period=period,
        object_type=type(obj).__name__,
        object_id=str(obj.pk),
        before=before,
        after=after,
        allocated_delta=allocated_delta,
        cleared_delta=cleared_delta,
    )


def record(events: list[AuditEvent]) -> None:
    """Append events (one INSERT, or COPY for a settlement's many on PostgreSQL: it runs under
    the balance lock); there is deliberately no function that changes or removes one."""
    bulk.insert(events)


def balance_from_audit(*, period: QuotaPeriod) -> dict[str, int]:
    """The period's allocated and cleared counts recomputed from the log alone."""
    sums = AuditEvent.objects.filter(period=period).aggregate(
        allocated=Sum("allocated_delta"), cleared=Sum("cleared_delta")
    )
    return {"allocated": sums["allocated"] or 0, "cleared": sums["cleared"] or 0}


def events_for(*, period: QuotaPeriod | None = None) -> QuerySet[AuditEvent]:
    rows = AuditEvent.objects.select_related("period").order_by("-at", "-id")
    return rows.filter(period=period) if period is not None else rows
