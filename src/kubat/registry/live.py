"""Live registry writes from OCPI: EVSE status, and EVSE or connector replacements.

Owned by the OCPI work and kept apart from `services` so both can change independently; every
function here keeps the same invariants as `services`: derived values, SearchPoint rows and
StatCounter counters always match the rows. They run inside the caller's transaction.

Rules shared by all of them:
- `last_updated` orders writes: an object older than the stored one is refused (OutOfOrder) and
  changes nothing; an equal one is accepted, so a retried request is harmless.
- OCPI defines a Location's last_updated as "when this Location or one of its EVSEs or
  Connectors was last updated". Kubat stores each object's own and reports the location's as
  the newest of its own and its EVSEs' (`effective_last_updated`): a status report then touches
  only the EVSE row, not the location row and its eight indexes (bench/ocpi_ingest.py: 12 to
  23 % more accepted PATCHes/s in A/B runs, a third of the WAL). The rarer writes (PUT or
  PATCH of an EVSE or connector) still move the location's own last_updated forward.
- Every accepted status report appends an EVSEStatusEvent (see docs/decisions/0003).
- Where a write takes both, it locks the location before the EVSE; the status fast path locks
  only the EVSE, so no two writers can wait on each other in a cycle.
- OCPI ids are CiStrings: an exact match is tried first (index), then a case-insensitive one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from kubat.core.errors import Conflict, InvalidInput, NotFound
from kubat.ocpi.v2_2_1 import locations as ocpi
from kubat.ocpi.v2_2_1 import mapping
from kubat.registry import services
from kubat.registry.enums import Status
from kubat.registry.models import EVSE, Connector, EVSEStatusEvent, Location, Party


class OutOfOrder(Conflict):
    """The pushed object is older than the one Kubat holds (OCPI: last_updated orders writes)."""

    code = "out_of_order"
    ocpi_status = 2000


def find_location(*, party: Party | int, location_id: str, lock: bool = False) -> Location | None:
    """The party's location with this OCPI id (CiString), optionally locked FOR UPDATE."""
    rows = Location.objects.select_related("party").filter(party=party)
    if lock:
        rows = rows.select_for_update(of=("self",))
    return (
        rows.filter(ocpi_id=location_id).first() or rows.filter(ocpi_id__iexact=location_id).first()
    )


def find_evse(*, location: Location, uid: str, lock: bool = False) -> EVSE | None:
    rows = EVSE.objects.filter(location=location)
    if lock:
        rows = rows.select_for_update()
    return rows.filter(uid=uid).first() or rows.filter(uid__iexact=uid).first()


def _check_order(*, stored: datetime, pushed: datetime, what: str) -> None:
    if pushed < stored:
        raise OutOfOrder(
            f"{what} last_updated {pushed.isoformat()} is older than the stored "
            f"{stored.isoformat()}; older data never overwrites newer",
            field="last_updated",
        )


def effective_last_updated(location: Location) -> datetime:
    """OCPI's Location.last_updated: the newest of the location's own and its EVSEs'."""
    newest = location.evses.aggregate(newest=Max("last_updated"))["newest"]
    return max(location.last_updated, newest) if newest else location.last_updated


def _touch_location(location: Location, at: datetime) -> None:
    if at > location.last_updated:
        Location.objects.filter(pk=location.pk).update(last_updated=at)
        location.last_updated = at


def _append_events(rows: list[tuple[int, str, datetime]], *, source: str) -> None:
    now = timezone.now()
    EVSEStatusEvent.objects.bulk_create(
        EVSEStatusEvent(evse_id=pk, status=status, reported_at=at, received_at=now, source=source)
        for pk, status, at in rows
    )


# A status report may be at most this far ahead of Kubat's clock. The sender list finds
# locations whose EVSE status changed since date_from through the status history's time index,
# which is sound only if an event is received no earlier than MAX_CLOCK_AHEAD before the time
# it reports (selectors in kubat.ocpi).
MAX_CLOCK_AHEAD = timedelta(hours=1)

