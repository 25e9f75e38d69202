"""Registry reads: search with filters and cursors, single locations, national statistics.

Which locations are public is `registry.publicity`. Searches page by cursor (keyset), never
by OFFSET, so a deep page costs what the first one does. A search's total is exact up to
EXACT_TOTAL_UP_TO and labelled above it ("about N" from the grid cells when the filters are
ones the cells count, "more than N" otherwise), so that a dense city costs what a page does
(docs/decisions/0006-box-search.md).
"""

from __future__ import annotations

import base64
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, Count, Exists, Field, OuterRef, Q, QuerySet, Sum, When
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext

from kubat.core.errors import InvalidInput, NotFound
from kubat.core.geo import KM_PER_DEGREE, BBox, box_around, lon_scale
from kubat.registry import compliance, pricing, publicity, services, spatial
from kubat.registry import tariffs as registry_tariffs
from kubat.registry.enums import ANY_STANDARD, STANDARD_CODES, Source, Status
from kubat.registry.models import EVSE, Connector, Location, Party, SearchPoint, StatCounter
from kubat.registry.publicity import Publicity

MAX_LIMIT = 1000
DEFAULT_NEAR_RADIUS_KM = 50.0
# A search counts its matches exactly up to this many; past it the total is labelled (see
# Total). Counting costs per row: 1,000 rows are about a millisecond on either engine.
EXACT_TOTAL_UP_TO = 1000


class TotalKind(StrEnum):
    """How far a search's total can be trusted."""

    EXACT = "exact"
    ABOUT = "about"  # estimated from the grid cells, rounded to two significant digits
    MORE_THAN = "more_than"  # the exact count passed EXACT_TOTAL_UP_TO; nothing more is known


@dataclass(frozen=True, slots=True)
class Total:
    value: int
    kind: TotalKind = TotalKind.EXACT


@dataclass(frozen=True, slots=True)
class LocationFilters:
    """What a caller may filter public locations by; values already validated for type."""

    country_code: str | None = None
    region: str | None = None
    city: str | None = None
    standards: tuple[str, ...] = ()
    min_kw: float | None = None
    statuses: tuple[str, ...] = ()
    operator: str | None = None
    bbox: BBox | None = None
    near: tuple[float, float] | None = None
    radius_km: float | None = None
    text: str | None = None
    # "price up to": (amount including VAT, ISO 4217 currency); see location_prices.
    max_price: tuple[float, str] | None = None

    @property
    def includes_pipeline(self) -> bool:
        """Asking for PLANNED EVSEs brings in locations not yet in service."""
        return Status.PLANNED in self.statuses


Item = TypeVar("Item")


@dataclass(slots=True)
class Page(Generic[Item]):
    """A page of a search: its items, the search's total (exact, or estimated above a bound:
    total_kind), the cursor of the next page, and each item's distance from the search's
    centre, by location id, when it had one."""

    items: list[Item]
    total: int
    next_cursor: str | None
    distances_km: dict[int, float] = field(default_factory=dict)
    total_kind: TotalKind = TotalKind.EXACT


@dataclass(frozen=True, slots=True)
class ListRow:
    """A search result as plain values, what the list form shows (presenters.row_summary):
    `values` holds the location's _ROW_COLUMNS, converted as the ORM converts them."""

    values: dict[str, Any]
    party_key: str
    party_name: str
    status_counts: dict[str, int]
    connector_standards: list[str]


# search_locations' page of loaded locations; search_location_rows' page of plain values.
LocationPage = Page[Location]
RowPage = Page[ListRow]


def location_count() -> int:
    return Location.objects.count()


def demo_evses_in_service() -> list[tuple[int, str]]:
    """(primary key, country code) of the demo EVSEs that are neither PLANNED nor REMOVED, in
    order of the key."""
    rows = EVSE.objects.filter(location__source=Source.DEMO).exclude(
        status__in=[Status.PLANNED, Status.REMOVED]
    )
    return list(rows.order_by("pk").values_list("pk", "location__country_code"))


def has_demo_data() -> bool:
    return Location.objects.filter(source=Source.DEMO).exists()


