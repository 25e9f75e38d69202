"""The quota periods as published (shared/facts.md), created by `kubat quotas load-periods`.

Volumes: Kyrgyzstan 5,000 (2022), 10,000 a year (2023-2025), 15,000 (2026, pure electric and
series hybrids); Kazakhstan 10,000 (2022), 15,000 a year (2023-2025). Legal hook: Customs Union
Commission Decision No. 130 (2009), sub-para 7.1.38, EAEU code 8703 80 000 x. Opening times are
local midnight on 1 January (Bishkek and Almaty UTC+6 during these years, a simplification).
Kyrgyzstan's 2022-2025 quotas were used up (about 35,000 EVs imported duty-free 2022-2025);
the 2025 quotas ran out on 25 September (KG) and 14 October (KZ). Kazakhstan allowed one EV
per person for personal use, hence its per-declarant cap of 1.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kubat.quotas import audit, services
from kubat.quotas.enums import DeclarantKind, Source
from kubat.quotas.models import PeriodBalance, QuotaPeriod

LOCAL = dt.timezone(dt.timedelta(hours=6))
LEGAL_ACT = (
    "Customs Union Commission Decision No. 130 (27 Nov 2009), sub-para 7.1.38 "
    "(EAEU CN FEA 8703 80 000 x); annual volume by Eurasian Economic Commission Council decision"
)
LEGAL_ACT_KG_2026 = (
    LEGAL_ACT + "; from 2026 also series hybrids (as published: pure electric and series "
    "hybrids; the text of the decision was not available offline, check the headings)"
)
# A quota car may not be sold to, or used by, residents of other EAEU states for 3 years from
# clearance. Which states exactly is set per decision; until checked, every other member.
EAEU = ("AM", "BY", "KG", "KZ", "RU")
BEV = ["BEV"]
BEV_EREV = ["BEV", "EREV"]
TARIFF_BEV = ["8703 80"]
# Series hybrids (EREV) are declared under the plug-in hybrid headings.
TARIFF_BEV_EREV = ["8703 80", "8703 60", "8703 70"]

# country, year, volume, powertrains, tariff codes, cap, used up on (local date), note
PERIODS: list[tuple[str, int, int, list[str], list[str], int | None, dt.date | None, str]] = [
    ("KG", 2022, 5_000, BEV, TARIFF_BEV, None, None, "used up (sum of quotas 2022-2025)"),
    ("KG", 2023, 10_000, BEV, TARIFF_BEV, None, None, "used up (sum of quotas 2022-2025)"),
    ("KG", 2024, 10_000, BEV, TARIFF_BEV, None, None, "used up (sum of quotas 2022-2025)"),
    ("KG", 2025, 10_000, BEV, TARIFF_BEV, None, dt.date(2025, 9, 25), "used up on 25 Sep 2025"),
    ("KG", 2026, 15_000, BEV_EREV, TARIFF_BEV_EREV, None, None, "pure electric and series hybrids"),
    ("KZ", 2022, 10_000, BEV, TARIFF_BEV, 1, None, "outcome not in our sources"),
    ("KZ", 2023, 15_000, BEV, TARIFF_BEV, 1, None, "outcome not in our sources"),
    ("KZ", 2024, 15_000, BEV, TARIFF_BEV, 1, None, "outcome not in our sources"),
    ("KZ", 2025, 15_000, BEV, TARIFF_BEV, 1, dt.date(2025, 10, 14), "used up on 14 Oct 2025"),
]
NAMES = {"KG": "Kyrgyzstan", "KZ": "Kazakhstan"}


def load_periods(*, seed: str = "", source: str = Source.PUBLISHED) -> list[QuotaPeriod]:
    """Create the published periods that do not exist yet; returns those created.

    A period that ended used up gets its published outcome as one audit event ("published
    outcome", allocated = volume), so that balance and audit agree without inventing
    certificates; periods whose outcome is unknown keep a zero balance.
    """
    created = []
    for country, year, volume, powertrains, tariffs, cap, used_up, note in PERIODS:
        name = f"{NAMES[country]} {year} duty-free EV quota"
        if QuotaPeriod.objects.filter(country_code=country, year=year, name=name).exists():
            continue
        fields: dict[str, Any] = {
            "country_code": country,
            "year": year,
            "name": name,
            "volume": volume,
            "opens_at": dt.datetime(year, 1, 1, tzinfo=LOCAL),
            "closes_at": dt.datetime(year + 1, 1, 1, tzinfo=LOCAL),
            "powertrains": powertrains,
            "tariff_codes": tariffs,
            "declarant_kinds": [DeclarantKind.PERSON.value]
            if country == "KZ"
            else [DeclarantKind.PERSON.value, DeclarantKind.COMPANY.value],
            "per_declarant_cap": cap,
            "note": note,
            "source": source,
            "legal_act": LEGAL_ACT_KG_2026 if (country, year) == ("KG", 2026) else LEGAL_ACT,
            "resale_barred": {pt: [c for c in EAEU if c != country] for pt in powertrains},
        }
        if seed:
            fields["tie_break_seed"] = f"{seed}-{country}{year}"
        period = services.create_period(**fields)
        created.append(period)
        if "used up" in note:
            at = (
                dt.datetime.combine(used_up, dt.time(12), tzinfo=LOCAL)
                if used_up
                else period.closes_at - dt.timedelta(seconds=1)
            )
            _record_published_outcome(period=period, at=min(at, timezone.now()))
    return created


def _record_published_outcome(*, period: QuotaPeriod, at: dt.datetime) -> None:
    balance = PeriodBalance.objects.select_for_update().get(period=period)
    balance.allocated = balance.cleared = period.volume
    balance.save(update_fields=["allocated", "cleared", "updated_at"])
    period.exhausted_at = at
    period.save(update_fields=["exhausted_at"])
    audit.record(
        [
            audit.event(
                at=at,
                actor=None,
                action="period.published_outcome",
                obj=period,
                period=period,
                before={"allocated": 0, "cleared": 0},
                after={"allocated": period.volume, "cleared": period.volume, "note": period.note},
                allocated_delta=period.volume,
                cleared_delta=period.volume,
            )
        ]
    )
