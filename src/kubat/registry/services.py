"""Registry writes: parties, locations with their EVSEs and connectors, and what derives from them.

Every write goes through here so that the derived columns (maximum power, charging class), the
search index (SearchPoint) and the national counters (StatCounter) never drift from the rows
they summarise. Services run inside the caller's transaction (a request, a command, an import)
and never commit on their own, so a batch is all-or-nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.core.countries import to_alpha2
from kubat.core.errors import InvalidInput, NotFound, PermissionDenied
from kubat.ocpi.v2_2_1 import locations as ocpi
from kubat.ocpi.v2_2_1 import mapping
from kubat.registry.derived import charging_class, connector_power_kw, highest_class
from kubat.registry.enums import ANY_STANDARD, STANDARD_CODES, PowerType, Source, Status
from kubat.registry.models import EVSE, Connector, Location, Party, SearchPoint, StatCounter

StatKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PlugSpec:
    """The part of a connector that derived values depend on."""

    standard: str
    power_type: str
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None

    @property
    def kw(self) -> float:
        return connector_power_kw(
            power_type=self.power_type,
            max_voltage=self.max_voltage,
            max_amperage=self.max_amperage,
            max_electric_power=self.max_electric_power,
        )


@dataclass(slots=True)
class Summary:
    """Derived values of one location: its columns, search rows and counter contribution."""

    max_power_kw: float = 0.0
    charging_class: str = ""
    evse_count: int = 0
    evse_max_kw: list[float] = field(default_factory=list)
    points: dict[int, float] = field(default_factory=dict)  # standard code → max kW
    contribution: Counter[StatKey] = field(default_factory=Counter)


def summarise(
    *, publish: bool, region: str, party_key: str, evses: Sequence[tuple[str, Sequence[PlugSpec]]]
) -> Summary:
    """Derive a location's values from its EVSEs, given as (status, connectors) pairs.

    REMOVED EVSEs have left the public dataset: they count for nothing. PLANNED EVSEs give the
    location its power, class and search rows (so the pipeline can be found and mapped) but are
    not yet in service: `evse_count` and the national counters hold EVSEs in service only, and
    a published location is a public charging station only once one EVSE is in service; until
    then it counts as a planned location. An unpublished location gets no search rows and no
    share of the national counters.
    """
    summary = Summary()
    classes = []
    in_service: Counter[StatKey] = Counter()
    for status, plugs in evses:
        kw = max((p.kw for p in plugs), default=0.0)
        summary.evse_max_kw.append(kw)
        if status == Status.REMOVED:
            continue
        evse_class = charging_class(
            max_kw=kw, has_dc=any(p.power_type == PowerType.DC for p in plugs)
        )
        classes.append(evse_class)
        summary.max_power_kw = max(summary.max_power_kw, kw)
        for plug in plugs:
            code = STANDARD_CODES[plug.standard]
            summary.points[code] = max(summary.points.get(code, 0.0), plug.kw)
        if status == Status.PLANNED:
            continue
        summary.evse_count += 1
        in_service[("evses_by_power_class", evse_class)] += 1
        for plug in plugs:
            in_service[("connectors_by_standard", plug.standard)] += 1
            in_service[("connectors", "")] += 1
    summary.charging_class = highest_class(classes)
    if not publish:
        summary.points = {}
        return summary
    if classes:
        summary.points[ANY_STANDARD] = summary.max_power_kw
    if summary.evse_count:
        summary.contribution = in_service
        summary.contribution[("locations", "")] += 1
        summary.contribution[("evses", "")] += summary.evse_count
        summary.contribution[("locations_by_region", region or "")] += 1
        summary.contribution[("locations_by_operator", party_key)] += 1
    elif classes:
        summary.contribution[("planned_locations", "")] += 1
    return summary


def _plugs_of(obj: ocpi.EVSE) -> list[PlugSpec]:
    return [
        PlugSpec(c.standard, c.power_type, c.max_voltage, c.max_amperage, c.max_electric_power)
        for c in obj.connectors
    ]


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
    )


def _negated(counter: Counter[StatKey]) -> Counter[StatKey]:
    """-counter, keeping the negative values (Counter's unary minus drops them)."""
    return Counter({key: -value for key, value in counter.items()})


def apply_stat_delta(*, country_code: str, delta: Counter[StatKey]) -> None:
    """Add `delta` to the national counters of one country.

    Keys are updated in sorted order so that concurrent writers lock counter rows in the same
    order and cannot deadlock; a missing row is created under a savepoint, and a concurrent
    creation of the same row falls back to the update.
    """
    for (dimension, key), value in sorted(delta.items()):
        if value == 0:
            continue
        rows = StatCounter.objects.filter(country_code=country_code, dimension=dimension, key=key)
        if rows.update(value=F("value") + value):
            continue
        try:
            with transaction.atomic():
                StatCounter.objects.create(
                    country_code=country_code, dimension=dimension, key=key, value=value
                )
        except IntegrityError:
            rows.update(value=F("value") + value)


def _store_summary(location: Location, summary: Summary) -> None:
    Location.objects.filter(pk=location.pk).update(
        max_power_kw=summary.max_power_kw,
        charging_class=summary.charging_class,
        evse_count=summary.evse_count,
    )
    location.max_power_kw = summary.max_power_kw
    location.charging_class = summary.charging_class
    location.evse_count = summary.evse_count
    SearchPoint.objects.filter(location=location).delete()
    SearchPoint.objects.bulk_create(
        SearchPoint(location=location, code=code, lat=location.lat, lon=location.lon, max_kw=kw)
        for code, kw in sorted(summary.points.items())
    )


def refresh_location(*, location: Location, before: Summary | None) -> Summary:
    """Recompute a location's derived values after a write, and move the counters by the change.

    `before` is the summary taken before the write (None for a new location).
    """
    after = summary_of(location)
    for evse_pk, kw in zip(
        location.evses.order_by("pk").values_list("pk", flat=True), after.evse_max_kw, strict=True
    ):
        EVSE.objects.filter(pk=evse_pk).exclude(max_power_kw=kw).update(max_power_kw=kw)
    _store_summary(location, after)
    delta = Counter(after.contribution)
    if before is not None:
        delta.subtract(before.contribution)
    apply_stat_delta(country_code=location.country_code, delta=delta)
    return after


def get_or_create_party(
    *,
    country_code: str,
    party_id: str,
    name: str = "",
    source: str = Source.MANUAL,
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
            f"party {party.key} is registered to another organisation; ask the secretariat",
            field="party_id",
        )
    return party


_PARTY_KEY = re.compile(r"^([A-Za-z]{2})[*-]?([A-Za-z0-9]{3})$")


def parse_party_key(key: str, *, field: str = "party") -> tuple[str, str]:
    """(country_code, party_id) of `KG*KUB`, `KG-KUB` or `KGKUB`, upper-case (OCPI CiString)."""
    match = _PARTY_KEY.match(key.strip())
    if match is None:
        raise InvalidInput(f"{key!r} is not a party key like KG*KUB", field=field)
    return match[1].upper(), match[2].upper()


def get_party(*, key: str) -> Party:
    """The registered party for a key such as `KG*KUB`; NotFound when there is none."""
    country_code, party_id = parse_party_key(key)
    party = Party.objects.filter(country_code=country_code, party_id=party_id).first()
    if party is None:
        raise NotFound(f"party {country_code}*{party_id} is not registered", field="party")
    return party


def assert_can_write(*, user: account_services.AnyUser, party: Party) -> None:
    """The secretariat writes any party's locations; an operator only its organisation's."""
    if account_services.has_role(user, Role.SECRETARIAT):
        return
    if account_services.has_role(user, Role.OPERATOR):
        organisation = account_services.organisation_of(user)
        if organisation is not None and party.organisation_id == organisation.pk:
            return
        raise PermissionDenied(f"your organisation does not operate party {party.key}")
    raise PermissionDenied("writing locations needs the secretariat or operator role")


def _check_party(party: Party, obj: ocpi.Location) -> None:
    if (obj.country_code.upper(), obj.party_id.upper()) != (party.country_code, party.party_id):
        raise InvalidInput(
            f"location {obj.id} belongs to {obj.country_code}*{obj.party_id}, not {party.key}",
            field="party_id",
        )


def _write_evses(location: Location, evses: Iterable[ocpi.EVSE]) -> None:
    """Upsert EVSEs by uid and replace their connectors; EVSEs left out become REMOVED.

    OCPI never deletes an EVSE (it is set to REMOVED), so its status history stays attached.
    """
    existing = {e.uid: e for e in location.evses.all()}
    seen: set[str] = set()
    for obj in evses:
        fields = mapping.evse_fields(obj)
        evse = existing.get(obj.uid)
        if evse is None:
            evse = EVSE.objects.create(location=location, **fields)
        else:
            for name, value in fields.items():
                setattr(evse, name, value)
            evse.save()
        seen.add(obj.uid)
        keep = {c.id for c in obj.connectors}
        evse.connectors.exclude(ocpi_id__in=keep).delete()
        current = {c.ocpi_id: c for c in evse.connectors.all()}
        for cobj in obj.connectors:
            cfields = mapping.connector_fields(cobj)
            connector = current.get(cobj.id)
            if connector is None:
                Connector.objects.create(evse=evse, **cfields)
            else:
                for name, value in cfields.items():
                    setattr(connector, name, value)
                connector.save()
    gone = [uid for uid in existing if uid not in seen]
    if gone:
        location.evses.filter(uid__in=gone).update(status=Status.REMOVED)


def save_location(
    *, party: Party, data: ocpi.Location, source: str, region: str = ""
) -> tuple[Location, bool]:
    """Create or wholly replace the party's location `data.id`; returns it and whether it is new.

    The party and location rows are locked (select_for_update) so that two writers of the same
    location serialise, even its first two, and the counters move by exactly one change each.
    """
    _check_party(party, data)
    fields = mapping.location_fields(data)
    fields["country_code"] = to_alpha2(data.country, field="country")
    fields["region"] = region or data.state or ""
    fields["source"] = source
    # Lock the party first: when the location is new there is no row to lock yet, and two
    # first writes of the same id would both insert (the second failing on the unique key).
    Party.objects.select_for_update().filter(pk=party.pk).first()
    location = Location.objects.select_for_update().filter(party=party, ocpi_id=data.id).first()
    before = None
    created = location is None
    if location is None:
        location = Location.objects.create(party=party, **fields)
    else:
        before = summary_of(location)
        if location.country_code != fields["country_code"]:
            apply_stat_delta(
                country_code=location.country_code, delta=_negated(before.contribution)
            )
            before = None
        for name, value in fields.items():
            setattr(location, name, value)
        location.save()
    _write_evses(location, data.evses or [])
    refresh_location(location=location, before=before)
    return location, created


def bulk_create_locations(
    *, items: Sequence[tuple[Party, ocpi.Location, str]], source: str, batch_size: int = 2000
) -> list[Location]:
    """Insert many new locations at once: the path for imports and the demo.

    Same rules as save_location, set-based: a handful of INSERTs per batch instead of a dozen
    queries per location. The caller guarantees the ids are new (a clash raises IntegrityError
    and the surrounding transaction rolls back).
    """
    created: list[Location] = []
    totals: dict[str, Counter[StatKey]] = {}
    for start in range(0, len(items), batch_size):
        chunk = items[start : start + batch_size]
        rows, summaries = [], []
        for party, obj, region in chunk:
            _check_party(party, obj)
            fields = mapping.location_fields(obj)
            fields["country_code"] = to_alpha2(obj.country, field="country")
            fields["region"] = region or obj.state or ""
            summary = summarise(
                publish=obj.publish,
                region=fields["region"],
                party_key=party.key,
                evses=[(e.status, _plugs_of(e)) for e in obj.evses or []],
            )
            rows.append(
                Location(
                    party=party,
                    source=source,
                    max_power_kw=summary.max_power_kw,
                    charging_class=summary.charging_class,
                    evse_count=summary.evse_count,
                    **fields,
                )
            )
            summaries.append(summary)
            totals.setdefault(fields["country_code"], Counter()).update(summary.contribution)
        Location.objects.bulk_create(rows)
        evse_rows, evse_objs = [], []
        for location, (_, obj, _), summary in zip(rows, chunk, summaries, strict=True):
            for evse_obj, kw in zip(obj.evses or [], summary.evse_max_kw, strict=True):
                evse_rows.append(
                    EVSE(location=location, max_power_kw=kw, **mapping.evse_fields(evse_obj))
                )
                evse_objs.append(evse_obj)
        EVSE.objects.bulk_create(evse_rows)
        Connector.objects.bulk_create(
            Connector(evse=evse, **mapping.connector_fields(c))
            for evse, evse_obj in zip(evse_rows, evse_objs, strict=True)
            for c in evse_obj.connectors
        )
        SearchPoint.objects.bulk_create(
            SearchPoint(location=loc, code=code, lat=loc.lat, lon=loc.lon, max_kw=kw)
            for loc, summary in zip(rows, summaries, strict=True)
            for code, kw in sorted(summary.points.items())
        )
        created.extend(rows)
    for country_code, delta in sorted(totals.items()):
        apply_stat_delta(country_code=country_code, delta=delta)
    return created


def rebuild_stats() -> int:
    """Recompute every counter from the rows (after a restore or a manual SQL fix).

    Returns the number of locations summarised. Counters are otherwise maintained by each write.
    """
    StatCounter.objects.all().delete()
    totals: dict[str, Counter[StatKey]] = {}
    count = 0
    for location in Location.objects.select_related("party").iterator(chunk_size=2000):
        summary = summary_of(location)
        totals.setdefault(location.country_code, Counter()).update(summary.contribution)
        count += 1
    for country_code, delta in sorted(totals.items()):
        apply_stat_delta(country_code=country_code, delta=delta)
    return count


def delete_location(*, location: Location) -> None:
    """Remove a location for good (a data error, not a closed station: use REMOVED for that)."""
    before = summary_of(location)
    apply_stat_delta(country_code=location.country_code, delta=_negated(before.contribution))
    location.delete()


# ---------------------------------------------------------------------------------------------
# Appended by the permits helper (issue 14, permit transfers). One function, nothing above it
# changed: fold it into the registry's one write path when merging.
# ---------------------------------------------------------------------------------------------


def transfer_location(*, location: Location, to_party: Party) -> Location:
    """Move a location to another operator's party: a permitted station changed hands.

    The row, its EVSEs and their status history stay (the station is the same); the operator
    part of each eMI3 EVSE ID (`KZ*OLD*E…` → `KZ*NEW*E…`) and an operator name published in
    `operator` follow the new party; the per-operator counters move by the difference.
    Both parties and the location are locked, as in save_location. InvalidInput when the new
    party is in another country; Conflict when it already has a location with the same id.
    """
    from kubat.core.errors import Conflict

    old = location.party
    if to_party.country_code != old.country_code:
        raise InvalidInput(
            f"party {to_party.key} is not in {old.country_code}; a station does not move country",
            field="party",
        )
    list(Party.objects.select_for_update().filter(pk__in=[old.pk, to_party.pk]).order_by("pk"))
    location = Location.objects.select_for_update().select_related("party").get(pk=location.pk)
    if to_party.pk == location.party_id:
        return location
    if Location.objects.filter(party=to_party, ocpi_id=location.ocpi_id).exists():
        raise Conflict(
            f"party {to_party.key} already has a location {location.ocpi_id}", field="party"
        )
    before = summary_of(location)
    old_prefix = f"{old.country_code}*{old.party_id}*"
    new_prefix = f"{to_party.country_code}*{to_party.party_id}*"
    location.party = to_party
    if location.operator:
        location.operator = {**location.operator, "name": to_party.name}
    location.save(update_fields=["party", "operator"])
    for evse in location.evses.filter(evse_id__startswith=old_prefix):
        evse.evse_id = new_prefix + (evse.evse_id or "")[len(old_prefix) :]
        evse.save(update_fields=["evse_id"])
    refresh_location(location=location, before=before)
    return location
