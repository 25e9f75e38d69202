"""The registry's derived tables: search points (SearchPoint), national counters (StatCounter)
and public locations per grid cell (SearchCell).

All three are kept by the write path (`registry.services`) as each location changes, from the
location's summary (`registry.derived.summarise`): its search rows are replaced, and the
counters and cells move by the difference between its summary before and after the write. A
rebuild recomputes them from the rows; tests prove that maintained and rebuilt tables agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from kubat.core import bulk
from kubat.registry.derived import CellKey, StatKey, Summary
from kubat.registry.models import Location, SearchPoint, StatCounter

K = TypeVar("K")


def negated(counter: Counter[K]) -> Counter[K]:
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


POINT_COLUMNS = ("location", "code", "lat", "lon", "max_kw", "in_service")
# A SearchPoint row as values of POINT_COLUMNS.
PointRow = tuple[int, int, float, float, float, bool]


def search_point_rows(location: Location, summary: Summary) -> list[PointRow]:
    """The SearchPoint rows of a location with this summary, as values of POINT_COLUMNS.

    `in_service` says the location has an EVSE in service (what the default search lists), so
    that the index answers it without reading the location (docs/decisions/0006-box-search.md).
    """
    in_service = summary.evse_count > 0
    return [
        (location.pk, code, location.lat, location.lon, kw, in_service)
        for code, kw in sorted(summary.points.items())
    ]


def replace_search_points(location: Location, summary: Summary) -> None:
    SearchPoint.objects.filter(location=location).delete()
    bulk.insert_rows(SearchPoint, columns=POINT_COLUMNS, rows=search_point_rows(location, summary))


# One statement for any number of cells, on both engines (SQLite 3.24+, PostgreSQL 9.5+): the
# bulk loader moves thousands of cells per batch, and an UPDATE-then-INSERT per cell was the
# slow part of it.
_CELL_UPSERT = (
    "INSERT INTO registry_searchcell (code, cell_y, cell_x, locations) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (code, cell_y, cell_x)"
    " DO UPDATE SET locations = registry_searchcell.locations + excluded.locations"
)


def apply_cell_delta(delta: Counter[CellKey]) -> None:
    """Add `delta` to the SearchCell counts, creating missing cells.

    Cells are written in sorted order so that concurrent writers lock them in the same order
    and cannot deadlock; a cell that drops to 0 stays (as a counter row does).
    """
    rows = [(*key, value) for key, value in sorted(delta.items()) if value]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_CELL_UPSERT, rows)


def withdraw(*, country_code: str, summary: Summary) -> None:
    """Take a location's whole share out of the counters of `country_code` and of its cells:
    before it is deleted, or before it is counted again in another country."""
    apply_stat_delta(country_code=country_code, delta=negated(summary.contribution))
    apply_cell_delta(negated(summary.cells))


@dataclass(slots=True)
class Totals:
    """Counter contributions summed over many locations (a bulk load, a rebuild)."""

    stats: dict[str, Counter[StatKey]] = field(default_factory=dict)
    cells: Counter[CellKey] = field(default_factory=Counter)

    def add(self, summaries: Iterable[tuple[str, Summary]]) -> None:
        """Add (country_code, summary) pairs."""
        for country_code, summary in summaries:
            self.stats.setdefault(country_code, Counter()).update(summary.contribution)
            self.cells.update(summary.cells)

    def apply(self) -> None:
        for country_code, delta in sorted(self.stats.items()):
            apply_stat_delta(country_code=country_code, delta=delta)
        apply_cell_delta(self.cells)
