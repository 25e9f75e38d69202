"""The registry's derived tables: search points (SearchPoint) and national counters (StatCounter).

Both are kept by the write path (`registry.services`) as each location changes, from the
location's summary (`registry.derived.summarise`): its search rows are replaced, and the
counters move by the difference between its summary before and after the write. A rebuild
recomputes both from the rows; a test proves that maintained and rebuilt tables agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F

from kubat.core import bulk
from kubat.registry.derived import StatKey, Summary
from kubat.registry.models import Location, SearchPoint, StatCounter


def negated(counter: Counter[StatKey]) -> Counter[StatKey]:
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


POINT_COLUMNS = ("location", "code", "lat", "lon", "max_kw")


def search_point_rows(
    location: Location, summary: Summary
) -> list[tuple[int, int, float, float, float]]:
    """The SearchPoint rows of a location with this summary, as values of POINT_COLUMNS."""
    return [
        (location.pk, code, location.lat, location.lon, kw)
        for code, kw in sorted(summary.points.items())
    ]


def replace_search_points(location: Location, summary: Summary) -> None:
    SearchPoint.objects.filter(location=location).delete()
    bulk.insert_rows(SearchPoint, columns=POINT_COLUMNS, rows=search_point_rows(location, summary))


def add_totals(
    totals: dict[str, Counter[StatKey]], summaries: Iterable[tuple[str, Summary]]
) -> None:
    """Sum summaries' counter contributions per country (country_code, summary pairs)."""
    for country_code, summary in summaries:
        totals.setdefault(country_code, Counter()).update(summary.contribution)


def apply_totals(totals: dict[str, Counter[StatKey]]) -> None:
    for country_code, delta in sorted(totals.items()):
        apply_stat_delta(country_code=country_code, delta=delta)
