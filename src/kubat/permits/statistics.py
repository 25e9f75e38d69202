"""How long permits really take: medians and 90th percentiles from the cases themselves.

Durations are calendar days (86,400 s) between recorded timestamps, to one decimal, because
that is what an investor plans with; statutory terms in business days are shown elsewhere.

- days to permit: first submission → permit issued (cases that have a permit);
- per stage: completeness (last submission → accepted), review (accepted → decided),
  construction (issued → grid acceptance requested), grid acceptance (requested → accepted),
  commissioning (grid accepted → in the registry);
- per agency: clock start → decision, minus the time its clock stood still waiting for the
  applicant's answers, and the share of its decisions made within the deadline (a silence
  deemed as consent counts as late);
- counts by status.

Percentiles use linear interpolation between order statistics (the "inclusive" method of
`statistics.quantiles`, numpy's default). Only organisations appear, never people; demo cases
count like others, and the API says when demo data is present.
"""

from __future__ import annotations

import statistics as stats
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import Count

from kubat.permits.models import GIVEN_APPROVAL, Approval, ApprovalStatus, PermitCase
from kubat.permits.tracks import countries, rules_for

DAY = 86400.0
STAGES = (
    ("completeness", "submitted_at", "accepted_at"),
    ("review", "accepted_at", "decided_at"),
    ("construction", "decided_at", "grid_requested_at"),
    ("grid_acceptance", "grid_requested_at", "grid_accepted_at"),
    ("commissioning", "grid_accepted_at", "commissioned_at"),
)


def _days(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / DAY


def summarise(values: list[float]) -> dict[str, Any]:
    """n, median and 90th percentile (days, one decimal); None values when n is 0."""
    if not values:
        return {"n": 0, "median_days": None, "p90_days": None}
    ordered = sorted(values)
    p90 = ordered[0] if len(ordered) == 1 else stats.quantiles(ordered, n=10, method="inclusive")[8]
    return {
        "n": len(ordered),
        "median_days": round(stats.median(ordered), 1),
        "p90_days": round(p90, 1),
    }


def _country(country_code: str) -> dict[str, Any]:
    rules = rules_for(country_code)
    cases = PermitCase.objects.filter(country_code=country_code)
    stamps = sorted({f for _, a, b in STAGES for f in (a, b)})
    fields = ["track", "first_submitted_at", "permit_number", "source", *stamps]
    to_permit: list[float] = []
    by_track: dict[str, list[float]] = defaultdict(list)
    by_stage: dict[str, list[float]] = defaultdict(list)
    demo = False
    for row in cases.exclude(first_submitted_at=None).values(*fields):
        demo = demo or row["source"] == "demo"
        if row["permit_number"]:
            days = _days(row["first_submitted_at"], row["decided_at"])
            if days is not None:
                to_permit.append(days)
                by_track[row["track"]].append(days)
        for stage, start, end in STAGES:
            if stage == "construction" and not row["permit_number"]:
                continue
            days = _days(row[start], row[end])
            if days is not None:
                by_stage[stage].append(days)
    titles = {t.code: t.title for t in rules.tracks}
    return {
        "days_to_permit": summarise(to_permit),
        "by_track": {
            code: {"title": titles.get(code, code), **summarise(by_track.get(code, []))}
            for code in titles
        },
        "by_stage": {stage: summarise(by_stage.get(stage, [])) for stage, _, _ in STAGES},
        "by_agency": _agencies(country_code),
        "counts_by_status": _counts(cases),
        "contains_demo_data": demo,
    }


def _agencies(country_code: str) -> list[dict[str, Any]]:
    decided = (
        Approval.objects.filter(case__country_code=country_code)
        .filter(status__in=(*GIVEN_APPROVAL, ApprovalStatus.REJECTED))
        .exclude(started_at=None)
        .select_related("agency")
        .prefetch_related("info_requests")
    )
    days: dict[tuple[str, str], list[float]] = defaultdict(list)
    on_time: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for approval in decided:
        key = (approval.agency.name, approval.authority)
        stopped = sum(
            (q.answered_at - q.asked_at).total_seconds() / DAY
            for q in approval.info_requests.all()
            if q.answered_at is not None
            and approval.decided_at
            and q.answered_at <= approval.decided_at
        )
        elapsed = _days(approval.started_at, approval.decided_at)
        if elapsed is not None:
            days[key].append(max(elapsed - stopped, 0.0))
        if approval.within_deadline is not None:
            on_time[key].append(approval.within_deadline)
    result = []
    for (name, authority), values in sorted(days.items()):
        flags = on_time[(name, authority)]
        result.append(
            {
                "agency": name,
                "authority": authority,
                **summarise(values),
                "within_deadline_share": round(sum(flags) / len(flags), 3) if flags else None,
            }
        )
    return result


def _counts(cases: Any) -> dict[str, int]:
    from kubat.permits.models import CaseStatus

    counts = dict.fromkeys(CaseStatus.values, 0)
    for row in cases.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def permit_statistics(*, country_code: str | None = None) -> dict[str, Any]:
    """Statistics per country (all countries with track files, or the one asked for)."""
    codes = [country_code.upper()] if country_code else countries()
    for code in codes:
        rules_for(code)  # NotFound for a country without tracks
    return {"countries": {code: _country(code) for code in codes}}
