"""Allocation: first come, first served by server receipt time, with simultaneous windows.

The rule (docs/quotas.md): a request's receipt time is taken by the server. Time since the
period opened is cut into windows (default 1 s). All requests of one window are simultaneous:
when together they fit the balance, each gets every eligible VIN; when they exceed it, the
balance is shared pro rata to each request's eligible VINs by the largest-remainder method, and
equal remainders go to the lowest tie-break key, SHA-256("<published seed>:<request id>"). For
one-VIN requests that is a lottery anyone can re-run. Within a request, the VINs listed first
are the ones granted. Windows are settled in order, so an earlier window is always served in
full before a later one gets anything.

Safety: settling runs under a row lock on the period's `PeriodBalance` (SELECT ... FOR UPDATE
on PostgreSQL; SQLite's single writer gives the same), and the database checks
allocated <= volume, so no interleaving of requests can draw more than the volume.

A window is settled as soon as it has ended, with every receipt accepted in it. On PostgreSQL
each receipt holds a shared advisory lock on its window from before its acceptance time is read
until it commits (`hold_window`), and the settler takes the same lock exclusively
(`_close_windows`), so it waits exactly for the receipts still in flight, and no longer. On
other databases (SQLite, the tests' and a single workstation's) a window is settled once
RECEIPT_GRACE has passed after its end, for receipts received just before the end to commit.
A receipt that commits later still (a stall longer than the grace; on PostgreSQL, one accepted
more than a window before the settlement) is settled with the next window's batch, as its own
group, after every earlier-settled window: it can lose its simultaneity, never the quota's
safety.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from kubat.core import bulk as core_bulk
from kubat.quotas import audit, bulk
from kubat.quotas.enums import (
    LIVE_CERTIFICATE,
    AllocationRule,
    CertificateStatus,
    Decision,
    Reason,
    RequestKind,
    RequestStatus,
    SecurityStatus,
)
from kubat.quotas.models import (
    AuditEvent,
    Certificate,
    PeriodBalance,
    QuotaPeriod,
    QuotaRequest,
    RequestedVehicle,
    SubQuota,
)

T = TypeVar("T")
RECEIPT_GRACE = dt.timedelta(milliseconds=150)
WAIT_LIMIT_S = 60.0
_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U


def largest_remainder(
    *, demands: Sequence[int], available: int, tie_keys: Sequence[str]
) -> list[int]:
    """Shares of `available` units pro rata to `demands` (Hamilton's largest-remainder method).

    When the demands fit, everyone gets their demand. Otherwise each gets the floor of its exact
    share, and the units left go one each to the largest remainders, equal remainders ordered by
    the lowest tie key. Integer arithmetic only, so the result is exact and reproducible; the
    shares always sum to `available` and never exceed a demand.
    """
    total = sum(demands)
    if total <= available:
        return list(demands)
    shares = [d * available // total for d in demands]
    remainders = [d * available % total for d in demands]
    left = available - sum(shares)
    order = sorted(range(len(demands)), key=lambda i: (-remainders[i], tie_keys[i]))
    for i in order[:left]:
        shares[i] += 1
    return shares


def tie_break_key(*, seed: str, request_id: int) -> str:
    return hashlib.sha256(f"{seed}:{request_id}".encode()).hexdigest()


def window_ms(period: QuotaPeriod) -> int:
    if period.allocation_rule == AllocationRule.STRICT_ORDER:
        return 0
    return max(1, period.allocation_window_ms)


def _windows_start(period: QuotaPeriod) -> dt.datetime:
    """Where window 0 starts: the opening time's whole second (UTC), so that with the default
    window of a second the windows are the seconds customs systems stamp acceptance times in
    ("accepted in the same second": docs/decisions/0005, addendum 3)."""
    return period.opens_at.replace(microsecond=0)


def window_of(*, period: QuotaPeriod, at: dt.datetime) -> int:
    """The window index of a receipt time (0 for the strict rule, where each request is alone)."""
    size = window_ms(period)
    if size == 0:
        return 0
    elapsed = at - _windows_start(period)
    return int(elapsed // dt.timedelta(milliseconds=size))


def receipt_grace() -> dt.timedelta:
    """How long after a window's end its settlement waits for receipts still committing: none
    on PostgreSQL, where the window lock waits for exactly those (`hold_window`), else
    RECEIPT_GRACE."""
    return _NO_GRACE if connection.vendor == "postgresql" else RECEIPT_GRACE


_NO_GRACE = dt.timedelta(0)


def settle_at(*, period: QuotaPeriod, window: int) -> dt.datetime:
    """When a window may be settled: its end plus the receipt grace."""
    size = window_ms(period)
    return _windows_start(period) + dt.timedelta(milliseconds=size * (window + 1)) + receipt_grace()


def window_lock_key(*, period_id: int, window: int) -> int:
    """The advisory lock key of a period's window (one signed 64-bit key: 23 bits of period,
    40 of window; two windows 2^40 apart share a key, which only makes a settlement wait for
    receipts it did not need to)."""
    return ((period_id & 0x7FFFFF) << 40) | (window & 0xFFFFFFFFFF)


def windowed_on_postgresql(period: QuotaPeriod) -> bool:
    """Whether receipts of `period` hold their window (a windowed rule, on PostgreSQL)."""
    return window_ms(period) > 0 and connection.vendor == "postgresql"


def hold_window(*, period: QuotaPeriod, window: int) -> None:
    """Hold `window` open until this transaction ends (PostgreSQL; a no-op elsewhere)."""
    if windowed_on_postgresql(period):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s)",
                [window_lock_key(period_id=period.pk, window=window)],
            )


def acceptance_time(*, period: QuotaPeriod, held: int | None) -> dt.datetime:
    """The receipt's acceptance time, read after its window is held: `held` is the window
    already locked (by the receipt's first query, `declarations`), or None.

    The order matters: a receipt whose acceptance time falls in window W held W's lock before
    W ended, so the settler, which asks for W's lock exclusively only after W ended, waits
    for it. When the clock has moved on to a later window meanwhile (a receipt straddling a
    window's end), that window is held too and the clock read again; the receipt is accepted
    then. Only once: with windows of a few milliseconds the clock could outrun the locks for
    ever, and a receipt whose window was not held in time is still settled, with the next
    batch (the module docstring).
    """
    now = timezone.now()
    if held is None or not windowed_on_postgresql(period):
        return now
    window = window_of(period=period, at=now)
    if window != held:
        hold_window(period=period, window=window)
        now = timezone.now()
    return now


def _close_windows(*, period: QuotaPeriod, through: int) -> None:
    """Wait for the receipts still in flight in the last two due windows (PostgreSQL): their
    window locks, taken exclusively in ascending order, as receipts take theirs."""
    if windowed_on_postgresql(period) and through >= 0:
        keys = [
            window_lock_key(period_id=period.pk, window=w)
            for w in range(max(0, through - 1), through + 1)
        ]
        with connection.cursor() as cursor:
            for key in keys:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def certificate_number(*, period: QuotaPeriod, rng: random.Random | None = None) -> str:
    """A unique-by-chance number (50 random bits; the unique index catches the impossible)."""
    # One draw of 50 bits from the secure generator, 5 bits per character: a tenth of the cost
    # of ten secrets.choice calls, which shows when a window issues thousands of certificates.
    bits = rng.getrandbits(50) if rng is not None else secrets.randbits(50)
    body = "".join(_NUMBER_ALPHABET[(bits >> (5 * i)) & 31] for i in range(10))
    return f"{period.country_code}{period.year % 100:02d}-{body[:5]}-{body[5:]}"


@dataclass(slots=True)
class _Vehicle:
    """A pending vehicle as settling reads it: a tuple's worth, not a model instance (a window
    of a rush settles thousands of them while it holds the balance lock)."""

    pk: int
    request_id: int
    vin: str
    customs_value: Decimal | None
    currency: str


@dataclass(slots=True)
class _NewCertificate:
    """A certificate to insert (with COPY on PostgreSQL) for a granted vehicle."""

    number: str
    vehicle: _Vehicle
    valid_until: dt.datetime
    security_amount: Decimal | None = None
    security_currency: str = ""
    security_status: str = ""


@dataclass(slots=True)
class _Plan:
    """What settling decides, applied in a few bulk statements."""

    granted: list[_Vehicle] = field(default_factory=list)
    # Reservations a declaration of the same declarant uses: closed, their unit passing on.
    used: list[Certificate] = field(default_factory=list)
    refused: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    per_request: dict[int, dict[str, object]] = field(default_factory=dict)


@dataclass(slots=True)
class _Settlement:
    """The state one settlement works on, loaded in a few queries under the balance lock."""

    period: QuotaPeriod
    requests: list[QuotaRequest]
    vehicles: dict[int, list[_Vehicle]]  # request id -> its pending vehicles, in order
    live: set[str]  # VINs already holding a live certificate
    used: Counter[int]  # declarant id -> live certificates in this period (caps only)
    sub_quotas: dict[str, SubQuota]
    classes: dict[int, str]  # request id -> declarant class
    remaining: int
    reserved: dict[tuple[str, int], Certificate]  # (VIN, declarant id) -> live reservation
    claimed: set[str] = field(default_factory=set)
    plan: _Plan = field(default_factory=_Plan)


def _refuse(plan: _Plan, vehicle: _Vehicle, reason: Reason, detail: str = "") -> None:
    plan.refused[(reason.value, detail)].append(vehicle.pk)
    refused = plan.per_request[vehicle.request_id].setdefault("refused", {})
    assert isinstance(refused, dict)
    refused[vehicle.vin] = reason.value


def _load(*, period: QuotaPeriod, requests: list[QuotaRequest], remaining: int) -> _Settlement:
    vehicles: dict[int, list[_Vehicle]] = defaultdict(list)
    # Only what settling reads, as tuples: loading whole rows (or model instances) of
    # thousands of vehicles shows in the time the balance lock is held.
    rows = (
        RequestedVehicle.objects.filter(request__in=requests, decision=Decision.PENDING)
        .order_by("request_id", "position")
        .values_list("id", "request_id", "vin", "customs_value", "currency")
    )
    for row in rows:
        vehicle = _Vehicle(*row)
        vehicles[vehicle.request_id].append(vehicle)
    live = _live_vins(requests=[r.pk for r in requests])
    used: Counter[int] = Counter()
    if period.per_declarant_cap is not None:
        counts = (
            Certificate.objects.filter(
                period_id=period.pk,
                status__in=LIVE_CERTIFICATE,
                vehicle__request__declarant_id__in={r.declarant_id for r in requests},
            )
            .values("vehicle__request__declarant_id")
            .annotate(n=Count("id"))
        )
        used.update({row["vehicle__request__declarant_id"]: row["n"] for row in counts})
    sub_quotas = {s.declarant_class: s for s in SubQuota.objects.filter(period=period)}
    # Declarant classes only matter where sub-quotas share the period (_share's pools).
    classes = (
        dict(
            QuotaRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list(
                "pk", "declarant__declarant_class"
            )
        )
        if sub_quotas
        else {}
    )
    reserved: dict[tuple[str, int], Certificate] = {}
    if any(r.kind == RequestKind.DECLARATION for r in requests) and live:
        rows_reserved = Certificate.objects.filter(
            period=period,
            vin__in=list(live),
            status=CertificateStatus.ISSUED,
            vehicle__request__kind=RequestKind.RESERVATION,
        ).select_related("vehicle__request")
        reserved = {(c.vin, c.vehicle.request.declarant_id): c for c in rows_reserved}
    return _Settlement(
        period=period,
        requests=requests,
        vehicles=vehicles,
        live=live,
        used=used,
        sub_quotas=sub_quotas,
        classes=classes,
        remaining=remaining,
        reserved=reserved,
    )


def _live_vins(*, requests: list[int]) -> set[str]:
    """The VINs of these requests' pending vehicles that already hold a live certificate.

    Named through the requests, not VIN by VIN: a window's thousands of VINs as parameters were
    a third of loading it (each quoted by psycopg; py-spy of the rush). Plain SQL, because the
    ORM's compilation of the same join as a subquery cost more than the VIN list it replaced
    when a window holds one declaration (bench/quota_profile.py)."""
    ops = connection.ops
    certificate = ops.quote_name(Certificate._meta.db_table)
    vehicle = ops.quote_name(RequestedVehicle._meta.db_table)
    statuses = [status.value for status in LIVE_CERTIFICATE]
    live: set[str] = set()
    for chunk in _chunks(requests):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.vin FROM {certificate} c JOIN {vehicle} v ON v.vin = c.vin "
                f"WHERE v.request_id IN ({', '.join(['%s'] * len(chunk))}) AND v.decision = %s "
                f"AND c.status IN ({', '.join(['%s'] * len(statuses))})",
                [*chunk, Decision.PENDING.value, *statuses],
            )
            live.update(row[0] for row in cursor.fetchall())
    return live


def _screen(state: _Settlement, request: QuotaRequest) -> list[_Vehicle]:
    """A request's VINs that may still draw: not drawn meanwhile, not claimed earlier in the
    window (tie-break order), within the declarant's cap. A declared VIN that this declarant
    reserved (where the period reserves) is granted from its reservation, outside the share."""
    cap = state.period.per_declarant_cap
    eligible = []
    for vehicle in state.vehicles.get(request.pk, []):
        reservation = state.reserved.get((vehicle.vin, request.declarant_id))
        if request.kind == RequestKind.DECLARATION and reservation is not None:
            del state.reserved[(vehicle.vin, request.declarant_id)]
            state.plan.used.append(reservation)
            state.plan.granted.append(vehicle)
            state.claimed.add(vehicle.vin)
            continue
        if vehicle.vin in state.live:
            _refuse(state.plan, vehicle, Reason.ALREADY_DRAWN)
        elif vehicle.vin in state.claimed:
            _refuse(state.plan, vehicle, Reason.REPEATED_IN_WINDOW)
        elif cap is not None and state.used[request.declarant_id] >= cap:
            _refuse(state.plan, vehicle, Reason.CAP, f"cap {cap}")
        else:
            state.used[request.declarant_id] += 1
            state.claimed.add(vehicle.vin)
            eligible.append(vehicle)
    return eligible


def _share(state: _Settlement, group: list[QuotaRequest]) -> None:
    """Serve one window: screen each request, then share each pool's balance pro rata."""
    group.sort(key=lambda r: r.tie_break_key)
    demand: dict[int, list[_Vehicle]] = {}
    for request in group:
        state.plan.per_request[request.pk] = {}
        demand[request.pk] = _screen(state, request)
    pools: dict[str, list[QuotaRequest]] = defaultdict(list)
    for request in group:
        pools[state.classes[request.pk] if state.sub_quotas else ""].append(request)
    for pool_class, members in pools.items():
        sub = state.sub_quotas.get(pool_class)
        available = state.remaining
        if sub is not None:
            available = min(available, sub.volume - sub.allocated)
        shares = largest_remainder(
            demands=[len(demand[r.pk]) for r in members],
            available=available,
            tie_keys=[r.tie_break_key for r in members],
        )
        cut = Reason.EXHAUSTED if available == 0 else Reason.PRO_RATA
        for request, share in zip(members, shares, strict=True):
            granted = demand[request.pk][:share]
            state.plan.granted.extend(granted)
            # A later window in this settlement sees these VINs as drawn, exactly as it would
            # had it been settled on its own after this one.
            state.live.update(v.vin for v in granted)
            for vehicle in demand[request.pk][share:]:
                state.used[request.declarant_id] -= 1
                # Refused, so no longer claimed: a later window may still ask for this VIN
                # (the same window's repeats were screened before sharing and stay refused).
                state.claimed.discard(vehicle.vin)
                _refuse(state.plan, vehicle, cut)
            state.remaining -= share
            if sub is not None:
                sub.allocated += share


def settle_due(
    *,
    period_id: int,
    now: dt.datetime,
    actor: User | AnonymousUser | None = None,
    rng: random.Random | None = None,
) -> int:
    """Decide every pending request whose window is due; returns how many requests were decided.

    Must run inside a transaction. Locks the period's balance row first: every path that
    changes a period's counters takes this lock, so allocation is serialised per period and the
    balance read here cannot go stale before it is written back. `rng` makes certificate
    numbers reproducible (demo data only; real ones come from the secure generator).
    """
    # The lock that makes over-allocation impossible: held until the caller's transaction ends.
    balance = PeriodBalance.objects.select_for_update().get(period_id=period_id)
    period = QuotaPeriod.objects.get(pk=period_id)
    # Every receipt of the due windows has committed (or, elsewhere, had its grace). Receipts
    # take no balance lock, so waiting for them under it cannot deadlock.
    _close_windows(period=period, through=due_window(period=period, now=now))
    pending = QuotaRequest.objects.filter(period_id=period_id, status=RequestStatus.PENDING)
    strict = window_ms(period) == 0
    if not strict:
        pending = pending.filter(window__lte=due_window(period=period, now=now))
    requests = list(pending.order_by("window", "received_at", "id"))
    if not requests:
        return 0
    state = _load(period=period, requests=requests, remaining=balance.remaining)
    groups: dict[int, list[QuotaRequest]] = defaultdict(list)
    for request in requests:
        request.tie_break_key = tie_break_key(seed=period.tie_break_seed, request_id=request.pk)
        groups[request.pk if strict else request.window].append(request)
    for window in sorted(groups):  # earlier windows are served in full first
        _share(state, groups[window])
    _apply(
        plan=state.plan,
        period=period,
        balance=balance,
        requests=requests,
        now=now,
        actor=actor,
        rng=rng,
    )
    for sub in state.sub_quotas.values():
        sub.save(update_fields=["allocated"])
    return len(requests)


def _chunks(items: list[Any], size: int = 5000) -> list[list[Any]]:
    """Slices short enough for SQLite's limit on query parameters."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def _apply(
    *,
    plan: _Plan,
    period: QuotaPeriod,
    balance: PeriodBalance,
    requests: list[QuotaRequest],
    now: dt.datetime,
    actor: User | AnonymousUser | None,
    rng: random.Random | None,
) -> None:
    kinds = {r.pk: r.kind for r in requests}
    holds = {k: now + dt.timedelta(days=_hold_days(period, k)) for k in set(kinds.values())}
    certificates = [
        _NewCertificate(
            number=certificate_number(period=period, rng=rng),
            vehicle=vehicle,
            valid_until=holds[kinds[vehicle.request_id]],
        )
        for vehicle in plan.granted
    ]
    used_events = _use_reservations(plan=plan, period=period, now=now, actor=actor)
    # Each draw that reaches the critical threshold, and every one after it, carries a
    # security for the duty forgone (EU practice for critical tariff quotas).
    threshold = critical_units(period)
    drawn = balance.allocated - len(plan.used)
    for cert in certificates:
        drawn += 1
        if drawn >= threshold:
            _hold_security(cert, period=period, declared=kinds[cert.vehicle.request_id])
    # COPY on PostgreSQL: this runs under the balance lock (kubat.core.bulk).
    core_bulk.insert_rows(
        Certificate,
        columns=_CERTIFICATE_FIELDS,
        rows=[
            (
                c.number,
                c.vehicle.pk,
                period.pk,
                c.vehicle.vin,
                CertificateStatus.ISSUED.value,
                now,
                c.valid_until,
                "",
                c.security_amount,
                c.security_currency,
                c.security_status,
            )
            for c in certificates
        ],
    )
    _decide_vehicles(plan=plan, requests=[r.pk for r in requests], now=now)
    events = _decision_events(
        plan=plan, period=period, requests=requests, certificates=certificates, now=now, actor=actor
    )
    events.extend(used_events)
    bulk.update_per_row(
        model=QuotaRequest,
        field="tie_break_key",
        values={r.pk: r.tie_break_key for r in requests},
        common={"status": RequestStatus.DECIDED.value, "decided_at": now},
    )
    before = balance.allocated
    balance.allocated += len(certificates) - len(plan.used)
    balance.save(update_fields=["allocated", "updated_at"])
    if period.critical_at is None and balance.allocated >= threshold:
        period.critical_at = now
        period.save(update_fields=["critical_at"])
        events.append(
            audit.event(
                at=now,
                actor=actor,
                action="period.critical",
                obj=period,
                period=period,
                before={"allocated": before},
                after={"allocated": balance.allocated, "critical_at": now.isoformat()},
            )
        )
    if balance.remaining == 0 and period.exhausted_at is None and before < balance.volume:
        period.exhausted_at = now
        period.save(update_fields=["exhausted_at"])
        events.append(
            audit.event(
                at=now,
                actor=actor,
                action="period.exhausted",
                obj=period,
                period=period,
                before={"allocated": before},
                after={"allocated": balance.allocated, "exhausted_at": now.isoformat()},
            )
        )
    audit.record(events)


def _decide_vehicles(*, plan: _Plan, requests: list[int], now: dt.datetime) -> None:
    """Write every vehicle's decision with statements that name requests, not vehicles.

    Thousands of vehicle ids as parameters cost more in psycopg's client-side quoting than the
    UPDATE itself, under the balance lock. So: the granted are the pending vehicles of these
    requests that now hold a certificate; each refusal reason but the most frequent names its
    vehicles; the most frequent is then every vehicle still pending in these requests. Every
    pending vehicle of a settled request is in the plan (settling loaded them all, and nothing
    adds vehicles to a request after its receipt), which the last count checks.
    """
    pending = RequestedVehicle.objects.filter(decision=Decision.PENDING)
    for chunk in _chunks(requests):
        pending.filter(request_id__in=chunk, certificate__isnull=False).update(
            decision=Decision.ALLOCATED, reason=Reason.ALLOCATED, decided_at=now
        )
    groups = sorted(plan.refused.items(), key=lambda group: len(group[1]))
    for (reason, detail), ids in groups[:-1]:
        for chunk in _chunks(ids):
            RequestedVehicle.objects.filter(pk__in=chunk).update(
                decision=Decision.REFUSED, reason=reason, reason_detail=detail, decided_at=now
            )
    if not groups:
        return
    (reason, detail), ids = groups[-1]
    changed = sum(
        pending.filter(request_id__in=chunk).update(
            decision=Decision.REFUSED, reason=reason, reason_detail=detail, decided_at=now
        )
        for chunk in _chunks(requests)
    )
    if changed != len(ids):  # an invariant, not input: roll the settlement back, loudly
        raise RuntimeError(f"settling refused {changed} vehicles, planned {len(ids)}")


_CERTIFICATE_FIELDS = (
    "number",
    "vehicle",
    "period",
    "vin",
    "status",
    "issued_at",
    "valid_until",
    "customs_declaration",
    "security_amount",
    "security_currency",
    "security_status",
)


def critical_units(period: QuotaPeriod) -> int:
    """The allocated count at which a period is critical: ceil(volume x threshold %)."""
    return max(1, -(-period.volume * period.critical_threshold_pct // 100))


def _hold_days(period: QuotaPeriod, kind: str) -> int:
    """How long a drawn unit waits: a reservation its policy's days, a declaration's unit the
    period's validity (the time customs takes to release the goods)."""
    if kind == RequestKind.RESERVATION and period.reservation_days is not None:
        return period.reservation_days
    return period.validity_days


def _hold_security(cert: _NewCertificate, *, period: QuotaPeriod, declared: str) -> None:
    """Record the security for the duty forgone on a critical draw (held until the outcome)."""
    cert.security_status = SecurityStatus.HELD
    value = cert.vehicle.customs_value
    if declared == RequestKind.DECLARATION and value is not None:
        cert.security_amount = (value * period.security_pct / Decimal(100)).quantize(
            Decimal("0.01")
        )
        cert.security_currency = cert.vehicle.currency


def _use_reservations(
    *, plan: _Plan, period: QuotaPeriod, now: dt.datetime, actor: User | AnonymousUser | None
) -> list[AuditEvent]:
    """Close the reservations declarations used; their unit passes to the declaration's
    certificate, so the balance is unchanged (-1 here, +1 in the decision event)."""
    for cert in plan.used:
        cert.status = CertificateStatus.USED
        cert.closed_at = now
    Certificate.objects.bulk_update(plan.used, ["status", "closed_at"])
    return [
        audit.event(
            at=now,
            actor=actor,
            action="reservation.used",
            obj=cert,
            period=period,
            before={"status": CertificateStatus.ISSUED.value, "vin": cert.vin},
            after={"status": CertificateStatus.USED.value},
            allocated_delta=-1,
        )
        for cert in plan.used
    ]


def _decision_events(
    *,
    plan: _Plan,
    period: QuotaPeriod,
    requests: list[QuotaRequest],
    certificates: list[_NewCertificate],
    now: dt.datetime,
    actor: User | AnonymousUser | None,
) -> list[AuditEvent]:
    """Mark the requests decided and describe each decision for the audit log: its window,
    tie-break key, every VIN granted with its certificate and every VIN refused."""
    granted_by_request: dict[int, list[dict[str, str]]] = defaultdict(list)
    for cert in certificates:
        granted_by_request[cert.vehicle.request_id].append(
            {"vin": cert.vehicle.vin, "number": cert.number}
        )
    events: list[AuditEvent] = []
    for request in requests:
        request.status = RequestStatus.DECIDED
        request.decided_at = now
        granted = granted_by_request.get(request.pk, [])
        events.append(
            audit.event(
                at=now,
                actor=actor,
                action="request.decided",
                obj=request,
                period=period,
                before={"status": RequestStatus.PENDING.value},
                after={
                    "status": RequestStatus.DECIDED.value,
                    "window": request.window,
                    "tie_break_key": request.tie_break_key,
                    "allocated": granted,
                    **plan.per_request.get(request.pk, {}),
                },
                allocated_delta=len(granted),
            )
        )
    return events


class _ProcessSettler:
    """Per process and period: one thread at a time settles; the others wait on a condition.

    Without it every waiting thread would queue on the balance row lock in turn when its
    window ends (a convoy of lock, check, commit round trips); with it each process sends one
    settler per window and wakes its other threads when the window is settled.
    """

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.busy = False
        self.settled_through = -1
        # Requests this process's threads wait for, and the answers the settler read for them
        # in one go (instead of each woken thread reading its own request and vehicles).
        self.waiting: set[int] = set()
        self.answers: dict[int, Any] = {}


_settlers: dict[int, _ProcessSettler] = {}
_settlers_lock = threading.Lock()


def _settler(period_id: int) -> _ProcessSettler:
    with _settlers_lock:
        return _settlers.setdefault(period_id, _ProcessSettler())


def _release_connection() -> None:
    """With a connection pool (KUBAT_DATABASE_POOL_MAX), hand the connection back while we
    only wait, so that waiting threads do not hold PostgreSQL connections."""
    if connection.settings_dict.get("OPTIONS", {}).get("pool") and not connection.in_atomic_block:
        connection.close()


def due_window(*, period: QuotaPeriod, now: dt.datetime) -> int:
    """The last window that may be settled at `now` (ended, and the receipt grace passed)."""
    return window_of(period=period, at=now - receipt_grace()) - 1


def wait_for_decision(
    *,
    request: QuotaRequest,
    period: QuotaPeriod,
    prefetch: Callable[[list[int]], dict[int, T]] | None = None,
) -> T | None:
    """Block until `request` is decided, settling its window when it is due.

    Called at the edge after the receipt transaction committed (so that other requests of the
    window can see it); opens its own short transactions. In each process one thread settles
    (under the balance row lock, so processes still serialise in the database) while the
    others wait for it. With `prefetch` (request ids -> answers, for the decided ones), the
    settling thread also reads the answers of every request this process waits for, in one
    call, and each woken thread returns its own; None when there is no prefetched answer (the
    caller reads it), and after WAIT_LIMIT_S with the request still pending.
    """
    settler = _settler(period.pk)
    force = False
    with settler.condition:
        settler.waiting.add(request.pk)
    try:
        # Never hang a client: past this, it gets its request as it stands (VINs still
        # "pending") and reads the decision later with GET; `kubat quotas settle` finishes it.
        give_up = time.monotonic() + WAIT_LIMIT_S
        while time.monotonic() < give_up:
            now = timezone.now()
            ready = settle_at(period=period, window=request.window)
            if now < ready:
                _release_connection()
                time.sleep((ready - now).total_seconds())
                continue
            lead = False
            with settler.condition:
                while force or settler.settled_through < request.window:
                    if not settler.busy:
                        settler.busy = lead = True
                        break
                    _release_connection()
                    settler.condition.wait(timeout=2.0)
            if lead:
                _lead_settlement(settler=settler, period=period, prefetch=prefetch)
            with settler.condition:
                if request.pk in settler.answers:
                    return cast(T, settler.answers.pop(request.pk))
            if not QuotaRequest.objects.filter(
                pk=request.pk, status=RequestStatus.PENDING
            ).exists():
                return None
            # Still pending although its window is settled: the receipt committed after the
            # grace. Settle again, ourselves, which takes it with the next batch.
            force = True
            time.sleep(0.02)
        return None
    finally:
        with settler.condition:
            settler.waiting.discard(request.pk)
            settler.answers.pop(request.pk, None)


def _lead_settlement(
    *,
    settler: _ProcessSettler,
    period: QuotaPeriod,
    prefetch: Callable[[list[int]], dict[int, Any]] | None,
) -> None:
    """Settle every due window (one transaction under the balance lock), then read the answers
    of this process's waiting requests, and wake the waiting threads."""
    through = -1
    try:
        with transaction.atomic():
            now = timezone.now()
            settle_due(period_id=period.pk, now=now)
            through = due_window(period=period, now=now)
        if prefetch is not None:
            with settler.condition:
                ids = sorted(settler.waiting)
            answers = prefetch(ids)
            with settler.condition:
                settler.answers.update(
                    (pk, a) for pk, a in answers.items() if pk in settler.waiting
                )
    finally:
        with settler.condition:
            settler.busy = False
            settler.settled_through = max(settler.settled_through, through)
            settler.condition.notify_all()