# One statement, one round trip: lock and update the EVSE if the report is newer and no
# REMOVED transition is involved, and append the event. Zero rows back means "take the slow
# path", which tells unknown from out of order and handles REMOVED with a full refresh of
# derived values. The location row is read, not locked or written (see the module docstring).
_FAST_STATUS_SQL = """
WITH upd AS (
    UPDATE registry_evse
    SET status = %(status)s, last_updated = %(at)s, status_updated_at = %(now)s
    WHERE location_id = (
            SELECT id FROM registry_location
            WHERE party_id = %(party)s AND ocpi_id = %(location)s
        )
      AND uid = %(uid)s AND status <> 'REMOVED' AND last_updated <= %(at)s
    RETURNING id
), ev AS (
    INSERT INTO registry_evsestatusevent (evse_id, status, reported_at, received_at, source)
    SELECT id, %(status)s, %(at)s, %(now)s, %(source)s FROM upd
)
SELECT id FROM upd
"""


def _fast_status(params: dict[str, object]) -> bool:
    """Run _FAST_STATUS_SQL as a server-side prepared statement; True when it applied.

    Django's cursor binds parameters on the client, so PostgreSQL would plan the five-part
    statement on every request (EXPLAIN: about 0.9 ms of planning, more than it takes to run);
    a psycopg prepared statement is planned once per connection. On the bench that moved
    accepted PATCHes from about 970/s to 1,120/s (bench/ocpi_ingest.py, 20,000 EVSEs).
    """
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    with psycopg.Cursor(raw) as cursor:
        cursor.execute(_FAST_STATUS_SQL, params, prepare=True)
        return cursor.fetchone() is not None


def record_evse_status(
    *, party: Party | int, location_id: str, evse_uid: str, status: str, at: datetime, source: str
) -> None:
    """Set an EVSE's live status as of `at` (the OCPI last_updated) and append the event.

    The hot path of OCPI ingest: on PostgreSQL one statement (see _FAST_STATUS_SQL), atomic on
    its own, so outside a transaction it costs one round trip and no BEGIN/COMMIT. A change to
    or from REMOVED changes the public dataset, so it takes the slow path, which refreshes
    derived values and counters in a transaction (joining the caller's, if any). Raises
    NotFound (unknown location or EVSE), OutOfOrder, and InvalidInput for a report more than
    MAX_CLOCK_AHEAD in the future.
    """
    party_pk = party if isinstance(party, int) else party.pk
    now = timezone.now()
    if at > now + MAX_CLOCK_AHEAD:
        raise InvalidInput(
            f"last_updated {at.isoformat()} is in the future (Kubat's clock: {now.isoformat()})",
            field="last_updated",
        )
    if status != Status.REMOVED and connection.vendor == "postgresql":
        params = {
            "party": party_pk,
            "location": location_id,
            "uid": evse_uid,
            "status": status,
            "at": at,
            "now": now,
            "source": source,
        }
        if _fast_status(params):
            return
    with transaction.atomic():
        _record_status_slow(
            party_pk=party_pk,
            location_id=location_id,
            evse_uid=evse_uid,
            status=status,
            at=at,
            source=source,
        )


def _record_status_slow(
    *, party_pk: int, location_id: str, evse_uid: str, status: str, at: datetime, source: str
) -> None:
    location = find_location(party=party_pk, location_id=location_id, lock=True)
    if location is None:
        raise NotFound(f"unknown location {location_id}", field="location_id")
    evse = find_evse(location=location, uid=evse_uid, lock=True)
    if evse is None:
        raise NotFound(f"unknown EVSE {evse_uid} at location {location_id}", field="evse_uid")
    _check_order(stored=evse.last_updated, pushed=at, what=f"EVSE {evse.uid}")
    crosses_removed = Status.REMOVED in (evse.status, status) and evse.status != status
    before = services.summary_of(location) if crosses_removed else None
    EVSE.objects.filter(pk=evse.pk).update(
        status=status, last_updated=at, status_updated_at=timezone.now()
    )
    _append_events([(evse.pk, status, at)], source=source)
    if crosses_removed:
        services.refresh_location(location=location, before=before)


