"""The desk's reads: every target with its live indicator, progress and status; actions with
their overdue flag; the investor's view per region."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kubat.accounts.models import Organisation
from kubat.insights import selectors as insights_selectors
from kubat.insights import sources as insights_sources
from kubat.permits import statistics as permit_statistics
from kubat.ppp import selectors as ppp_selectors
from kubat.registry import selectors as registry_selectors
from kubat.strategy import indicators, progress
from kubat.strategy.models import OPEN_ACTION, Action, Decision, Target
from kubat.strategy.services import OWNER_KINDS


def today() -> dt.date:
    return insights_sources.today()


def target_rows(
    *, country_code: str | None = None, on: dt.date | None = None
) -> list[dict[str, Any]]:
    """Every target with its indicator's live value, progress (0–1) and status."""
    day = on or today()
    targets = Target.objects.all()
    if country_code:
        targets = targets.filter(country_code=country_code)
    cache: dict[tuple[str, str, str, int], float | None] = {}
    rows = []
    for target in targets:
        spec = indicators.get(target.indicator)
        key = (target.indicator, target.country_code, target.region, target.year)
        if key not in cache:
            cache[key] = (
                None
                if spec is None
                else spec.compute(target.country_code, target.region, target.year)
            )
        live = cache[key]
        baseline = target.baseline or 0.0
        rows.append(
            {
                "target": target,
                "label": spec.label if spec else target.indicator,
                "unit": spec.unit if spec else "",
                "live": live,
                "progress": None
                if live is None
                else progress.progress(live=live, baseline=baseline, target=target.value),
                "expected": progress.expected(
                    set_on=target.set_at.date(), year=target.year, today=day
                ),
                "status": progress.status_of(
                    live=live,
                    baseline=baseline,
                    target=target.value,
                    set_on=target.set_at.date(),
                    year=target.year,
                    today=day,
                    falls=bool(spec and spec.falls),
                ),
            }
        )
    return rows


def target(*, target_id: int) -> Target | None:
    return Target.objects.filter(pk=target_id).first()


def owner(*, organisation_id: int) -> Organisation | None:
    """An organisation that may own an action (a ministry, agency or the secretariat)."""
    return Organisation.objects.filter(pk=organisation_id, kind__in=OWNER_KINDS).first()


def is_overdue(action: Action, *, on: dt.date | None = None) -> bool:
    """Still planned or in progress after its due date (the rule /strategy/ flags)."""
    return action.status in OPEN_ACTION and action.due_on < (on or today())


def action_rows(
    *, country_code: str | None = None, on: dt.date | None = None
) -> list[dict[str, Any]]:
    day = on or today()
    actions = Action.objects.select_related("owner", "decision")
    if country_code:
        actions = actions.filter(country_code=country_code)
    return [{"action": a, "overdue": is_overdue(a, on=day)} for a in actions]


def decisions(*, country_code: str | None = None) -> list[Decision]:
    queryset = Decision.objects.prefetch_related("actions")
    if country_code:
        queryset = queryset.filter(country_code=country_code)
    return list(queryset)


def owner_choices() -> list[Organisation]:
    return list(Organisation.objects.filter(kind__in=OWNER_KINDS).order_by("country_code", "name"))


INVESTOR_COLUMNS = (
    "region",
    "evs",
    "evs_registered_this_year",
    "evs_registered_last_year",
    "need_kw",
    "installed_kw",
    "gap_kw",
    "evs_per_point",
    "permit_median_days",
    "operators",
    "open_ppp_calls",
)


def investor_view(*, country_code: str) -> dict[str, Any]:
    """Per region: the fleet and its growth, the kW gap, permit times, operators present and
    open PPP calls. Utilisation and reliability come with the reliability work (not here)."""
    year = today().year
    fleet: dict[str, dict[int, int]] = {}
    for region, y, _p, n in insights_sources.fleet_counts(country_code=country_code):
        fleet.setdefault(region, {})
        fleet[region][y] = fleet[region].get(y, 0) + n
    adequacy = {
        r["region"]: r
        for r in insights_selectors.published_report(kind="adequacy", country=country_code)[
            "regions"
        ]
    }
    median = permit_statistics.permit_statistics(country_code=country_code)["countries"][
        country_code
    ]["days_to_permit"]["median_days"]
    operators = registry_selectors.operators_by_region(country_code=country_code)
    calls = ppp_selectors.open_calls_by_region(country_code=country_code)
    rows = []
    for region in sorted(set(fleet) | set(adequacy) | set(operators) | set(calls)):
        years = fleet.get(region, {})
        row = adequacy.get(region, {})
        rows.append(
            {
                "region": region or "—",
                "evs": sum(years.values()),
                "evs_registered_this_year": years.get(year, 0),
                "evs_registered_last_year": years.get(year - 1, 0),
                "need_kw": row.get("need_kw"),
                "installed_kw": row.get("installed_kw"),
                "gap_kw": row.get("gap_kw"),
                "evs_per_point": row.get("evs_per_point"),
                "permit_median_days": median,
                "operators": "; ".join(operators.get(region, [])),
                "open_ppp_calls": calls.get(region, 0),
            }
        )
    return {"country": country_code, "year": year, "rows": rows, "permit_median_days": median}
