"""The one write path into the registry: every road that writes a location comes through here.

The roads and the source each records: the API PUT (`api`), `kubat import` and
POST /api/v1/imports (`import`), the OCPI receiver and `kubat ocpi pull` (`ocpi`), permit
commissioning (`permit`), the admin (`admin`) and `kubat demo` (`demo`). This is the only module
that writes Location, EVSE and Connector rows (a test scans the code for any other), and every
function keeps every invariant:

1. derived columns (maximum power per EVSE and location, charging class, EVSEs in service) and
   the derived tables (search points, national counters; `registry.index`) match the rows;
2. `last_updated` orders writes for the roads whose objects carry one (`ROADS`): an object
   older than the stored one is refused (OutOfOrder) and changes nothing; an equal one is
   accepted, so a retried request is harmless. The admin is a person's edit: Kubat stamps it
   with the time of the edit instead, so mirrors paging by date_from see it;
3. status freshness: `EVSE.status_updated_at` is when Kubat last received a status for the
   EVSE, whatever the road (the profile decides which sources must keep it fresh);
4. every status change, a new EVSE's first status included, appends exactly one
   EVSEStatusEvent carrying the road's source; a status report (OCPI PATCH, record_evse_status)
   appends one even when it repeats the status, as evidence that the EVSE was reporting
   (docs/decisions/0003-status-events.md).

OCPI defines a Location's last_updated as "when this Location or one of its EVSEs or
Connectors was last updated". Kubat stores each object's own and reports the location's as the
newest of its own and its EVSEs' (`effective_last_updated`): a status report then touches only
the EVSE row (bench/ocpi_ingest.py: 12 to 23 % more accepted PATCHes/s than touching the
location too). The rarer EVSE and connector replacements move the location's own forward.

Functions run inside the caller's transaction (a request, a command, an import) and never
commit halfway, so a batch is all-or-nothing. Locks: a writer locks the party (only when the
location may be new), then the location, then the EVSE; the status fast path locks only the
EVSE, so no two writers wait on each other in a cycle. OCPI ids are CiStrings: an exact match
is tried first (index), then a case-insensitive one.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.core import bulk, prepared
from kubat.core.countries import to_alpha2
from kubat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import bulk_sql, index, wire
from kubat.registry.derived import PlugSpec, Summary, summarise
from kubat.registry.enums import Source, Status
from kubat.registry.models import (
    EVSE,
    Connector,
    EVSEStatusEvent,
    Location,
    Party,
    SearchCell,
    SearchPoint,
    StatCounter,
)

# --- Roads -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Road:
    """What a source may do on the write path; the one place where roads differ.

    `ordered`: the objects it writes carry a meaningful last_updated, so an older one never
    overwrites a newer one. `stamped`: Kubat sets last_updated to the time of the write (a
    person's edit carries no timestamp of its own).
    """

    ordered: bool
    stamped: bool = False


ROADS: dict[str, Road] = {
    Source.OCPI: Road(ordered=True),
    Source.API: Road(ordered=True),
    Source.IMPORT: Road(ordered=True),
    Source.PERMIT: Road(ordered=True),
    Source.DEMO: Road(ordered=True),
    Source.ADMIN: Road(ordered=False, stamped=True),
}


def road_of(source: str) -> Road:
    try:
        return ROADS[source]
    except KeyError:
        raise InvalidInput(
            gettext("%(source)r is not a registry source") % {"source": source}, field="source"
        ) from None


class OutOfOrder(Conflict):
    """The pushed object is older than the one Kubat holds (OCPI: last_updated orders writes)."""

    code = "out_of_order"
    ocpi_status = 2000


def _check_order(*, road: Road, stored: datetime, pushed: datetime, what: str) -> None:
    if road.ordered and pushed < stored:
        raise OutOfOrder(
            gettext(
                "%(what)s last_updated %(pushed)s is older than the stored %(stored)s; "
                "older data never overwrites newer"
            )
            % {"what": what, "pushed": pushed.isoformat(), "stored": stored.isoformat()},
            field="last_updated",
        )


# --- Derived values ----------------------------------------------------------------------------


def summary_of(location: Location) -> Summary:
    """A location's derived values as the database holds them now (take it before a write)."""
    evses: dict[int, tuple[str, list[PlugSpec]]] = {
        pk: (status, []) for pk, status in location.evses.values_list("pk", "status")
    }
    rows = Connector.objects.filter(evse__location=location).values_list(
        "evse_id", "standard", "power_type", "max_voltage", "max_amperage", "max_electric_power"
    )
    for evse_pk, standard, power_type, voltage, amperage, power in rows:
        evses[evse_pk][1].append(PlugSpec(standard, power_type, voltage, amperage, power))
    return summarise(
        publish=location.publish,
        region=location.region,
        party_key=location.party.key,
        evses=[evses[pk] for pk in sorted(evses)],
        position=(location.lat, location.lon),
    )


def derived_columns(summary: Summary) -> dict[str, object]:
    """The Location columns derived from its summary (the one list the write path keeps)."""
    return {
        "max_power_kw": summary.max_power_kw,
        "charging_class": summary.charging_class,
        "evse_count": summary.evse_count,
        "dc_standards": summary.dc_standards,
        "dc_kw": summary.dc_kw,
        "dc_max_kw": summary.dc_max_kw,
        "dc_points": summary.dc_points,
    }


def refresh_location(*, location: Location, before: Summary | None) -> Summary:
    """Recompute a location's derived values after a write, and move the counters by the change.

    `before` is the summary taken before the write (None for a new location).
    """
    after = summary_of(location)
    for evse_pk, kw in zip(
        location.evses.order_by("pk").values_list("pk", flat=True), after.evse_max_kw, strict=True
    ):
        EVSE.objects.filter(pk=evse_pk).exclude(max_power_kw=kw).update(max_power_kw=kw)
    columns = derived_columns(after)
    Location.objects.filter(pk=location.pk).update(**columns)
    for name, value in columns.items():
        setattr(location, name, value)
    index.replace_search_points(location, after)
    delta = Counter(after.contribution)
    cells = Counter(after.cells)
    if before is not None:
        delta.subtract(before.contribution)
        cells.subtract(before.cells)
    index.apply_stat_delta(country_code=location.country_code, delta=delta)
    index.apply_cell_delta(cells)
    return after


def rebuild_derived(*, batch_size: int = 2000) -> int:
    """Recompute every derived column, search point and counter from the rows.

    For a restore, a manual SQL fix or a bulk SQL load (the benchmarks), and the proof that
    maintained values are right (tests compare before and after). The same derivation as the
    write path (`summarise`), read set-based: locations in pk ranges of `batch_size`, their
    EVSEs and connectors in two queries per range, and only changed rows written back.
    Returns the number of locations summarised.
    """
    StatCounter.objects.all().delete()
    SearchCell.objects.all().delete()
    SearchPoint.objects.all().delete()
    totals = index.Totals()
    names = list(derived_columns(Summary()))
    count = 0
    ids = list(Location.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        low, high = ids[start], ids[min(start + batch_size, len(ids)) - 1]
        locations = list(Location.objects.filter(pk__gte=low, pk__lte=high).select_related("party"))
        evses: dict[int, dict[int, tuple[str, list[PlugSpec]]]] = {loc.pk: {} for loc in locations}
        evse_kw: dict[int, float] = {}
        for pk, loc_pk, status, kw in (
            EVSE.objects.filter(location_id__gte=low, location_id__lte=high)
            .order_by("pk")
            .values_list("pk", "location_id", "status", "max_power_kw")
        ):
            evses[loc_pk][pk] = (status, [])
            evse_kw[pk] = kw
        owner = {pk: loc for loc, by_pk in evses.items() for pk in by_pk}
        for evse_pk, standard, power_type, voltage, amperage, power in Connector.objects.filter(
            evse__location_id__gte=low, evse__location_id__lte=high
        ).values_list(
            "evse_id", "standard", "power_type", "max_voltage", "max_amperage", "max_electric_power"
        ):
            plug = PlugSpec(standard, power_type, voltage, amperage, power)
            evses[owner[evse_pk]][evse_pk][1].append(plug)
        # Changed rows are written grouped by their new values (a handful of distinct values
        # per batch), one UPDATE ... WHERE pk IN per group: bulk_update's CASE per row is
        # quadratic in the batch and took minutes at 25,000 locations.
        location_groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
        evse_groups: dict[float, list[int]] = defaultdict(list)
        points: list[index.PointRow] = []
        for location in locations:
            by_pk = evses[location.pk]
            summary = summarise(
                publish=location.publish,
                region=location.region,
                party_key=location.party.key,
                evses=[by_pk[pk] for pk in sorted(by_pk)],
                position=(location.lat, location.lon),
            )
            for pk, kw in zip(sorted(by_pk), summary.evse_max_kw, strict=True):
                if evse_kw[pk] != kw:
                    evse_groups[kw].append(pk)
            columns = derived_columns(summary)
            if any(getattr(location, n) != v for n, v in columns.items()):
                location_groups[tuple(columns[n] for n in names)].append(location.pk)
            points.extend(index.search_point_rows(location, summary))
            totals.add([(location.country_code, summary)])
            count += 1
        for kw, pks in evse_groups.items():
            for at in range(0, len(pks), 500):
                EVSE.objects.filter(pk__in=pks[at : at + 500]).update(max_power_kw=kw)
        for values, pks in location_groups.items():
            for at in range(0, len(pks), 500):
                Location.objects.filter(pk__in=pks[at : at + 500]).update(
                    **dict(zip(names, values, strict=True))
                )
        bulk.insert_rows(SearchPoint, columns=index.POINT_COLUMNS, rows=points)
    totals.apply()
    return count


# --- Parties -----------------------------------------------------------------------------------


def get_or_create_party(
    *,
    country_code: str,
    party_id: str,
    name: str = "",
    source: str = Source.ADMIN,
    organisation: Organisation | None = None,
) -> Party:
    """The party with this key, created on first sight; keys are stored upper-case (CiString).

    With `organisation`, the caller claims the key for that organisation: a party created by
    this call is linked to it; an existing party must already be that organisation's, else
    PermissionDenied. Nobody takes over a key someone else registered (an OCPI peer, another
    operator); the secretariat links existing parties in the admin.
    """
    cc, pid = country_code.upper(), party_id.upper()
    party, created = Party.objects.get_or_create(
        country_code=cc,
        party_id=pid,
        defaults={"name": name or f"{cc}*{pid}", "source": source, "organisation": organisation},
    )
    if organisation is not None and not created and party.organisation_id != organisation.pk:
        raise PermissionDenied(
            gettext("party %(party)s is registered to another organisation; ask the secretariat")
            % {"party": party.key},
            field="party_id",
        )
    return party


# A party key as parse_party_key reads it (also the pattern /api/v1's document gives it).
PARTY_KEY_PATTERN = r"^([A-Za-z]{2})[*-]?([A-Za-z0-9]{3})$"
_PARTY_KEY = re.compile(PARTY_KEY_PATTERN)


def parse_party_key(key: str, *, field: str = "party") -> tuple[str, str]:
    """(country_code, party_id) of `KG*KUB`, `KG-KUB` or `KGKUB`, upper-case (OCPI CiString)."""
    match = _PARTY_KEY.match(key.strip())
    if match is None:
        raise InvalidInput(
            gettext("%(key)r is not a party key like KG*KUB") % {"key": key}, field=field
        )
    return match[1].upper(), match[2].upper()


def get_party(*, key: str) -> Party:
    """The registered party for a key such as `KG*KUB`; NotFound when there is none."""
    country_code, party_id = parse_party_key(key)
    party = Party.objects.filter(country_code=country_code, party_id=party_id).first()
    if party is None:
        raise NotFound(
            gettext("party %(country_code)s*%(party_id)s is not registered")
            % {"country_code": country_code, "party_id": party_id},
            field="party",
        )
    return party


def assert_can_write(*, user: account_services.AnyUser, party: Party) -> None:
    """The secretariat writes any party's locations; an operator only its organisation's."""
    if account_services.has_role(user, Role.SECRETARIAT):
        return
    if account_services.has_role(user, Role.OPERATOR):
        organisation = account_services.organisation_of(user)
        if organisation is not None and party.organisation_id == organisation.pk:
            return
        raise PermissionDenied(
            gettext("your organisation does not operate party %(party)s") % {"party": party.key}
        )
    raise PermissionDenied(gettext("writing locations needs the secretariat or operator role"))


# --- Finding what a write changes --------------------------------------------------------------


def find_location(*, party: Party | int, location_id: str, lock: bool = False) -> Location | None:
    """The party's location with this OCPI id (CiString), optionally locked FOR UPDATE."""
    rows = Location.objects.select_related("party").filter(party=party)
    if lock:
        rows = rows.select_for_update(of=("self",))
    return (
        rows.filter(ocpi_id=location_id).first() or rows.filter(ocpi_id__iexact=location_id).first()
    )


def find_evse(*, location: Location, uid: str, lock: bool = False) -> EVSE | None:
    """The location's EVSE with this uid (CiString), optionally locked FOR UPDATE."""
    rows = EVSE.objects.filter(location=location)
    if lock:
        rows = rows.select_for_update()
    return rows.filter(uid=uid).first() or rows.filter(uid__iexact=uid).first()


def find_connector(*, evse: EVSE, connector_id: str, lock: bool = False) -> Connector | None:
    """The EVSE's connector with this id (CiString), optionally locked FOR UPDATE."""
    rows = Connector.objects.filter(evse=evse)
    if lock:
        rows = rows.select_for_update()
    return (
        rows.filter(ocpi_id=connector_id).first()
        or rows.filter(ocpi_id__iexact=connector_id).first()
    )


def effective_last_updated(location: Location) -> datetime:
    """OCPI's Location.last_updated: the newest of the location's own and its EVSEs'."""
    newest = location.evses.aggregate(newest=Max("last_updated"))["newest"]
    return max(location.last_updated, newest) if newest else location.last_updated


# --- Status history ----------------------------------------------------------------------------


def _append_events(rows: Iterable[tuple[int, str, datetime]], *, source: str) -> None:
    """One EVSEStatusEvent per (EVSE pk, status, reported at) row, received now."""
    now = timezone.now()
    bulk.insert_rows(
        EVSEStatusEvent,
        columns=("evse", "status", "reported_at", "received_at", "source"),
        rows=((pk, status, at, now, source) for pk, status, at in rows),
    )


# --- Connectors and EVSEs ----------------------------------------------------------------------


def _write_connectors(evse: EVSE, connectors: Sequence[ocpi.Connector]) -> None:
    """Make the EVSE's connectors exactly these: upsert by id (CiString), delete the rest."""
    current = {c.ocpi_id.upper(): c for c in evse.connectors.all()}
    keep: set[int] = set()
    for obj in connectors:
        connector = current.get(obj.id.upper())
        keep.add(_write_connector(evse, connector, obj).pk)
    evse.connectors.exclude(pk__in=keep).delete()


def _write_connector(evse: EVSE, connector: Connector | None, obj: ocpi.Connector) -> Connector:
    """Create or replace one connector row; an existing one keeps its stored id's casing."""
    fields = wire.connector_fields(obj)
    if connector is None:
        return Connector.objects.create(evse=evse, **fields)
    fields["ocpi_id"] = connector.ocpi_id
    for name, value in fields.items():
        setattr(connector, name, value)
    connector.save()
    return connector


def _write_evse(
    *, location: Location, evse: EVSE | None, obj: ocpi.EVSE, road: Road, received_at: datetime
) -> tuple[EVSE, str | None]:
    """Create or replace one EVSE and its connectors; returns it and its status before.

    Raises OutOfOrder for an object older than the stored EVSE (ordered roads).
    """
    fields = wire.evse_fields(obj)
    fields["status_updated_at"] = received_at  # a pushed status is a live report
    if evse is None:
        evse = EVSE.objects.create(location=location, **fields)
        old_status = None
    else:
        _check_order(
            road=road, stored=evse.last_updated, pushed=obj.last_updated, what=f"EVSE {evse.uid}"
        )
        old_status = evse.status
        fields["uid"] = evse.uid
        for name, value in fields.items():
            setattr(evse, name, value)
        evse.save()
    _write_connectors(evse, obj.connectors)
    return evse, old_status


def _stamp(obj: ocpi.Location, road: Road) -> ocpi.Location:
    if not road.stamped:
        return obj
    now = timezone.now()
    evses = [
        e.model_copy(
            update={
                "last_updated": now,
                "connectors": [c.model_copy(update={"last_updated": now}) for c in e.connectors],
            }
        )
        for e in obj.evses or []
    ]
    return obj.model_copy(update={"last_updated": now, "evses": evses})


# --- Locations ---------------------------------------------------------------------------------


def _check_party(party: Party, obj: ocpi.Location) -> None:
    if (obj.country_code.upper(), obj.party_id.upper()) != (party.country_code, party.party_id):
        raise InvalidInput(
            gettext("location %(id)s belongs to %(country_code)s*%(party_id)s, not %(party)s")
            % {
                "id": obj.id,
                "country_code": obj.country_code,
                "party_id": obj.party_id,
                "party": party.key,
            },
            field="party_id",
        )


def _region(obj: ocpi.Location, region: str) -> str:
    """The region a location is counted in: the one the caller gives, else its OCPI state."""
    return region or obj.state or ""


def _location_fields(obj: ocpi.Location, *, source: str, region: str) -> dict[str, object]:
    fields = wire.location_fields(obj)
    fields["country_code"] = to_alpha2(obj.country, field="country")
    fields["region"] = _region(obj, region)
    fields["source"] = source
    return fields


def save_location(
    *, party: Party, data: ocpi.Location, source: str, region: str = ""
) -> tuple[Location, bool]:
    """Create or wholly replace the party's location `data.id`; returns it and whether it is new.

    EVSEs are upserted by uid with their connectors; EVSEs left out become REMOVED (OCPI never
    deletes an EVSE, so its status history stays attached). A location held under another
    casing of the same id (CiString) is updated, not duplicated. The party and location rows
    are locked so that two writers of the same location serialise, even its first two, and the
    counters move by exactly one change each. Raises OutOfOrder (ordered roads), InvalidInput.
    """
    road = road_of(source)
    _check_party(party, data)
    data = _stamp(data, road)
    fields = _location_fields(data, source=source, region=region)
    # Lock the party first: when the location is new there is no row to lock yet, and two
    # first writes of the same id would both insert (the second failing on the unique key).
    Party.objects.select_for_update().filter(pk=party.pk).first()
    location = find_location(party=party, location_id=data.id, lock=True)
    before = None
    created = location is None
    if location is None:
        location = Location.objects.create(party=party, **fields)
    else:
        _check_order(
            road=road,
            stored=effective_last_updated(location),
            pushed=data.last_updated,
            what="location",
        )
        fields["ocpi_id"] = location.ocpi_id
        before = summary_of(location)
        if location.country_code != fields["country_code"]:
            index.withdraw(country_code=location.country_code, summary=before)
            before = None
        for name, value in fields.items():
            setattr(location, name, value)
        location.save()
    _write_location_evses(location, data, road=road, source=source)
    refresh_location(location=location, before=before)
    return location, created


def _write_location_evses(
    location: Location, data: ocpi.Location, *, road: Road, source: str
) -> None:
    """The EVSE half of save_location. EVSEs in a whole-location write are not ordered one by
    one: the location's last_updated, already checked, speaks for the object as a whole."""
    existing = {e.uid.upper(): e for e in location.evses.all()}
    now = timezone.now()
    whole = Road(ordered=False, stamped=road.stamped)
    changed: list[tuple[int, str, datetime]] = []
    seen: set[int] = set()
    for obj in data.evses or []:
        evse, old_status = _write_evse(
            location=location,
            evse=existing.get(obj.uid.upper()),
            obj=obj,
            road=whole,
            received_at=now,
        )
        seen.add(evse.pk)
        if old_status != evse.status:
            changed.append((evse.pk, evse.status, obj.last_updated))
    gone = [e for e in existing.values() if e.pk not in seen and e.status != Status.REMOVED]
    if gone:
        EVSE.objects.filter(pk__in=[e.pk for e in gone]).update(
            status=Status.REMOVED, status_updated_at=now
        )
        changed.extend((e.pk, Status.REMOVED.value, data.last_updated) for e in gone)
    _append_events(changed, source=source)


def put_evse(*, location: Location, data: ocpi.EVSE, source: str) -> tuple[EVSE, bool]:
    """Create or replace one EVSE with its connectors (OCPI PUT …/{location}/{evse_uid}).

    The caller holds the location lock (find_location(lock=True)). Moves the location's own
    last_updated forward. Raises OutOfOrder.
    """
    road = road_of(source)
    before = summary_of(location)
    evse, old_status = _write_evse(
        location=location,
        evse=find_evse(location=location, uid=data.uid, lock=True),
        obj=data,
        road=road,
        received_at=timezone.now(),
    )
    if old_status != evse.status:
        _append_events([(evse.pk, evse.status, data.last_updated)], source=source)
    _touch_location(location, data.last_updated)
    refresh_location(location=location, before=before)
    return evse, old_status is None


def put_connector(
    *, location: Location, evse: EVSE, data: ocpi.Connector, source: str
) -> tuple[Connector, bool]:
    """Create or replace one connector (OCPI PUT …/{evse_uid}/{connector_id}).

    The caller holds the location lock. Moves the EVSE's and location's last_updated forward.
    Raises OutOfOrder.
    """
    road = road_of(source)
    before = summary_of(location)
    connector = find_connector(evse=evse, connector_id=data.id, lock=True)
    created = connector is None
    if connector is not None:
        _check_order(
            road=road,
            stored=connector.last_updated,
            pushed=data.last_updated,
            what=f"connector {data.id}",
        )
    connector = _write_connector(evse, connector, data)
    if data.last_updated > evse.last_updated:
        EVSE.objects.filter(pk=evse.pk).update(last_updated=data.last_updated)
        evse.last_updated = data.last_updated
    _touch_location(location, data.last_updated)
    refresh_location(location=location, before=before)
    return connector, created


def _touch_location(location: Location, at: datetime) -> None:
    if at > location.last_updated:
        Location.objects.filter(pk=location.pk).update(last_updated=at)
        location.last_updated = at


# --- Status reports: the lean path -------------------------------------------------------------

_STATUSES = frozenset(Status)
# Statuses whose EVSE is not in service: a change into or out of one changes the location's
# derived values (registry.derived.summarise), so it never takes the lean path.
OUT_OF_SERVICE = frozenset({Status.PLANNED, Status.REMOVED})

# A status report may be at most this far ahead of Kubat's clock. The sender list finds
# locations whose EVSE status changed since date_from through the status history's time index,
# which is sound only if an event is received no earlier than MAX_CLOCK_AHEAD before the time
# it reports (selectors in kubat.ocpi).
MAX_CLOCK_AHEAD = timedelta(hours=1)

# One statement, one round trip: lock and update the EVSE if the report is newer and neither
# its stored nor its new status is PLANNED or REMOVED (OUT_OF_SERVICE), and append the event.
# Zero rows back means "take the slow path", which tells unknown from out of order and handles
# those transitions with a full refresh of derived values. The location row is read, not locked
# or written (see the module docstring).
_FAST_STATUS_SQL_TEMPLATE = """
WITH upd AS (
    UPDATE registry_evse
    SET status = %(status)s, last_updated = %(at)s, status_updated_at = %(now)s
    WHERE location_id = (
            SELECT id FROM registry_location
            WHERE party_id = ({party}) AND ocpi_id = %(location)s
        )
      AND uid = %(uid)s AND status NOT IN ('REMOVED', 'PLANNED') AND last_updated <= %(at)s
    RETURNING id
), ev AS (
    INSERT INTO registry_evsestatusevent (evse_id, status, reported_at, received_at, source)
    SELECT id, %(status)s, %(at)s, %(now)s, %(source)s FROM upd
)
SELECT id FROM upd
"""
_FAST_STATUS_SQL = _FAST_STATUS_SQL_TEMPLATE.format(party="%(party)s")


@dataclass(frozen=True, slots=True)
class PartyGuard:
    """Who may write, as SQL: a read-only scalar subquery giving the writing party's pk, or no
    row. A road above the registry that authorises from the database (the OCPI token) hands
    its check to the lean status statement, so that check and write are one round trip; the
    registry knows nothing of the tables it reads. Its named parameters start with `g_`."""

    sql: str
    params: dict[str, object]


@functools.lru_cache(maxsize=8)
def _guarded_status_sql(guard_sql: str) -> str:
    return _FAST_STATUS_SQL_TEMPLATE.format(party=guard_sql)


def _fast_status(sql: str, params: dict[str, object]) -> bool:
    """Run a lean status statement as a prepared statement (core.prepared); True when it
    applied.

    Unprepared, PostgreSQL would plan the five-part statement on every request (EXPLAIN: about
    0.9 ms of planning, more than it takes to run); prepared it is planned once per connection.
    On the bench that moved accepted PATCHes from about 970/s to 1,120/s
    (bench/ocpi_ingest.py, 20,000 EVSEs).
    """
    return bool(prepared.fetch(sql, params))


def _lean_params(
    *, location_id: str, evse_uid: str, status: str, at: datetime, now: datetime, source: str
) -> dict[str, object]:
    return {
        "location": location_id,
        "uid": evse_uid,
        "status": status,
        "at": at,
        "now": now,
        "source": source,
    }


def _takes_lean_path(road: Road, status: str) -> bool:
    return road.ordered and status not in OUT_OF_SERVICE and connection.vendor == "postgresql"


def record_evse_status_if_allowed(
    *, guard: PartyGuard, location_id: str, evse_uid: str, status: str, at: datetime, source: str
) -> bool:
    """The lean status report with the writer's authorisation in the same statement: True
    when the report was written (and its event appended).

    False means nothing was written: the caller then takes its regular road (authenticate,
    then record_evse_status), which names the reason: no such writer, an unknown location or
    EVSE, an id in another case, an older report, a transition to or from PLANNED or REMOVED,
    bad input. Always False where there is no lean path (SQLite).
    """
    road = road_of(source)
    now = timezone.now()
    if status not in _STATUSES or not _takes_lean_path(road, status):
        return False
    if at > now + MAX_CLOCK_AHEAD:
        return False
    params = _lean_params(
        location_id=location_id, evse_uid=evse_uid, status=status, at=at, now=now, source=source
    )
    return _fast_status(_guarded_status_sql(guard.sql), {**guard.params, **params})


def record_evse_status(
    *, party: Party | int, location_id: str, evse_uid: str, status: str, at: datetime, source: str
) -> None:
    """Set an EVSE's live status as of `at` (the report's last_updated) and append the event.

    Every accepted report appends one, a repeated status too: it is evidence that the EVSE
    was reporting, which the freshness and reliability rules need.

    The hot path of OCPI ingest: on PostgreSQL one statement (see _FAST_STATUS_SQL), atomic on
    its own, so outside a transaction it costs one round trip and no BEGIN/COMMIT. A change to
    or from PLANNED or REMOVED changes what the location counts as (in service, pipeline,
    gone), so it takes the slow path, which refreshes
    derived values and counters in a transaction (joining the caller's, if any). Raises
    NotFound (unknown location or EVSE), OutOfOrder, and InvalidInput for a status OCPI does
    not define or a report more than MAX_CLOCK_AHEAD in the future.
    """
    road = road_of(source)
    if status not in _STATUSES:
        raise InvalidInput(
            gettext("status %(status)r is not an OCPI EVSE status") % {"status": status},
            field="status",
        )
    party_pk = party if isinstance(party, int) else party.pk
    now = timezone.now()
    if at > now + MAX_CLOCK_AHEAD:
        raise InvalidInput(
            gettext("last_updated %(at)s is in the future (Kubat's clock: %(now)s)")
            % {"at": at.isoformat(), "now": now.isoformat()},
            field="last_updated",
        )
    if _takes_lean_path(road, status):
        params = _lean_params(
            location_id=location_id, evse_uid=evse_uid, status=status, at=at, now=now, source=source
        )
        if _fast_status(_FAST_STATUS_SQL, {"party": party_pk, **params}):
            return
    with transaction.atomic():
        _record_status_slow(
            party_pk=party_pk,
            location_id=location_id,
            evse_uid=evse_uid,
            status=status,
            at=at,
            road=road,
            source=source,
        )


def _record_status_slow(
    *,
    party_pk: int,
    location_id: str,
    evse_uid: str,
    status: str,
    at: datetime,
    road: Road,
    source: str,
) -> None:
    location = find_location(party=party_pk, location_id=location_id, lock=True)
    if location is None:
        raise NotFound(
            gettext("unknown location %(location_id)s") % {"location_id": location_id},
            field="location_id",
        )
    evse = find_evse(location=location, uid=evse_uid, lock=True)
    if evse is None:
        raise NotFound(
            gettext("unknown EVSE %(evse_uid)s at location %(location_id)s")
            % {"evse_uid": evse_uid, "location_id": location_id},
            field="evse_uid",
        )
    _check_order(road=road, stored=evse.last_updated, pushed=at, what=f"EVSE {evse.uid}")
    # Into or out of PLANNED or REMOVED changes what the location counts as (in service,
    # pipeline, gone): its derived values, counters and publicity are refreshed.
    crosses = evse.status != status and bool({evse.status, status} & OUT_OF_SERVICE)
    before = summary_of(location) if crosses else None
    EVSE.objects.filter(pk=evse.pk).update(
        status=status, last_updated=max(at, evse.last_updated), status_updated_at=timezone.now()
    )
    _append_events([(evse.pk, status, at)], source=source)
    if crosses:
        refresh_location(location=location, before=before)


# --- Bulk: imports of new locations, the demo, the benchmarks' loader --------------------------


def bulk_create_locations(
    *, items: Sequence[tuple[Party, ocpi.Location, str]], source: str, batch_size: int = 5000
) -> list[Location]:
    """Insert many new locations at once: the path for imports, the demo and the benches.

    Same rules as save_location, set-based: the derived values are `summarise`'s, each EVSE's
    first status goes into the history, and the counters and grid cells move by the locations'
    summed contributions. Each batch's objects are staged, as their JSON, in temporary tables
    (PostgreSQL: one COPY; SQLite: one executemany) and every derivation and table is one
    INSERT ... SELECT (`registry.bulk_sql`, checked equal to `summarise` and to the wire
    mapping by tests/registry/test_bulk_load.py). Keys come from each table's own counter
    (core.bulk.allocate_ids, PostgreSQL's sequences), nothing is read back. All of it in one
    transaction (a savepoint inside the caller's): a failing row leaves nothing. The caller
    guarantees the ids are new (a clash raises IntegrityError). Returns the new locations,
    with only their key, party and id loaded (the other columns load on access).
    """
    road_of(source)
    created: list[Location] = []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    evse_sequence = _sequence(EVSE) if connection.vendor == "postgresql" else ""
    with transaction.atomic():
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            created.extend(_bulk_write(chunk, source=source, now=now, evse_sequence=evse_sequence))
    return created


# The columns of the Location instances the bulk loader returns (the rest load on access).
_RETURNED = ("id", "party_id", "ocpi_id")


def _returned(pk: int, party: Party, obj: ocpi.Location) -> Location:
    return Location.from_db(connection.alias, _RETURNED, (pk, party.pk, obj.id))


def _sequence(model: type[EVSE]) -> str:
    """The name of the sequence behind a table's key (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        (name,) = cursor.fetchone()
    return str(name)


def _bulk_write(
    chunk: Sequence[tuple[Party, ocpi.Location, str]],
    *,
    source: str,
    now: object,
    evse_sequence: str,
) -> list[Location]:
    """One batch of bulk_create_locations: Python checks the party and decides the region,
    the country code and the coordinates (what save_location decides in Python), pydantic
    dumps each object's JSON (its own serializer, in Rust), one COPY or executemany stages
    them, and registry.bulk_sql's statements derive and write every table."""
    keys = bulk.allocate_ids(Location, len(chunk))
    evse_base = 0
    if not evse_sequence:  # SQLite: contiguous keys, taken under the write lock
        evse_keys = bulk.allocate_ids(EVSE, sum(len(obj.evses or []) for _, obj, _ in chunk))
        evse_base = evse_keys[0] if evse_keys else 0
    alpha2: dict[str, str] = {}
    rows = []
    created = []
    for (party, obj, region), pk in zip(chunk, keys, strict=True):
        _check_party(party, obj)
        country = obj.country
        code = alpha2.get(country)
        if code is None:
            code = alpha2[country] = to_alpha2(country, field="country")
        lat, lon = float(obj.coordinates.latitude), float(obj.coordinates.longitude)
        dump = obj.model_dump_json(exclude_none=True)
        region = _region(obj, region)
        rows.append((pk, party.pk, party.key, region, code, country.upper(), lat, lon, dump))
        created.append(_returned(pk, party, obj))
    dialect = bulk_sql.Dialect(connection.vendor)
    params = bulk_sql.params(
        source=source, now=now, evse_sequence=evse_sequence, evse_base=evse_base
    )
    with connection.cursor() as cursor:
        for sql in dialect.staging():
            cursor.execute(sql)
        bulk.stage_rows("kubat_bulk_in", columns=bulk_sql.IN_COLUMNS, rows=rows)
        for sql in bulk_sql.statements(connection.vendor):
            cursor.execute(sql, params)
        for sql in dialect.empty():
            cursor.execute(sql)
    return created


def replay_status_reports(*, reports: Sequence[tuple[int, str, datetime]], source: str) -> int:
    """Append a generated history of status reports (EVSE pk, status, at) and leave each EVSE
    at its newest report: the demo's day of traffic, kept consistent with the EVSE rows.

    Each report appends one event, as a status report on the lean path does. REMOVED is
    refused (it would change the public dataset without a refresh). Returns events appended.
    """
    road_of(source)
    if any(status in OUT_OF_SERVICE for _, status, _ in reports):
        raise InvalidInput(
            gettext("a replayed report cannot plan or remove an EVSE (it would need a refresh)"),
            field="status",
        )
    ordered = sorted(reports, key=lambda r: (r[2], r[0]))
    _append_events(ordered, source=source)
    newest = {pk: (status, at) for pk, status, at in ordered}
    now = timezone.now()
    for pk, (status, at) in newest.items():
        rows = EVSE.objects.filter(pk=pk, last_updated__lte=at)
        rows.exclude(status__in=OUT_OF_SERVICE).update(
            status=status, last_updated=at, status_updated_at=now
        )
    return len(ordered)


# --- The admin: a person's edit of single rows -------------------------------------------------


def save_edited_location(*, location: Location) -> None:
    """Save the admin's edit of a location's own columns (its EVSEs are saved after it).

    The edit is stamped with the time it was made (the admin road) so mirrors see it; a new
    location made in the admin has the source `admin`, an edited one keeps its provenance.
    """
    location.last_updated = timezone.now()
    location.lat, location.lon = float(location.latitude), float(location.longitude)
    if location.pk is None:
        location.source = Source.ADMIN
        location.save()
        refresh_location(location=location, before=None)
        return
    stored = Location.objects.select_related("party").select_for_update(of=("self",))
    old = stored.get(pk=location.pk)
    before: Summary | None = summary_of(old)
    if old.country_code != location.country_code and before is not None:
        index.withdraw(country_code=old.country_code, summary=before)
        before = None
    location.save()
    refresh_location(location=location, before=before)


def save_edited_evse(*, evse: EVSE) -> None:
    """Save the admin's edit of one EVSE row: stamped, its status change in the history."""
    location = (
        Location.objects.select_related("party")
        .select_for_update(of=("self",))
        .get(pk=evse.location_id)
    )
    now = timezone.now()
    old = EVSE.objects.filter(pk=evse.pk).values_list("status", flat=True).first()
    before = summary_of(location)
    evse.last_updated = now
    if old != evse.status:
        evse.status_updated_at = now
    evse.save()
    if old != evse.status:
        _append_events([(evse.pk, evse.status, now)], source=Source.ADMIN)
    _touch_location(location, now)
    refresh_location(location=location, before=before)


def save_edited_connector(*, connector: Connector, delete: bool = False) -> None:
    """Save (or delete) the admin's edit of one connector row, stamped, derived values kept."""
    location = (
        Location.objects.select_related("party")
        .select_for_update(of=("self",))
        .get(evses__pk=connector.evse_id)
    )
    before = summary_of(location)
    now = timezone.now()
    if delete:
        connector.delete()
    else:
        connector.last_updated = now
        connector.save()
    EVSE.objects.filter(pk=connector.evse_id).update(last_updated=now)
    _touch_location(location, now)
    refresh_location(location=location, before=before)


def retire_locations(*, party: Party, keep: Iterable[str], source: str) -> list[str]:
    """Retire the party's locations from `source` whose ids are not in `keep`; their ids.

    A full mirror of a peer (`kubat ocpi pull`) that no longer receives a location learns that
    the station is gone. OCPI never deletes a Location, so it is retired as
    registry.publicity defines it: every EVSE REMOVED (with its status event), the row and
    its history kept, out of the public dataset, still sent by Kubat's OCPI sender so that
    Kubat's own mirrors learn of it too. Only locations that came by `source` are judged: a
    station entered by the admin or a permit is not the peer's to withdraw. Ids compare as
    CiStrings. Locks the party, then each location, as save_location does.
    """
    kept = {item.upper() for item in keep}
    Party.objects.select_for_update().filter(pk=party.pk).first()
    candidates = Location.objects.filter(party=party, source=source, publish=True).exclude(
        evse_count=0, charging_class=""
    )
    retired: list[str] = []
    now = timezone.now()
    for location in candidates.select_for_update().order_by("pk"):
        if location.ocpi_id.upper() in kept:
            continue
        before = summary_of(location)
        gone = list(location.evses.exclude(status=Status.REMOVED).values_list("pk", flat=True))
        EVSE.objects.filter(pk__in=gone).update(
            status=Status.REMOVED, status_updated_at=now, last_updated=now
        )
        _append_events(((pk, Status.REMOVED.value, now) for pk in gone), source=source)
        _touch_location(location, now)
        refresh_location(location=location, before=before)
        retired.append(location.ocpi_id)
    return retired


def delete_location(*, location: Location) -> None:
    """Remove a location for good (a data error, not a closed station: use REMOVED for that)."""
    index.withdraw(country_code=location.country_code, summary=summary_of(location))
    location.delete()


def transfer_location(*, location: Location, to_party: Party) -> Location:
    """Move a location to another operator's party: a permitted station changed hands.

    The row, its EVSEs and their status history stay (the station is the same); the operator
    part of each eMI3 EVSE ID (`KZ*OLD*E…` → `KZ*NEW*E…`) and an operator name published in
    `operator` follow the new party; the per-operator counters move by the difference.
    Both parties and the location are locked, as in save_location; the change is stamped with
    its time so that mirrors paging by date_from see it. InvalidInput when the new party is in
    another country; Conflict when it already has a location with the same id.
    """
    old = location.party
    if to_party.country_code != old.country_code:
        raise InvalidInput(
            gettext(
                "party %(to_party)s is not in %(country_code)s; a station does not move country"
            )
            % {"to_party": to_party.key, "country_code": old.country_code},
            field="party",
        )
    list(Party.objects.select_for_update().filter(pk__in=[old.pk, to_party.pk]).order_by("pk"))
    location = Location.objects.select_for_update().select_related("party").get(pk=location.pk)
    if to_party.pk == location.party_id:
        return location
    if Location.objects.filter(party=to_party, ocpi_id=location.ocpi_id).exists():
        raise Conflict(
            gettext("party %(to_party)s already has a location %(ocpi_id)s")
            % {"to_party": to_party.key, "ocpi_id": location.ocpi_id},
            field="party",
        )
    before = summary_of(location)
    old_prefix = f"{old.country_code}*{old.party_id}*"
    new_prefix = f"{to_party.country_code}*{to_party.party_id}*"
    location.party = to_party
    location.last_updated = timezone.now()
    if location.operator:
        location.operator = {**location.operator, "name": to_party.name}
    location.save(update_fields=["party", "operator", "last_updated"])
    for evse in location.evses.filter(evse_id__startswith=old_prefix):
        evse.evse_id = new_prefix + (evse.evse_id or "")[len(old_prefix) :]
        evse.save(update_fields=["evse_id"])
    refresh_location(location=location, before=before)
    return location