def save_location(*, party: Party, data: ocpi.Location, source: str) -> tuple[Location, bool]:
    """services.save_location with OCPI's ordering rule and status history.

    A location held under another casing of the same id (CiString) is updated, not duplicated.
    Raises OutOfOrder, and what services.save_location raises.
    """
    location = find_location(party=party, location_id=data.id, lock=True)
    statuses: dict[str, str] = {}
    if location is not None:
        _check_order(
            stored=effective_last_updated(location), pushed=data.last_updated, what="location"
        )
        if location.ocpi_id != data.id:
            data = data.model_copy(update={"id": location.ocpi_id})
        statuses = dict(location.evses.values_list("uid", "status"))
    saved, created = services.save_location(party=party, data=data, source=source)
    # EVSEs left out of a PUT became REMOVED in services: that is a status change too.
    pushed = {e.uid: e.last_updated for e in data.evses or []}
    # A pushed EVSE's status is a live report as much as a status PATCH is.
    saved.evses.filter(uid__in=list(pushed)).update(status_updated_at=timezone.now())
    _append_events(
        [
            (pk, status, pushed.get(uid, data.last_updated))
            for uid, pk, status in saved.evses.values_list("uid", "pk", "status")
            if statuses.get(uid) != status
        ],
        source=source,
    )
    return saved, created


def put_evse(*, location: Location, data: ocpi.EVSE, source: str) -> tuple[EVSE, bool]:
    """Create or replace one EVSE with its connectors (OCPI PUT …/{location}/{evse_uid}).

    The caller holds the location lock (find_location(lock=True)). Raises OutOfOrder.
    """
    before = services.summary_of(location)
    evse = find_evse(location=location, uid=data.uid, lock=True)
    fields = mapping.evse_fields(data)
    fields["status_updated_at"] = timezone.now()  # a live report, as a status PATCH is
    created = evse is None
    if evse is None:
        evse = EVSE.objects.create(location=location, **fields)
        old_status = None
    else:
        _check_order(stored=evse.last_updated, pushed=data.last_updated, what=f"EVSE {evse.uid}")
        old_status = evse.status
        fields["uid"] = evse.uid
        for name, value in fields.items():
            setattr(evse, name, value)
        evse.save()
    keep = {c.id for c in data.connectors}
    evse.connectors.exclude(ocpi_id__in=keep).delete()
    current = {c.ocpi_id: c for c in evse.connectors.all()}
    for cobj in data.connectors:
        cfields = mapping.connector_fields(cobj)
        connector = current.get(cobj.id)
        if connector is None:
            Connector.objects.create(evse=evse, **cfields)
        else:
            Connector.objects.filter(pk=connector.pk).update(**cfields)
    if old_status != data.status:
        _append_events([(evse.pk, data.status, data.last_updated)], source=source)
    _touch_location(location, data.last_updated)
    services.refresh_location(location=location, before=before)
    return evse, created


def put_connector(
    *, location: Location, evse: EVSE, data: ocpi.Connector
) -> tuple[Connector, bool]:
    """Create or replace one connector (OCPI PUT …/{evse_uid}/{connector_id}).

    The caller holds the location lock. Moves the EVSE's and location's last_updated forward.
    Raises OutOfOrder.
    """
    before = services.summary_of(location)
    rows = Connector.objects.select_for_update().filter(evse=evse)
    connector = rows.filter(ocpi_id=data.id).first() or rows.filter(ocpi_id__iexact=data.id).first()
    fields = mapping.connector_fields(data)
    created = connector is None
    if connector is None:
        connector = Connector.objects.create(evse=evse, **fields)
    else:
        _check_order(
            stored=connector.last_updated, pushed=data.last_updated, what=f"connector {data.id}"
        )
        fields["ocpi_id"] = connector.ocpi_id
        for name, value in fields.items():
            setattr(connector, name, value)
        connector.save()
    if data.last_updated > evse.last_updated:
        EVSE.objects.filter(pk=evse.pk).update(last_updated=data.last_updated)
        evse.last_updated = data.last_updated
    _touch_location(location, data.last_updated)
    services.refresh_location(location=location, before=before)
    return connector, created
