"""Reliability and utilisation of charging points, from the status rollups (registry.rollups).

The method is the UK Public Charge Point Regulations 2023, regulation 7, as the reference:

- working: AVAILABLE, CHARGING, RESERVED;
- ineligible for measurement: UNKNOWN and BLOCKED, which the regulation counts as reliable;
  time without data (the last status older than the profile's freshness limit) counts as
  UNKNOWN, so as ineligible too;
- not reliable: INOPERATIVE, OUTOFORDER;
- PLANNED and REMOVED are not in service and not measured;
- only opening hours count (the rollups hold open seconds only).

reliability = (measured - not reliable) / measured. Because that rewards silence, every figure
carries the shares working / ineligible / without data and a strict figure that counts
ineligible and silent time as not reliable: strict = working / measured. Utilisation is the
share of measured open time CHARGING. A rapid point has 50 kW or more (the profile's
`reliability.rapid_min_kw`); the target for each operator's rapid network is a profile value
(`reliability.rapid_target`), broken as the rule `rapid-reliability`.

This module is the one place of the rule; insights, the portal and the API read it through
`reliability_by` (insights.selectors.reliability_for adds drivers' reports beside it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext

from kubat.core.errors import InvalidInput
from kubat.registry.compliance import Violation, load_profile
from kubat.registry.models import ROLLUP_COLUMNS, EVSEStatusMonth, Party

WORKING = ("available_s", "charging_s", "reserved_s")
INELIGIBLE = ("blocked_s", "unknown_s")
NODATA = ("nodata_s",)
NOT_RELIABLE = ("inoperative_s", "outoforder_s")
MEASURED = WORKING + INELIGIBLE + NODATA + NOT_RELIABLE
RAPID_MIN_KW = 50.0
RAPID_TARGET = 0.99

Group = Literal["party", "region", "country", "evse", "all"]
_GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "party": ("evse__location__party_id",),
    "region": ("evse__location__country_code", "evse__location__region"),
    "country": ("evse__location__country_code",),
    "evse": ("evse_id",),
    "all": (),
}


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar month (month 1–12) or a whole year (month None), in each location's time."""

    year: int
    month: int | None = None

    def __post_init__(self) -> None:
        if not 2000 <= self.year <= 2100:
            raise InvalidInput(
                gettext("year %(year)s is out of range") % {"year": self.year}, field="year"
            )
        if self.month is not None and not 1 <= self.month <= 12:
            raise InvalidInput(
                gettext("month %(month)s is not 1–12") % {"month": self.month}, field="month"
            )

    @property
    def first(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def end(self) -> date:
        if self.month is None or self.month == 12:
            return date(self.year + 1, 1, 1)
        return date(self.year, self.month + 1, 1)

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)


@dataclass(frozen=True, slots=True)
class Reliability:
    """Open seconds by class and the figures of the method (fractions 0–1; None when unmeasured)."""

    measured_s: int
    working_s: int
    ineligible_s: int
    nodata_s: int
    not_reliable_s: int
    charging_s: int
    evses: int = 0

    def _share(self, seconds: int) -> float | None:
        return seconds / self.measured_s if self.measured_s else None

    @property
    def reliability(self) -> float | None:
        """By the regulation's rule: ineligible and silent time count as reliable."""
        return self._share(self.measured_s - self.not_reliable_s)

    @property
    def strict(self) -> float | None:
        """Only working time counts as reliable."""
        return self._share(self.working_s)

    @property
    def utilisation(self) -> float | None:
        return self._share(self.charging_s)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reliability": self.reliability,
            "strict_reliability": self.strict,
            "utilisation": self.utilisation,
            "share_working": self._share(self.working_s),
            "share_ineligible": self._share(self.ineligible_s),
            "share_without_data": self._share(self.nodata_s),
            "share_not_reliable": self._share(self.not_reliable_s),
            "measured_hours": round(self.measured_s / 3600, 2),
            "evses": self.evses,
        }