def _encode_cursor(payload: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


# Largest id PostgreSQL's bigint holds: an id beyond it names nothing, and must not reach SQL.
MAX_ID = 2**63 - 1
_CURSOR_SHAPES = {"i": (int,), "d": (float, int)}


def _decode_cursor(cursor: str, kind: str) -> list[object]:
    """The values after `kind` in a cursor this module encoded; anything else is InvalidInput
    naming `cursor`: the wrong kind or length, a value not a number, an id out of range, a
    distance that is negative or not finite."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, RecursionError):
        payload = None
    shapes = _CURSOR_SHAPES[kind]
    if (
        not isinstance(payload, list)
        or len(payload) != len(shapes) + 1
        or payload[0] != kind
        or not all(_cursor_value(v, number) for v, number in zip(payload[1:], shapes, strict=True))
    ):
        raise InvalidInput(gettext("not a cursor from this query's previous page"), field="cursor")
    return payload[1:]


def _cursor_value(value: object, shape: type) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if shape is int:
        return isinstance(value, int) and 0 <= value <= MAX_ID
    return math.isfinite(value) and 0 <= value <= 1e12


def _operator_party_ids(operator: str) -> list[int]:
    """Parties matching `KG*KUB`, `KGKUB` or a party name (case-insensitive)."""
    query = Q(name__iexact=operator.strip())
    try:
        country_code, party_id = services.parse_party_key(operator)
    except InvalidInput:
        pass  # not a key: a name only
    else:
        query |= Q(country_code=country_code, party_id=party_id)
    return list(Party.objects.filter(query).values_list("pk", flat=True))


def _codes(filters: LocationFilters) -> list[int]:
    return [STANDARD_CODES[s] for s in filters.standards] or [ANY_STANDARD]


def _public_queryset(filters: LocationFilters) -> QuerySet[Location]:
    qs = Location.objects.filter(
        publicity.LISTED if filters.includes_pipeline else publicity.PUBLIC
    )
    if filters.text:
        words = filters.text.strip()
        qs = qs.filter(
            Q(name__icontains=words) | Q(address__icontains=words) | Q(city__icontains=words)
        )
    if filters.country_code:
        qs = qs.filter(country_code=filters.country_code)
    if filters.region:
        qs = qs.filter(region__iexact=filters.region)
    if filters.city:
        qs = qs.filter(city__iexact=filters.city)
    if filters.operator:
        qs = qs.filter(party_id__in=_operator_party_ids(filters.operator))
    if filters.statuses:
        qs = qs.filter(
            Exists(EVSE.objects.filter(location=OuterRef("pk"), status__in=filters.statuses))
        )
    if filters.standards:
        points = SearchPoint.objects.filter(location=OuterRef("pk"), code__in=_codes(filters))
        if filters.min_kw is not None:
            points = points.filter(max_kw__gte=filters.min_kw)
        qs = qs.filter(Exists(points))
    elif filters.min_kw is not None:
        qs = qs.filter(max_power_kw__gte=filters.min_kw)
    if filters.bbox:
        sql, params = spatial.in_box_sql(box=filters.bbox, codes=[ANY_STANDARD])
        qs = qs.filter(pk__in=RawSQL(sql, params))
    if filters.max_price is not None:
        ids = list(qs.values_list("pk", flat=True))
        qs = qs.filter(pk__in=priced_up_to(ids, *filters.max_price))
    return qs


def _extra_for_near(filters: LocationFilters) -> spatial.Extra:
    """The location-level filters as SQL on `l`, for the nearest search."""
    sql: list[str] = []
    params: list[object] = []
    if filters.text:
        sql.append(
            "(UPPER(l.name) LIKE UPPER(%s) OR UPPER(l.address) LIKE UPPER(%s)"
            " OR UPPER(l.city) LIKE UPPER(%s))"
        )
        pattern = "%" + filters.text.strip().replace("%", "").replace("_", "") + "%"
        params += [pattern, pattern, pattern]
    if filters.country_code:
        sql.append("l.country_code = %s")
        params.append(filters.country_code)
    if filters.region:
        sql.append("UPPER(l.region) = UPPER(%s)")
        params.append(filters.region)
    if filters.city:
        sql.append("UPPER(l.city) = UPPER(%s)")
        params.append(filters.city)
    if filters.operator:
        ids = _operator_party_ids(filters.operator) or [0]
        sql.append(f"l.party_id IN ({', '.join(['%s'] * len(ids))})")
        params.extend(ids)
    if filters.statuses:
        marks = ", ".join(["%s"] * len(filters.statuses))
        sql.append(
            "EXISTS (SELECT 1 FROM registry_evse e WHERE e.location_id = l.id"
            f" AND e.status IN ({marks}))"
        )
        params.extend(filters.statuses)
    # The bbox is not here: the search clips to it (spatial.nearest's `within`), exactly.
    if filters.max_price is not None:
        base = _public_queryset(
            LocationFilters(
                **{**_as_kwargs(filters), "max_price": None, "near": None, "radius_km": None}
            )
        )
        ids = priced_up_to(list(base.values_list("pk", flat=True)), *filters.max_price) or [0]
        sql.append(f"l.id IN ({', '.join(['%s'] * len(ids))})")
        params.extend(ids)
    # In service (evse_count > 0) is the search row's own flag: without other filters the
    # search reads the index alone.
    return spatial.Extra(" AND ".join(sql), tuple(params), in_service=not filters.includes_pipeline)


def _as_kwargs(filters: LocationFilters) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in LocationFilters.__slots__}


def location_prices(location_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Location id → the reference-session price of each priced, non-REMOVED EVSE (the dicts
    of registry.pricing.evse_price), in EVSE order.

    Prices are computed, not stored (a tariff changes them all), so this reads the connectors'
    power types and tariff ids and prices each distinct (party, DC or AC, tariff ids) once: an
    operator's stations share a handful of combinations, so 10,000 locations cost a few
    hundred pricings.
    """
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    tariffs: dict[int, dict[str, dict[str, Any]]] = {}
    memo: dict[tuple[int, bool, tuple[str, ...]], dict[str, Any] | None] = {}
    for start in range(0, len(location_ids), 5000):
        chunk = location_ids[start : start + 5000]
        rows = (
            Connector.objects.filter(evse__location_id__in=chunk)
            .exclude(evse__status=Status.REMOVED)
            .order_by("evse_id", "pk")
            .values_list("evse__location_id", "evse__location__party_id", "evse_id",
                         "power_type", "tariff_ids")
        )  # fmt: skip
        evses: dict[int, list[Any]] = {}
        for location_id, party_id, evse_id, power_type, tariff_ids in rows:
            entry = evses.setdefault(evse_id, [location_id, party_id, False, []])
            entry[2] |= power_type == "DC"
            entry[3].extend(str(t) for t in tariff_ids or [])
        for location_id, party_id, dc, ids in evses.values():
            if not ids:
                continue
            key = (party_id, dc, tuple(ids))
            if key not in memo:
                if party_id not in tariffs:
                    tariffs[party_id] = registry_tariffs.tariff_objects(party=party_id)
                memo[key] = pricing.evse_price(dc=dc, tariff_ids=ids, tariffs=tariffs[party_id])
            if memo[key] is not None:
                out[location_id].append(memo[key])  # type: ignore[arg-type]
    return out


def cheapest_price(prices: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The lowest price including VAT among a location's EVSE prices (None when unpriced)."""
    return min(prices, key=lambda p: p["incl_vat"], default=None)


def price_currencies() -> list[str]:
    """The currencies the registry's tariffs price in (for a "price up to" filter's choices)."""
    from kubat.registry.models import Tariff

    return sorted(set(Tariff.objects.values_list("currency", flat=True)))


def priced_up_to(location_ids: list[int], amount: float, currency: str) -> list[int]:
    """Of `location_ids`, those with an EVSE whose reference session costs at most `amount`
    including VAT in `currency`. Prices are never converted: a station priced in another
    currency does not match, and an unpriced one never does."""
    prices = location_prices(location_ids)
    return [
        pk
        for pk in location_ids
        if any(p["currency"] == currency and p["incl_vat"] <= amount for p in prices.get(pk, []))
    ]


def _with_details(ids: list[int]) -> list[Location]:
    """Locations in the order of `ids`, with party, EVSEs and connectors in three queries.

    The children are attached by hand rather than by `prefetch_related`, which builds a filtered
    queryset per parent row: for a page of 100 locations and their ~350 EVSEs that machinery
    was most of the page's time (profiled on the city-box search). `location.evses.all()` and
    `evse.connectors.all()` then answer from memory, exactly as after a prefetch.
    """
    by_id = Location.objects.select_related("party").in_bulk(ids)
    evses = list(EVSE.objects.filter(location_id__in=list(by_id)).order_by("pk"))
    connectors = Connector.objects.filter(evse_id__in=[e.pk for e in evses]).order_by("pk")
    _attach(evses, "connectors", Connector, connectors, back="evse")
    _attach(by_id.values(), "evses", EVSE, evses, back="location")
    return [by_id[pk] for pk in ids if pk in by_id]


# What a result row shows (registry.presenters.location_summary): a search page reads only these
# columns, and of its EVSEs and connectors only status and standard, so that a page of 100
# dense-city locations builds light rows (the full rows were most of a box page's time).
_LIST_COLUMNS = (
    "id", "party_id", "ocpi_id", "name", "address", "city", "postal_code", "region", "country",
    "country_code", "lat", "lon", "max_power_kw", "charging_class", "evse_count", "publish",
    "source", "last_updated", "operator",
    "party__id", "party__country_code", "party__party_id", "party__name",
)  # fmt: skip


def _read_connection() -> BaseDatabaseWrapper:
    """The connection the router sends the registry's reads to (the replica on a public read,
    if there is one): what raw SQL beside the ORM must read too, so a page is one database's."""
    return connections[router.db_for_read(Location) or DEFAULT_DB_ALIAS]


def _with_list_details(ids: list[int]) -> list[Location]:
    """Locations in the order of `ids` with what the list form shows: the columns of
    _LIST_COLUMNS, and the status of each EVSE in service and the standard of its connectors
    (other fields of these rows are deferred: reading one costs a query, so the list form
    must not).

    The children come in one joined query of plain tuples, made into rows by `from_db` (what
    the ORM itself calls): compiling ORM queries with hundreds of ids and building full rows
    was most of a dense box page's time.
    """
    by_id = Location.objects.select_related("party").only(*_LIST_COLUMNS).in_bulk(ids)
    evses: list[EVSE] = []
    connectors: list[Connector] = []
    connection = _read_connection()
    if by_id:
        marks = ", ".join(["%s"] * len(by_id))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.id, e.location_id, e.status, c.id, c.standard FROM registry_evse e"
                " LEFT JOIN registry_connector c ON c.evse_id = e.id"
                f" WHERE e.location_id IN ({marks}) AND e.status <> %s ORDER BY e.id, c.id",
                [*by_id, Status.REMOVED],
            )
            rows = cursor.fetchall()
        last = None
        for evse_id, location_id, status, connector_id, standard in rows:
            if last is None or last.pk != evse_id:
                last = EVSE.from_db(
                    connection.alias,
                    ["id", "location_id", "status"],
                    [evse_id, location_id, status],
                )
                evses.append(last)
            if connector_id is not None:
                connectors.append(
                    Connector.from_db(
                        connection.alias,
                        ["id", "evse_id", "standard"],
                        [connector_id, evse_id, standard],
                    )
                )
    _attach(evses, "connectors", Connector, connectors, back="evse")
    _attach(by_id.values(), "evses", EVSE, evses, back="location")
    return [by_id[pk] for pk in ids if pk in by_id]


# The location columns of a ListRow (what presenters.row_summary shows), by field name.
_ROW_COLUMNS = (
    "id", "ocpi_id", "name", "address", "city", "postal_code", "region", "country",
    "country_code", "lat", "lon", "max_power_kw", "charging_class", "evse_count", "publish",
    "source", "last_updated", "operator",
)  # fmt: skip


def _list_rows(ids: list[int]) -> list[ListRow]:
    """ListRows of the locations of `ids`, in that order, in two queries of plain tuples.

    Each location column goes through the converters the ORM would apply (the backend's and
    the field's: datetimes, booleans, JSON), so the values equal a loaded Location's.
    """
    if not ids:
        return []
    connection = _read_connection()
    fields = [f for name in _ROW_COLUMNS if isinstance(f := Location._meta.get_field(name), Field)]
    assert len(fields) == len(_ROW_COLUMNS), "every list column is a concrete field"
    cols = [f.get_col(Location._meta.db_table) for f in fields]
    converters = [
        (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        for col in cols
    ]
    columns = ", ".join(f"l.{connection.ops.quote_name(str(f.column))}" for f in fields)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, p.country_code, p.party_id, p.name FROM registry_location l"
            f" JOIN registry_party p ON p.id = l.party_id WHERE l.id IN ({marks})",
            ids,
        )
        locations = cursor.fetchall()
        cursor.execute(
            "SELECT e.id, e.location_id, e.status, c.standard FROM registry_evse e"
            " LEFT JOIN registry_connector c ON c.evse_id = e.id"
            f" WHERE e.location_id IN ({marks}) AND e.status <> %s ORDER BY e.id, c.id",
            [*ids, Status.REMOVED],
        )
        children = cursor.fetchall()
    statuses: dict[int, dict[str, int]] = defaultdict(dict)
    standards: dict[int, set[str]] = defaultdict(set)
    last_evse = None
    for evse_id, location_id, status, standard in children:
        if evse_id != last_evse:
            counts = statuses[location_id]
            counts[status] = counts.get(status, 0) + 1
            last_evse = evse_id
        if standard is not None:
            standards[location_id].add(standard)
    by_id: dict[int, ListRow] = {}
    for row in locations:
        values: dict[str, Any] = {}
        for name, value, (col, convert) in zip(_ROW_COLUMNS, row, converters, strict=False):
            for converter in convert:
                value = converter(value, col, connection)
            values[name] = value
        pk = values["id"]
        by_id[pk] = ListRow(
            values=values,
            party_key=f"{row[-3]}*{row[-2]}",
            party_name=row[-1],
            status_counts=statuses.get(pk, {}),
            connector_standards=sorted(standards.get(pk, ())),
        )
    return [by_id[pk] for pk in ids if pk in by_id]


class _AttachedQuerySet(QuerySet[Any]):
    """A parent's children attached by _attach: iterating, counting or `.all()` answer from
    the attached rows; a filter, exclude or order first builds the relation's real query (so
    `location.evses.filter(uid=...)` finds the EVSE, as after a prefetch_related)."""

    _relation_filter: dict[str, Any] | None = None

    @property
    def query(self) -> Any:
        if self._relation_filter is not None:
            self._query = self.model._default_manager.filter(**self._relation_filter).query
            self._relation_filter = None
        return super().query

    @query.setter
    def query(self, value: Any) -> None:
        self._relation_filter = None
        QuerySet.query.fset(self, value)  # type: ignore[attr-defined]


def _attach(
    parents: Iterable[Any], name: str, model: type[Any], children: Iterable[Any], *, back: str
) -> None:
    """Fill each parent's prefetch cache for the reverse relation `name` with its children (in
    the order given) and point each child's foreign key `back` at its parent, as Django's
    prefetch_related_objects does."""
    by_pk = {parent.pk: parent for parent in parents}
    grouped: dict[int, list[Any]] = defaultdict(list)
    for child in children:
        parent = by_pk[getattr(child, f"{back}_id")]
        setattr(child, back, parent)
        grouped[parent.pk].append(child)
    # The cached querysets share one placeholder Query and build their own (the relation's
    # filter) only if someone filters one: building a Query per parent was most of a page of
    # 100 locations' time (profiled: 7,500 Query() for 20 box pages, 4 of their 8 s).
    query = model.objects.none().query
    for pk, parent in by_pk.items():
        cached = _AttachedQuerySet(model=model, query=query)
        cached._relation_filter = {back: parent}
        cached._result_cache = grouped.get(pk, [])
        cached._prefetch_done = True  # type: ignore[attr-defined]
        parent._prefetched_objects_cache = {
            **getattr(parent, "_prefetched_objects_cache", {}),
            name: cached,
        }


@dataclass(frozen=True, slots=True)
class _Found:
    """A search's page as ids, before its rows are read."""

    ids: list[int]
    total: Total
    next_cursor: str | None
    distances_km: dict[int, float]


def search_locations(
    *, filters: LocationFilters, limit: int = 100, cursor: str | None = None
) -> LocationPage:
    """Public locations matching `filters`: by distance with `near` or `bbox`, else by id.

    With `near`, results lie within radius_km (default 50 km) and come nearest first, each with
    its distance. With a bbox and no `near`, they come nearest the box's centre first (a map's
    list starts where the user looks, and the index answers it without reading the whole box),
    each with its distance from the centre. Otherwise they come in id order. Either way the
    next page is the cursor. The total is exact up to EXACT_TOTAL_UP_TO (`total_kind`).
    The items are Location rows with what the list form shows (_with_list_details).
    """
    found = _search(filters=filters, limit=limit, cursor=cursor)
    return LocationPage(
        items=_with_list_details(found.ids),
        total=found.total.value,
        total_kind=found.total.kind,
        next_cursor=found.next_cursor,
        distances_km=found.distances_km,
    )


def search_location_rows(
    *, filters: LocationFilters, limit: int = 100, cursor: str | None = None
) -> RowPage:
    """The same search and page as search_locations, its items as plain values (ListRow)
    read in two queries without model instances: what the API's list serves.

    Building Location, EVSE and connector instances for a page of 100 dense-city locations
    was most of a box page's time (profiled: ~14 of 19 ms CPU); presenters.row_summary turns a
    ListRow into exactly what presenters.location_summary makes of the Location (tested).
    """
    found = _search(filters=filters, limit=limit, cursor=cursor)
    return RowPage(
        items=_list_rows(found.ids),
        total=found.total.value,
        total_kind=found.total.kind,
        next_cursor=found.next_cursor,
        distances_km=found.distances_km,
    )


def _search(*, filters: LocationFilters, limit: int, cursor: str | None) -> _Found:
    """The ids of a search's page, its total and its next cursor (see search_locations)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            gettext("must be between 1 and %(most)s") % {"most": MAX_LIMIT}, field="limit"
        )
    if filters.near is None and filters.bbox is None:
        return _search_by_id(filters=filters, limit=limit, cursor=cursor)
    if filters.near is not None:
        lat, lon = filters.near
        radius = filters.radius_km or DEFAULT_NEAR_RADIUS_KM
    else:
        assert filters.bbox is not None
        lat, lon, radius = _box_circle(filters.bbox)
    after = None
    if cursor:
        d2, last_id = _decode_cursor(cursor, "d")
        if not isinstance(d2, float | int) or not isinstance(last_id, int):
            raise InvalidInput(gettext("not a cursor from this query"), field="cursor")
        after = (float(d2), last_id)
    extra = _extra_for_near(filters)
    codes = _codes(filters)
    hits = spatial.nearest(
        lat=lat,
        lon=lon,
        k=limit + 1,
        codes=codes,
        radius_km=radius,
        min_kw=filters.min_kw,
        extra=extra,
        after=after,
        within=filters.bbox,
    )
    more = len(hits) > limit
    hits = hits[:limit]
    counted = spatial.count_within(
        lat=lat,
        lon=lon,
        radius_km=radius,
        codes=codes,
        min_kw=filters.min_kw,
        extra=extra,
        within=filters.bbox,
        up_to=EXACT_TOTAL_UP_TO,
    )
    total = _spatial_total(counted, filters=filters, lat=lat, lon=lon, radius_km=radius)
    last = hits[-1] if hits else None
    return _Found(
        ids=[h.location_id for h in hits],
        total=total,
        next_cursor=_encode_cursor(["d", last.d2, last.location_id]) if more and last else None,
        distances_km={h.location_id: round(h.distance_km, 3) for h in hits},
    )


def _search_by_id(*, filters: LocationFilters, limit: int, cursor: str | None) -> _Found:
    qs = _public_queryset(filters)
    total = _id_total(filters, qs)
    if cursor:
        (last_id,) = _decode_cursor(cursor, "i")
        if not isinstance(last_id, int):
            raise InvalidInput(gettext("not a cursor from this query"), field="cursor")
        qs = qs.filter(pk__gt=last_id)
    ids = list(qs.order_by("pk").values_list("pk", flat=True)[: limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    return _Found(
        ids=ids,
        total=total,
        next_cursor=_encode_cursor(["i", ids[-1]]) if more and ids else None,
        distances_km={},
    )


def _box_circle(box: BBox) -> tuple[float, float, float]:
    """(lat, lon, radius_km) of the circle around the box's centre that holds the whole box."""
    lat, lon = (box.min_lat + box.max_lat) / 2, (box.min_lon + box.max_lon) / 2
    half = math.hypot(
        (box.max_lat - box.min_lat) / 2, (box.max_lon - box.min_lon) / 2 * lon_scale(lat)
    )
    return lat, lon, KM_PER_DEGREE * half * (1 + 1e-9) + 1e-6


# Filters other than these make a total the grid cells cannot estimate (cells count public
# locations per standard and place, nothing else).
_CELL_FILTERS = frozenset({"bbox", "near", "radius_km", "standards"})


def _unfiltered(filters: LocationFilters, *, but: frozenset[str]) -> bool:
    """Whether every filter outside `but` is unset."""
    empty = LocationFilters()
    return all(
        getattr(filters, name) == getattr(empty, name)
        for name in LocationFilters.__slots__
        if name not in but
    )


def _id_total(filters: LocationFilters, qs: QuerySet[Location]) -> Total:
    """The total of an id-ordered search: from the national counters when only the country is
    filtered (they count exactly the public locations), else counted up to the bound."""
    if _unfiltered(filters, but=frozenset({"country_code"})):
        rows = StatCounter.objects.filter(dimension="locations", key="")
        if filters.country_code:
            rows = rows.filter(country_code=filters.country_code)
        return Total(sum(rows.values_list("value", flat=True)))
    counted = qs[: EXACT_TOTAL_UP_TO + 1].count()
    if counted <= EXACT_TOTAL_UP_TO:
        return Total(counted)
    return Total(EXACT_TOTAL_UP_TO, TotalKind.MORE_THAN)


def _spatial_total(
    counted: int, *, filters: LocationFilters, lat: float, lon: float, radius_km: float
) -> Total:
    """An exact count up to the bound; past it an estimate from the cells when the filters are
    a place and at most one standard, else "more than" the bound."""
    if counted <= EXACT_TOTAL_UP_TO:
        return Total(counted)
    codes = _codes(filters)
    area = spatial.clip(box_around(lat, lon, radius_km), filters.bbox)
    if len(codes) == 1 and area is not None and _unfiltered(filters, but=_CELL_FILTERS):
        estimate = spatial.estimate_locations(
            code=codes[0],
            box=area,
            near=filters.near,
            radius_km=radius_km,
        )
        if estimate > EXACT_TOTAL_UP_TO:
            return Total(_two_digits(estimate), TotalKind.ABOUT)
    return Total(EXACT_TOTAL_UP_TO, TotalKind.MORE_THAN)


def _two_digits(value: float) -> int:
    """`value` rounded to two significant digits (23,417 -> 23,000): an estimate says no more."""
    places = max(0, len(str(int(value))) - 2)
    return int(round(value, -places))


def location_total(*, filters: LocationFilters) -> Total:
    """How many public locations match `filters`, exact up to EXACT_TOTAL_UP_TO (the map's
    count of a view its markers do not all reach)."""
    return Total((page := search_locations(filters=filters, limit=1)).total, page.total_kind)


def nearest_locations(
    *, lat: float, lon: float, k: int = 10, standards: tuple[str, ...] = ()
) -> list[tuple[int, float]]:
    """(location id, km) of the k nearest public locations with one of `standards`.

    The lean path the benchmark measures and "nearest charger" features call.
    """
    codes = [STANDARD_CODES[s] for s in standards] or [ANY_STANDARD]
    hits = spatial.nearest(lat=lat, lon=lon, k=k, codes=codes, extra=spatial.IN_SERVICE)
    return [(h.location_id, h.distance_km) for h in hits]


def get_location(*, location_id: int) -> Location:
    """Any location, published or not, with details (for its writers)."""
    found = _with_details([location_id]) if 0 < location_id <= MAX_ID else []
    if not found:
        raise NotFound(
            gettext("no location with id %(location_id)s") % {"location_id": location_id},
            field="id",
        )
    return found[0]


def get_public_location(*, location_id: int) -> Location:
    found = _with_details([location_id]) if 0 < location_id <= MAX_ID else []
    if not found or publicity.of(found[0]) not in {Publicity.PUBLIC, Publicity.PLANNED}:
        raise NotFound(
            gettext("no public location with id %(location_id)s") % {"location_id": location_id},
            field="id",
        )
    return found[0]


def status_counts(location: Location) -> dict[str, int]:
    """EVSEs per status for a location loaded by this module (REMOVED ones left out)."""
    counts: dict[str, int] = defaultdict(int)
    for evse in location.evses.all():
        if evse.status != Status.REMOVED:
            counts[evse.status] += 1
    return dict(counts)


def national_stats(*, country_code: str | None = None) -> dict[str, object]:
    """The maintained counters of one country, or of all countries summed."""
    rows = StatCounter.objects.exclude(value=0)
    if country_code:
        rows = rows.filter(country_code=country_code)
    totals: dict[str, int] = defaultdict(int)
    breakdowns: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for dimension, key, value in rows.values_list("dimension", "key", "value"):
        if key == "" and dimension in {"locations", "evses", "connectors", "planned_locations"}:
            totals[dimension] += value
        else:
            breakdowns[dimension][key] += value
    party_names = {p.key: p.name for p in Party.objects.all()}
    operators = breakdowns.get("locations_by_operator", {})
    newest = Location.objects.filter(publicity.PUBLIC)
    if country_code:
        newest = newest.filter(country_code=country_code)
    last = newest.order_by("-last_updated").values_list("last_updated", flat=True).first()
    return {
        "country": country_code,
        "last_updated": last,
        "planned_locations": totals.get("planned_locations", 0),
        "locations": totals.get("locations", 0),
        "evses": totals.get("evses", 0),
        "connectors": totals.get("connectors", 0),
        "connectors_by_standard": dict(
            sorted(breakdowns.get("connectors_by_standard", {}).items())
        ),
        "evses_by_power_class": dict(sorted(breakdowns.get("evses_by_power_class", {}).items())),
        "locations_by_region": dict(sorted(breakdowns.get("locations_by_region", {}).items())),
        "locations_by_operator": [
            {"party": key, "name": party_names.get(key, key), "locations": count}
            for key, count in sorted(operators.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }


def _export_queryset(
    *,
    country_code: str | None,
    party: Party | None,
    public_only: bool,
    updated_since: datetime | None,
) -> QuerySet[Location]:
    qs = Location.objects.filter(publicity.LISTED) if public_only else Location.objects.all()
    if country_code:
        qs = qs.filter(country_code=country_code)
    if updated_since is not None:
        qs = qs.filter(
            Q(last_updated__gte=updated_since)
            | Exists(EVSE.objects.filter(location=OuterRef("pk"), last_updated__gte=updated_since))
        )
    if party is not None:
        qs = qs.filter(party=party)
    return qs


def iter_locations(
    *,
    country_code: str | None = None,
    party: Party | None = None,
    public_only: bool = True,
    updated_since: datetime | None = None,
) -> Iterator[Location]:
    """Locations with EVSEs and connectors, in id order, a chunk at a time (for exports).

    `public_only`: the open data's set, public and planned locations (registry.publicity).
    `updated_since`: only locations changed at or after it, their own `last_updated` or an
    EVSE's (a status report moves only the EVSE's, registry.services): an incremental download.
    """
    qs = _export_queryset(
        country_code=country_code, party=party, public_only=public_only, updated_since=updated_since
    )
    parties: dict[int, Party] = {}
    last = 0
    while True:
        ids = list(
            qs.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:EXPORT_CHUNK]
        )
        if not ids:
            return
        yield from _export_chunk(ids, parties)
        last = ids[-1]


@dataclass(slots=True)
class ExportChunk:
    """Plain rows of up to EXPORT_CHUNK locations for the CSV export (registry.exchange), in id
    order; each location's EVSEs (REMOVED ones left out) and each EVSE's connectors in id order.

    `locations`: tuples of EXPORT_LOCATION_COLUMNS; `evses`: location id → tuples of
    EXPORT_EVSE_COLUMNS; `connectors`: EVSE id → tuples of EXPORT_CONNECTOR_COLUMNS; `parties`:
    party id → (country_code, party_id, name).
    """

    locations: list[tuple[Any, ...]]
    evses: dict[int, list[tuple[Any, ...]]]
    connectors: dict[int, list[tuple[Any, ...]]]
    parties: dict[int, tuple[str, str, str]]


EXPORT_LOCATION_COLUMNS = (
    "id", "party_id", "operator", "ocpi_id", "name", "address", "city", "postal_code", "region",
    "country", "latitude", "longitude", "time_zone", "parking_type", "facilities",
    "opening_times", "last_updated", "publish", "evse_count", "charging_class", "source",
)  # fmt: skip
EXPORT_EVSE_COLUMNS = (
    "id",
    "location_id",
    "uid",
    "evse_id",
    "status",
    "capabilities",
    "last_updated",
)
EXPORT_CONNECTOR_COLUMNS = (
    "evse_id", "ocpi_id", "standard", "format", "power_type", "max_voltage", "max_amperage",
    "max_electric_power", "last_updated", "tariff_ids",
)  # fmt: skip


def iter_export_chunks(
    *,
    country_code: str | None = None,
    party: Party | None = None,
    public_only: bool = True,
    updated_since: datetime | None = None,
) -> Iterator[ExportChunk]:
    """The locations of iter_locations (same filters, same order) as plain rows, a chunk at a
    time: what the CSV export reads, without a model instance per row (building ORM rows was
    most of a large export's time, docs/open-data.md). Three queries per chunk; memory holds
    one chunk whatever the registry's size."""
    qs = _export_queryset(
        country_code=country_code, party=party, public_only=public_only, updated_since=updated_since
    )
    parties: dict[int, tuple[str, str, str]] = {}
    last = 0
    while True:
        rows = list(
            qs.filter(pk__gt=last)
            .order_by("pk")
            .values_list(*EXPORT_LOCATION_COLUMNS)[:EXPORT_CHUNK]
        )
        if not rows:
            return
        ids = [r[0] for r in rows]
        missing = {r[1] for r in rows} - parties.keys()
        if missing:
            for pk, *values in Party.objects.filter(pk__in=missing).values_list(
                "pk", "country_code", "party_id", "name"
            ):
                parties[pk] = (values[0], values[1], values[2])
        evses: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for evse in (
            EVSE.objects.filter(location_id__in=ids)
            .exclude(status=Status.REMOVED)
            .order_by("pk")
            .values_list(*EXPORT_EVSE_COLUMNS)
        ):
            evses[evse[1]].append(evse)
        connectors: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for connector in (
            Connector.objects.filter(evse__location_id__in=ids)
            .order_by("pk")
            .values_list(*EXPORT_CONNECTOR_COLUMNS)
        ):
            connectors[connector[0]].append(connector)
        yield ExportChunk(locations=rows, evses=evses, connectors=connectors, parties=parties)
        last = ids[-1]


# Locations per chunk of an export: three queries of at most this many locations and their
# EVSEs and connectors, so memory stays flat whatever the registry's size (docs/open-data.md).
EXPORT_CHUNK = 2000


def _loaded(model: type[Any], rows: Iterable[tuple[Any, ...]], *, db: str) -> list[Any]:
    """Instances of `model` from rows holding every concrete field's value in field order (as
    `values_list` of all attnames gives them, the database converters already applied).

    What `Model.from_db` makes, without `Model.__init__`: its per-field loop and signals were
    the largest single cost of a 1,000,000-EVSE export (profiled, docs/open-data.md); the
    instances are complete, so nothing is deferred and no attribute costs a query.
    """
    names = [f.attname for f in model._meta.concrete_fields]
    out = []
    for row in rows:
        obj = object.__new__(model)
        state = ModelState()
        state.adding = False
        state.db = db
        obj.__dict__.update(zip(names, row, strict=True))
        obj.__dict__["_state"] = state
        out.append(obj)
    return out


def _full_rows(qs: QuerySet[Any]) -> Iterable[tuple[Any, ...]]:
    return qs.values_list(*(f.attname for f in qs.model._meta.concrete_fields))


def _export_chunk(ids: list[int], parties: dict[int, Party]) -> list[Location]:
    """Locations of `ids` (ascending) with their party, EVSEs and connectors attached, as
    _with_details gives them but built from plain rows (_loaded); `parties` is the export's
    cache of the few parties its many locations share."""
    db = Location.objects.db
    locations = _loaded(
        Location, _full_rows(Location.objects.filter(pk__in=ids).order_by("pk")), db=db
    )
    missing = {loc.party_id for loc in locations} - parties.keys()
    if missing:
        parties.update(Party.objects.in_bulk(missing))
    for loc in locations:
        loc._state.fields_cache["party"] = parties[loc.party_id]
    evses = _loaded(
        EVSE, _full_rows(EVSE.objects.filter(location_id__in=ids).order_by("pk")), db=db
    )
    connectors = _loaded(
        Connector,
        _full_rows(Connector.objects.filter(evse__location_id__in=ids).order_by("pk")),
        db=db,
    )
    _attach_loaded(evses, "connectors", Connector, connectors, back="evse")
    _attach_loaded(locations, "evses", EVSE, evses, back="location")
    return locations


def _attach_loaded(
    parents: Iterable[Any], name: str, model: type[Any], children: Iterable[Any], *, back: str
) -> None:
    """_attach for instances of _loaded: the child's foreign key already holds the parent's id,
    so the parent goes straight into the child's relation cache (what the descriptor's
    __set__ ends with, without its checks, a fifth of the export's time)."""
    by_pk = {parent.pk: parent for parent in parents}
    grouped: dict[int, list[Any]] = defaultdict(list)
    fk = f"{back}_id"
    for child in children:
        parent = by_pk[getattr(child, fk)]
        child._state.fields_cache[back] = parent
        grouped[parent.pk].append(child)
    query = model.objects.none().query
    for pk, parent in by_pk.items():
        cached = _AttachedQuerySet(model=model, query=query)
        cached._relation_filter = {back: parent}
        cached._result_cache = grouped.get(pk, [])
        cached._prefetch_done = True  # type: ignore[attr-defined]
        parent._prefetched_objects_cache = {name: cached}


@dataclass(slots=True)
class ComplianceReport:
    """Profile compliance per operator, and each failing location with its violations."""

    operators: list[compliance.OperatorReport]
    failing: list[dict[str, Any]]


def compliance_report(
    *, country_code: str | None = None, party: Party | None = None, public_only: bool
) -> ComplianceReport:
    """Every location (public ones only, or all for the secretariat) against its profile.

    One report for the API (`/operators/{party}/compliance`, public only) and
    `kubat check-standards` (all). A location fails when it breaks a rule of its profile. With
    `party`, the report holds that operator even when it has no location.
    """
    now = timezone.now()
    operators: dict[str, compliance.OperatorReport] = {}
    if party is not None:
        operators[party.key] = compliance.OperatorReport(party=party.key, name=party.name)
    failing: list[dict[str, Any]] = []
    tariffs: dict[int, dict[str, str]] = {}
    for location in iter_locations(country_code=country_code, party=party, public_only=public_only):
        if location.party_id not in tariffs:
            tariffs[location.party_id] = registry_tariffs.tariff_types(party=location.party_id)
        result = compliance.check_location(location, now=now, tariffs=tariffs[location.party_id])
        key = location.party.key
        report = operators.setdefault(
            key, compliance.OperatorReport(party=key, name=location.party.name)
        )
        compliance.tally(report, result)
        if result.violations:
            failing.append(
                {
                    "id": location.pk,
                    "ocpi_id": location.ocpi_id,
                    "party": key,
                    "name": location.name,
                    **result.as_dict(),
                }
            )
    return ComplianceReport(
        operators=sorted(operators.values(), key=lambda r: r.party), failing=failing
    )


MAP_POINT_LIMIT = 20_000


def map_points(
    *, filters: LocationFilters, limit: int = MAP_POINT_LIMIT
) -> list[dict[str, object]]:
    """Compact markers for a map view: position, class, power and one live status per location.

    The live status summarises the EVSEs: AVAILABLE if any is available; else OCCUPIED if any is
    charging, reserved or blocked; else PLANNED if any is planned; else OUT_OF_SERVICE if any is
    out of order or inoperative; else UNKNOWN. Ordered by id, at most `limit` markers (a view
    holding more should be zoomed in or clustered server-side).
    """
    if not 1 <= limit <= MAP_POINT_LIMIT:
        raise InvalidInput(
            gettext("must be between 1 and %(most)s") % {"most": MAP_POINT_LIMIT}, field="limit"
        )
    return _map_rows(_public_queryset(filters).order_by("pk"), limit=limit)


def map_points_of(*, location_ids: list[int]) -> list[dict[str, object]]:
    """map_points' markers of the given public locations, in the order of `location_ids`."""
    found = {
        p["id"]: p
        for p in _map_rows(
            Location.objects.filter(publicity.LISTED, pk__in=location_ids), limit=len(location_ids)
        )
    }
    return [found[pk] for pk in location_ids if pk in found]


def map_cells(
    *, filters: LocationFilters, per_degree: float
) -> list[tuple[float, float, int, int]]:
    """The locations of map_points' `filters` (all of them, not the first `limit`) counted per
    square of 1/`per_degree` degree, in one GROUP BY: per non-empty square (sum of latitudes,
    sum of longitudes, locations, locations whose live status is AVAILABLE).

    What a national map's clusters need, in rows proportional to the squares, not the points
    (portal.map_feed). A location is AVAILABLE when one of its EVSEs is (live_status); the
    live-status filter itself is not applied here (map_feed keeps the point path for it).
    """
    if connection.vendor == "postgresql":
        cell_y, cell_x = "FLOOR(lat * %s)", "FLOOR(lon * %s)"
    else:  # SQLite: no FLOOR without the math extension; the offset makes truncation floor
        cell_y, cell_x = (
            "CAST(lat * %s + 1000000 AS INTEGER)",
            "CAST(lon * %s + 1000000 AS INTEGER)",
        )
    available = Exists(EVSE.objects.filter(location=OuterRef("pk"), status=Status.AVAILABLE))
    rows = (
        _public_queryset(filters)
        .order_by()
        .annotate(cy=RawSQL(cell_y, [per_degree]), cx=RawSQL(cell_x, [per_degree]))
        .values("cy", "cx")
        .annotate(
            sum_lat=Sum("lat"),
            sum_lon=Sum("lon"),
            n=Count("pk"),
            available=Sum(Case(When(available, then=1), default=0)),
        )
        .values_list("sum_lat", "sum_lon", "n", "available")
    )
    return [(float(a), float(b), int(n), int(av or 0)) for a, b, n, av in rows]


def _map_rows(qs: QuerySet[Location], *, limit: int) -> list[dict[str, object]]:
    rows = list(
        qs.values_list(
            "pk",
            "lat",
            "lon",
            "charging_class",
            "max_power_kw",
            "name",
            "city",
            "evse_count",
            "address",
        )[:limit]
    )
    statuses: dict[int, set[str]] = defaultdict(set)
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for location_id, status in (
            EVSE.objects.filter(location_id__in=chunk)
            .exclude(status=Status.REMOVED)
            .values_list("location_id", "status")
            .distinct()
        ):
            statuses[location_id].add(status)
    return [
        {
            "id": pk,
            "lat": lat,
            "lon": lon,
            "class": cls or None,
            "kw": kw,
            "name": name,
            "city": city,
            "evses": evses,
            "address": address,
            "status": live_status(statuses.get(pk, set())),
        }
        for pk, lat, lon, cls, kw, name, city, evses, address in rows
    ]


def live_status(statuses: set[str]) -> str:
    """One word for a location's EVSE statuses (see map_points)."""
    if Status.AVAILABLE in statuses:
        return "AVAILABLE"
    if statuses & {Status.CHARGING, Status.RESERVED, Status.BLOCKED}:
        return "OCCUPIED"
    if Status.PLANNED in statuses:
        return "PLANNED"
    if statuses & {Status.OUTOFORDER, Status.INOPERATIVE}:
        return "OUT_OF_SERVICE"
    return "UNKNOWN"


def operators_by_region(*, country_code: str) -> dict[str, list[str]]:
    """Per region, the names of the operators with a public location there (sorted)."""
    rows = (
        Location.objects.filter(publicity.PUBLIC, country_code=country_code)
        .values_list("region", "party__name")
        .distinct()
        .order_by()
    )
    found: dict[str, set[str]] = defaultdict(set)
    for region, name in rows:
        found[region or ""].add(name)
    return {region: sorted(names) for region, names in sorted(found.items())}


def parties_of_country(*, country_code: str) -> list[Party]:
    """Every party of a country (alpha-2), by key: the operators a scorecard lists."""
    return list(Party.objects.filter(country_code=country_code.upper()).order_by("party_id"))
