"""Demo strategy desk, generated and marked source="demo": targets from the seeds, actions
owned by the bodies the seeds name, one working-group decision, a year of operators' energy
uploads for some Bishkek stations, and the current quarter's report.

Targets (the seminar in Bishkek, March 2026, and the Kazakh production plan, October 2020):
15,000 EVs a year imported into Kyrgyzstan from 2026 (the duty-free quota), 230+ public
stations, the quota used in full; 2,000 domestically produced EVs in Kazakhstan in 2022; and,
as stated assumptions of the demo, AFIR's 1.3 kW per BEV by 2027 and a CO2-avoided figure.
Owners: the Climate Finance Center under the Cabinet of Ministers and the Ministry of Economy
and Commerce (KG); Kazakhstan Industry Fund JSC and the Association of Kazakhstan Auto
Business (KZ). Runs after the fleet, registry, permits, quotas and PPP demos.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import User
from django.utils import timezone

from kubat.accounts.models import Organisation
from kubat.registry import selectors as registry_selectors
from kubat.strategy import reports, services
from kubat.strategy.models import ActionStatus, Target

OWNERS = {
    "cfc": ("Climate Finance Center under the Cabinet of Ministers (KG)", "KG"),
    "mec": ("Ministry of Economy and Commerce (KG)", "KG"),
    "kif": ("Kazakhstan Industry Fund JSC (KZ)", "KZ"),
    "akab": ("Association of Kazakhstan Auto Business (KZ)", "KZ"),
}
SEMINAR = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
KZ_PLAN = dt.datetime(2020, 10, 22, 9, 0, tzinfo=dt.UTC)
SEMINAR_ACT = (
    "Seminar 'On the Path to a National Strategy for Electric Mobility', Bishkek, 2 Mar 2026"
)
QUOTA_ACT = (
    "EEC Council decision on the duty-free EV import quota (CU Commission Decision No. 130, 7.1.38)"
)
TARGETS = [
    # (indicator, country, region, year, value, baseline, set at, legal act)
    ("evs_registered_in_year", "KG", "", 2026, 15_000, 0, SEMINAR, QUOTA_ACT),
    ("public_locations", "KG", "", 2026, 230, 200, SEMINAR, SEMINAR_ACT),
    ("public_locations", "KG", "Bishkek", 2026, 60, 50, SEMINAR, SEMINAR_ACT),
    ("quota_uptake_pct", "KG", "", 2026, 100, 0, SEMINAR, QUOTA_ACT),
    (
        "public_kw_per_bev",
        "KG",
        "",
        2027,
        1.3,
        None,
        SEMINAR,
        "Demo assumption: AFIR (EU) 2023/1804 art. 3, 1.3 kW per BEV, as a reference",
    ),
    (
        "co2_avoided_t",
        "KG",
        "",
        2026,
        60_000,
        0,
        SEMINAR,
        "Demo assumption: green-economy programme (figure invented for the demo)",
    ),
    (
        "permit_median_days",
        "KG",
        "",
        2026,
        30,
        None,
        SEMINAR,
        "Single window for state construction expertise (about 170 working days cut to 30)",
    ),
    (
        "domestic_production_pct",
        "KZ",
        "",
        2022,
        100,
        0,
        KZ_PLAN,
        "Government meeting at the National Automobile Pavilion, 22 Oct 2020: 2,000 units in 2022",
    ),
    (
        "public_locations",
        "KZ",
        "Astana",
        2026,
        50,
        50,
        KZ_PLAN,
        "Demo assumption: more than 50 stations in Astana (2020 figure) kept",
    ),
]
ACTIONS = [
    # (owner, country, title, due, status, evidence, from the decision)
    (
        "cfc",
        "KG",
        "Create the interdepartmental working group and its secretariat",
        dt.date(2026, 6, 30),
        ActionStatus.DONE,
        "Working group set up (demo record)",
        True,
    ),
    (
        "mec",
        "KG",
        "Approve uniform charging standards (the KG profile)",
        dt.date(2026, 9, 30),
        ActionStatus.IN_PROGRESS,
        "",
        True,
    ),
    (
        "mec",
        "KG",
        "Run the single window for charging-station permits",
        dt.date(2027, 3, 31),
        ActionStatus.IN_PROGRESS,
        "",
        True,
    ),
    (
        "cfc",
        "KG",
        "Offer PPP sites along the Bishkek–Osh road",
        dt.date(2027, 6, 30),
        ActionStatus.IN_PROGRESS,
        "PPP calls published in Kubat",
        True,
    ),
    (
        "kif",
        "KZ",
        "Finance the 2,000-unit domestic EV production plan",
        dt.date(2022, 12, 31),
        ActionStatus.IN_PROGRESS,
        "",
        False,
    ),
    (
        "akab",
        "KZ",
        "Report domestic production and exports by destination",
        dt.date(2027, 1, 31),
        ActionStatus.PLANNED,
        "",
        False,
    ),
]


def _owners() -> dict[str, Organisation]:
    return {
        key: Organisation.objects.get_or_create(
            name=name, defaults={"kind": Organisation.Kind.SECRETARIAT, "country_code": cc}
        )[0]
        for key, (name, cc) in OWNERS.items()
    }


def _energy(rng: random.Random, *, year: int, months: int) -> int:
    """Monthly kWh for up to 12 public Bishkek stations (the registry demo's), Jan to now."""
    rows = ["party,location_id,country_code,region,month,kwh"]
    picked = 0
    for location in registry_selectors.iter_locations(country_code="KG"):
        if location.region != "Bishkek" or picked >= 12:
            continue
        picked += 1
        for month in range(1, months + 1):
            kwh = round(rng.uniform(2_000, 9_000), 1)
            rows.append(
                f"{location.party.key},{location.ocpi_id},KG,Bishkek,{year}-{month:02d},{kwh}"
            )
    if picked:
        services.import_energy(text="\n".join(rows) + "\n", source="demo")
    return picked


def load_demo(*, seed: int, now: dt.datetime | None = None) -> dict[str, int]:
    if Target.objects.filter(source="demo").exists():
        return {"strategy_targets": 0}
    now = (now or timezone.now()).replace(microsecond=0)
    rng = random.Random(seed)
    secretariat = User.objects.get(username="demo-secretariat")  # made by the permits demo
    owners = _owners()
    for indicator, cc, region, year, value, baseline, set_at, act in TARGETS:
        services.add_target(
            user=secretariat,
            indicator=indicator,
            country_code=cc,
            region=region,
            year=year,
            value=value,
            baseline=baseline,
            legal_act=act,
            now=min(set_at, now),
            source="demo",
        )
    decision = services.record_decision(
        user=secretariat,
        country_code="KG",
        decided_on=SEMINAR.date(),
        title="Adopt the seminar's recommendations on electric mobility",
        text="Working group and secretariat, single window, uniform standards, PPP.",
        source="demo",
    )
    for key, cc, title, due, status, evidence, from_decision in ACTIONS:
        action = services.add_action(
            user=secretariat,
            country_code=cc,
            title=title,
            owner=owners[key],
            due_on=due,
            evidence=evidence,
            decision=decision if from_decision else None,
            now=min(SEMINAR, now),
            source="demo",
        )
        if status != ActionStatus.PLANNED:
            services.set_action_status(user=secretariat, action=action, status=status)
    stations = _energy(rng, year=now.year, months=now.month)
    quarter = f"{now.year}Q{(now.month - 1) // 3 + 1}"
    reports.generate_quarterly(quarter=quarter, now=now)
    return {
        "strategy_targets": len(TARGETS),
        "strategy_actions": len(ACTIONS),
        "energy_stations": stations,
        "quarterly_reports": 1,
    }