def reliability_of(seconds: Mapping[str, int], *, evses: int = 0) -> Reliability:
    """Apply the method to open seconds per rollup column (registry.models.ROLLUP_COLUMNS)."""

    def total(columns: Iterable[str]) -> int:
        return sum(int(seconds.get(c) or 0) for c in columns)

    return Reliability(
        measured_s=total(MEASURED),
        working_s=total(WORKING),
        ineligible_s=total(INELIGIBLE),
        nodata_s=total(NODATA),
        not_reliable_s=total(NOT_RELIABLE),
        charging_s=total(("charging_s",)),
        evses=evses,
    )


def _rows(
    *,
    period: Period,
    party: Party | int | None,
    country_code: str | None,
    region: str | None,
    evse: int | None,
    rapid_min_kw: float | None,
) -> QuerySet[EVSEStatusMonth]:
    rows = EVSEStatusMonth.objects.filter(month__gte=period.first, month__lt=period.end)
    if party is not None:
        rows = rows.filter(evse__location__party_id=party if isinstance(party, int) else party.pk)
    if country_code:
        rows = rows.filter(evse__location__country_code=country_code.upper())
    if region:
        rows = rows.filter(evse__location__region=region)
    if evse is not None:
        rows = rows.filter(evse_id=evse)
    if rapid_min_kw is not None:
        rows = rows.filter(evse__max_power_kw__gte=rapid_min_kw)
    return rows


def reliability_by(
    *,
    period: Period,
    group: Group = "all",
    party: Party | int | None = None,
    country_code: str | None = None,
    region: str | None = None,
    evse: int | None = None,
    rapid_min_kw: float | None = None,
) -> dict[tuple[Any, ...], Reliability]:
    """The method's figures per group (party pk, (country, region), country, EVSE pk, or () for
    all), over the monthly rollups of the period: one aggregate query. With `rapid_min_kw`,
    only EVSEs of at least that power."""
    if group not in _GROUP_FIELDS:
        raise InvalidInput(gettext("unknown grouping %(group)r") % {"group": group}, field="group")
    fields = _GROUP_FIELDS[group]
    rows = _rows(
        period=period,
        party=party,
        country_code=country_code,
        region=region,
        evse=evse,
        rapid_min_kw=rapid_min_kw,
    )
    sums = {c: Sum(c) for c in ROLLUP_COLUMNS}
    # One row per EVSE and month: over a single month the rows are the EVSEs, and counting
    # them spares the sort a DISTINCT needs (a fifth of the query at 100,000 EVSEs).
    count = Count("evse_id", distinct=period.month is None)
    grouped: Iterable[Mapping[str, Any]] = (
        rows.values(*fields).annotate(n_evses=count, **sums)
        if fields
        else [rows.aggregate(n_evses=count, **sums)]
    )
    out: dict[tuple[Any, ...], Reliability] = {}
    for row in grouped:
        key = tuple(row[f] for f in fields)
        out[key] = reliability_of(row, evses=int(row["n_evses"] or 0))
    return out


def rapid_target(country_code: str) -> tuple[float, float]:
    """(minimum kW of a rapid point, the reliability target of a rapid network) of a country."""
    profile = load_profile(country_code) if country_code else None
    rules = (profile.raw.get("reliability") if profile else None) or {}
    return float(rules.get("rapid_min_kw", RAPID_MIN_KW)), float(
        rules.get("rapid_target", RAPID_TARGET)
    )


def network_violations(*, party: Party, period: Period) -> list[Violation]:
    """`rapid-reliability`: the operator's rapid network missed its country's target."""
    min_kw, target = rapid_target(party.country_code)
    figure = reliability_by(period=period, party=party, rapid_min_kw=min_kw).get(())
    if figure is None or figure.reliability is None or figure.reliability >= target:
        return []
    return [
        Violation(
            rule="rapid-reliability",
            message=(
                gettext(
                    "rapid network reliability %(reliability)s in %(label)s is below the "
                    "target %(target)s (strict %(strict)s)"
                )
                % {
                    "reliability": f"{figure.reliability:.1%}",
                    "label": period.label,
                    "target": f"{target:.0%}",
                    "strict": f"{figure.strict or 0:.1%}",
                }
            ),
        )
    ]
