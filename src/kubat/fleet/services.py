"""Fleet writes and look-ups: the model catalogue, registrations (CSV, all-or-nothing), production.

Services run inside the caller's transaction and never commit halfway. Every write of a
registration goes through this module (`import_registrations`, `save_registration`,
`delete_registration`), which keeps `RegistrationCount` (registrations per country, region,
year, powertrain, model and source) in step, so insights never groups the registrations themselves.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, F, Q
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext

from kubat.core import csvsafe
from kubat.core.countries import to_alpha2
from kubat.core.errors import InvalidInput
from kubat.fleet.enums import Origin, Powertrain, Source
from kubat.fleet.models import (
    DomesticProduction,
    EVModel,
    ProductionExport,
    Registration,
    RegistrationCount,
)
from kubat.fleet.vin import normalise_vin, vin_problem

REGISTRATION_COLUMNS = (
    "vin",
    "make",
    "model",
    "powertrain",
    "country",
    "region",
    "registered_on",
    "origin",
)


def catalogue_rows() -> list[dict[str, Any]]:
    """The seeded catalogue (fleet/data/ev_models.json), as published by the makers."""
    text = resources.files("kubat.fleet").joinpath("data/ev_models.json").read_text("utf-8")
    rows: list[dict[str, Any]] = json.loads(text)
    return rows


def load_catalogue() -> int:
    """Create or update every catalogue model from the seed file; returns how many rows."""
    forget_catalogue_cache()
    for row in catalogue_rows():
        values = {k: v for k, v in row.items() if k not in ("make", "model", "variant")}
        EVModel.objects.update_or_create(
            make=row["make"],
            model=row["model"],
            variant=row["variant"],
            defaults={**values, "source": Source.PUBLISHED},
        )
    return len(catalogue_rows())


def find_model(*, make: str, model: str) -> EVModel | None:
    """The catalogue entry for a make and model (case-insensitive, first variant), or None."""
    return (
        EVModel.objects.filter(make__iexact=make.strip(), model__iexact=model.strip())
        .order_by("variant")
        .first()
    )


@dataclass(slots=True)
class ImportReport:
    """What an import did: rows created, or every rejected line with its reason."""

    created: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def _registration_from_row(
    row: Mapping[str, str], seen: set[str], known: dict[tuple[str, str], EVModel | None]
) -> Registration:
    vin = normalise_vin(row.get("vin") or "")
    if problem := vin_problem(vin):
        raise InvalidInput(problem, field="vin")
    if vin in seen:
        raise InvalidInput(gettext("VIN repeated in this file"), field="vin")
    powertrain = (row.get("powertrain") or "").strip().upper()
    if powertrain not in Powertrain.values:
        raise InvalidInput(
            gettext("powertrain must be one of %(values)s") % {"values": Powertrain.values},
            field="powertrain",
        )
    origin = (row.get("origin") or "").strip().lower()
    if origin not in Origin.values:
        raise InvalidInput(
            gettext("origin must be one of %(values)s") % {"values": Origin.values}, field="origin"
        )
    try:
        registered_on = dt.date.fromisoformat((row.get("registered_on") or "").strip())
    except ValueError:
        raise InvalidInput(gettext("date must be YYYY-MM-DD"), field="registered_on") from None
    make, model = (row.get("make") or "").strip(), (row.get("model") or "").strip()
    if not make or not model:
        raise InvalidInput(gettext("make and model are required"), field="model")
    region = (row.get("region") or "").strip()
    # PostgreSQL refuses an over-long value with a DataError that would abort the whole import
    # as a crash; say which column is too long instead, like any other bad line.
    for name, value in (("make", make), ("model", model), ("region", region)):
        limit = cast(CharField[str, str], Registration._meta.get_field(name)).max_length
        if limit is not None and len(value) > limit:
            raise InvalidInput(
                gettext("%(name)s is longer than %(limit)s characters")
                % {"name": name, "limit": limit},
                field=name,
            )
    key = (make.lower(), model.lower())
    if key not in known:
        known[key] = find_model(make=make, model=model)
    seen.add(vin)
    return Registration(
        vin=vin,
        ev_model=known[key],
        make=make,
        model=model,
        powertrain=powertrain,
        country_code=to_alpha2(row.get("country") or "", field="country"),
        region=region,
        registered_on=registered_on,
        origin=origin,
        source=Source.IMPORT,
    )


def import_registrations(
    *, rows: Iterable[Mapping[str, str]], source: str = Source.IMPORT
) -> ImportReport:
    """Register every row, or none: one bad row rejects the file, with every bad line reported.

    A VIN already registered is a rejection too (the file is meant to add vehicles, and a silent
    overwrite would hide a typo). Line numbers count the header as line 1.
    """
    report = ImportReport()
    seen: set[str] = set()
    known: dict[tuple[str, str], EVModel | None] = {}
    pending: list[tuple[int, Registration]] = []
    for line, row in enumerate(rows, start=2):
        try:
            registration = _registration_from_row(row, seen, known)
        except InvalidInput as exc:
            report.rejected.append({"line": line, "field": exc.field, "reason": exc.message})
            continue
        registration.source = source
        pending.append((line, registration))
    vins = [r.vin for _, r in pending]
    existing: set[str] = set()
    for start in range(0, len(vins), 5000):  # SQLite caps the number of query parameters
        chunk = vins[start : start + 5000]
        existing.update(Registration.objects.filter(vin__in=chunk).values_list("vin", flat=True))
    for line, registration in pending:
        if registration.vin in existing:
            report.rejected.append(
                {"line": line, "field": "vin", "reason": "VIN already registered"}
            )
    if report.rejected:
        report.rejected.sort(key=lambda r: r["line"])
        return report
    Registration.objects.bulk_create([r for _, r in pending], batch_size=2000)
    apply_registration_delta(Counter(count_key(r) for _, r in pending))
    report.created = len(pending)
    return report


# --- Maintained counts: RegistrationCount ------------------------------------------------------

# country, region, year, powertrain, model id (0: none), source
CountKey = tuple[str, str, int, str, int, str]


def count_key(registration: Registration) -> CountKey:
    """The RegistrationCount row a registration counts in."""
    return (
        registration.country_code,
        registration.region,
        registration.registered_on.year,
        registration.powertrain,
        registration.ev_model_id or 0,
        registration.source,
    )


def apply_registration_delta(delta: Mapping[CountKey, int]) -> None:
    """Add `delta` to the registration counts, inside the caller's transaction.

    Rows are updated in sorted key order so that two concurrent imports lock them in the same
    order and cannot deadlock; a missing row is created under a savepoint, and a concurrent
    creation of the same row falls back to the update (the registry's StatCounter does the same).
    """
    for key, value in sorted(delta.items()):
        if value == 0:
            continue
        country, region, year, powertrain, model_id, source = key
        rows = RegistrationCount.objects.filter(
            country_code=country,
            region=region,
            year=year,
            powertrain=powertrain,
            model_id=model_id,
            source=source,
        )
        if rows.update(vehicles=F("vehicles") + value):
            continue
        try:
            with transaction.atomic():
                RegistrationCount.objects.create(
                    country_code=country,
                    region=region,
                    year=year,
                    powertrain=powertrain,
                    model_id=model_id,
                    source=source,
                    vehicles=value,
                )
        except IntegrityError:
            rows.update(vehicles=F("vehicles") + value)


def save_registration(*, registration: Registration) -> None:
    """Save one registration edited by hand (the admin) and move its count if its region,
    year, powertrain, model or source changed."""
    delta: Counter[CountKey] = Counter({count_key(registration): 1})
    if registration.pk is not None:
        stored = Registration.objects.filter(pk=registration.pk).first()
        if stored is not None:
            delta[count_key(stored)] -= 1
    registration.save()
    apply_registration_delta(delta)


def delete_registration(*, registration: Registration) -> None:
    """Delete one registration (the admin) and take it out of the counts."""
    stored = Registration.objects.filter(pk=registration.pk).first()
    if stored is None:
        return
    stored.delete()
    apply_registration_delta({count_key(stored): -1})


def rebuild_registration_counts() -> int:
    """Recompute RegistrationCount from the registrations, set-based (one GROUP BY).

    For a restore, a bulk SQL load (the benchmarks) and the proof that the maintained counts
    are right. Returns the number of count rows.
    """
    RegistrationCount.objects.all().delete()
    rows = (
        Registration.objects.annotate(year=ExtractYear("registered_on"))
        .values_list("country_code", "region", "year", "powertrain", "ev_model_id", "source")
        .annotate(n=Count("id"))
        .order_by()
    )
    RegistrationCount.objects.bulk_create(
        (
            RegistrationCount(
                country_code=cc,
                region=region,
                year=year,
                powertrain=powertrain,
                model_id=model_id or 0,
                source=source,
                vehicles=n,
            )
            for cc, region, year, powertrain, model_id, source, n in rows
        ),
        batch_size=2000,
    )
    return RegistrationCount.objects.count()


def registration_counts(*, country_code: str) -> list[tuple[str, int, str, int | None, int]]:
    """(region, year, powertrain, model id or None, vehicles) of one country: the maintained
    counts, a few hundred rows whatever the size of the register."""
    rows = (
        RegistrationCount.objects.filter(country_code=country_code)
        .exclude(vehicles=0)
        .values_list("region", "year", "powertrain", "model_id", "vehicles")
    )
    return [(r, int(y), p, m or None, int(n)) for r, y, p, m, n in rows]


def has_demo_registrations(*, country_code: str) -> bool:
    """Whether a country's register holds generated demo rows, from the maintained counts (a
    few hundred rows; the register itself has no index on source)."""
    return RegistrationCount.objects.filter(
        country_code=country_code, source=Source.DEMO, vehicles__gt=0
    ).exists()


def parse_registrations_csv(*, text: str) -> list[dict[str, str]]:
    """Rows of a registrations CSV with the REGISTRATION_COLUMNS header (extra columns ignored)."""
    reader = csvsafe.DictReader(io.StringIO(text))
    try:
        missing = [c for c in REGISTRATION_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(
                gettext("CSV header lacks %(value1)s") % {"value1": ", ".join(missing)},
                field="file",
            )
        return list(reader)
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise InvalidInput(
            gettext("not a readable CSV: %(exc)s") % {"exc": exc}, field="file"
        ) from None


def record_production(
    *,
    country_code: str,
    year: int,
    maker: str,
    model: str = "",
    planned_units: int | None,
    produced_units: int | None,
    home_market_units: int | None = None,
    exports: Mapping[str, int] | None = None,
    note: str = "",
    source: str = Source.MANUAL,
) -> DomesticProduction:
    """Record or update one maker's (and model's; blank for all models) year: planned and
    produced units, how many stayed on the home market and the exports per destination.

    InvalidInput naming the field: negative units, a destination that is no country or is the
    producing country, or home market plus exports beyond what was produced. `exports`, when
    given, replaces the row's exports.
    """
    for name, value in (
        ("planned_units", planned_units),
        ("produced_units", produced_units),
        ("home_market_units", home_market_units),
    ):
        if value is not None and value < 0:
            raise InvalidInput(
                gettext("%(value1)s cannot be negative") % {"value1": name.replace("_", " ")},
                field=name,
            )
    country = to_alpha2(country_code)
    destinations: dict[str, int] = {}
    for code, units in (exports or {}).items():
        destination = to_alpha2(code, field="exports")
        if destination == country:
            raise InvalidInput(gettext("an export goes to another country"), field="exports")
        if units < 0:
            raise InvalidInput(gettext("exported units cannot be negative"), field="exports")
        destinations[destination] = destinations.get(destination, 0) + units
    shipped = (home_market_units or 0) + sum(destinations.values())
    if produced_units is not None and shipped > produced_units:
        raise InvalidInput(
            gettext("home market and exports (%(shipped)s) exceed the %(produced_units)s produced")
            % {"shipped": shipped, "produced_units": produced_units},
            field="exports",
        )
    row, _ = DomesticProduction.objects.update_or_create(
        country_code=country,
        year=year,
        maker=maker,
        model=model.strip(),
        defaults={
            "planned_units": planned_units,
            "produced_units": produced_units,
            "home_market_units": home_market_units,
            "note": note,
            "source": source,
        },
    )
    if exports is not None:
        row.exports.all().delete()
        ProductionExport.objects.bulk_create(
            [
                ProductionExport(production=row, destination_country=c, units=n)
                for c, n in sorted(destinations.items())
            ]
        )
    return row


def production_report(*, country_code: str | None = None) -> list[dict[str, Any]]:
    """Per maker and year: the plan against what was produced, with each model's row, the home
    market and the exports by destination.

    The plan is the maker-level row's (model blank) when there is one, else the sum of the
    models' plans; produced is the sum over the models when they report, else the maker-level
    figure. `attainment_pct` is produced / planned, None while either is unknown.
    """
    rows = DomesticProduction.objects.prefetch_related("exports").order_by(
        "country_code", "year", "maker", "model"
    )
    if country_code:
        rows = rows.filter(country_code=to_alpha2(country_code))
    groups: dict[tuple[str, int, str], list[DomesticProduction]] = {}
    for row in rows:
        groups.setdefault((row.country_code, row.year, row.maker), []).append(row)
    report = []
    for (country, year, maker), members in groups.items():
        overall = next((m for m in members if not m.model), None)
        models = [m for m in members if m.model]
        planned = (
            overall.planned_units
            if overall and overall.planned_units is not None
            else (_sum_known([m.planned_units for m in models]))
        )
        produced = (
            _sum_known([m.produced_units for m in models])
            if models
            else (overall.produced_units if overall else None)
        )
        exports: dict[str, int] = {}
        for m in members:
            for e in m.exports.all():
                exports[e.destination_country] = exports.get(e.destination_country, 0) + e.units
        report.append(
            {
                "country_code": country,
                "year": year,
                "maker": maker,
                "planned_units": planned,
                "produced_units": produced,
                "attainment_pct": round(100 * produced / planned, 1)
                if planned and produced is not None
                else None,
                "home_market_units": _sum_known([m.home_market_units for m in members]),
                "exported_units": sum(exports.values()),
                "exports": [{"country_code": c, "units": n} for c, n in sorted(exports.items())],
                "models": [
                    {
                        "model": m.model,
                        "planned_units": m.planned_units,
                        "produced_units": m.produced_units,
                        "home_market_units": m.home_market_units,
                        "exports": [
                            {"country_code": e.destination_country, "units": e.units}
                            for e in m.exports.all()
                        ],
                    }
                    for m in models
                ],
                "note": "; ".join(m.note for m in members if m.note),
                "source": ", ".join(sorted({m.source for m in members})),
            }
        )
    return report


def _sum_known(values: list[int | None]) -> int | None:
    """The sum of the known values; None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def fleet_by_year(*, country_code: str) -> list[dict[str, Any]]:
    """Registrations per year and origin for one country (counts, not cumulative)."""
    rows = (
        Registration.objects.filter(country_code=country_code)
        .annotate(year=ExtractYear("registered_on"))
        .values("year")
        .annotate(
            total=Count("id"),
            quota_import=Count("id", filter=Q(origin=Origin.QUOTA_IMPORT)),
            domestic=Count("id", filter=Q(origin=Origin.DOMESTIC)),
            demo=Count("id", filter=Q(source=Source.DEMO)),
        )
        .order_by("year")
    )
    return [dict(row) for row in rows]


def registered_vins(*, vins: Iterable[str]) -> set[str]:
    """Which of `vins` are in the register (any country), for the quota reconciliation."""
    wanted = list(vins)
    found: set[str] = set()
    for i in range(0, len(wanted), 5000):  # SQLite's limit on query parameters
        found.update(
            Registration.objects.filter(vin__in=wanted[i : i + 5000]).values_list("vin", flat=True)
        )
    return found


def quota_import_registrations(
    *, country_code: str, since: dt.date, until: dt.date
) -> list[dict[str, Any]]:
    """Registrations marked as duty-free quota imports in a country between two dates."""
    rows = (
        Registration.objects.filter(
            country_code=country_code,
            origin=Origin.QUOTA_IMPORT,
            registered_on__gte=since,
            registered_on__lte=until,
        )
        .order_by("registered_on", "vin")
        .values("vin", "registered_on", "region", "country_code")
    )
    return [dict(row) for row in rows]


def as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_CATALOGUE_TTL_S = 30.0
_catalogue_cache: tuple[float, dict[tuple[str, str], str]] | None = None


def catalogue_powertrains() -> dict[tuple[str, str], str]:
    """(make, model) in lower case → powertrain, for the eligibility checks of quota requests.

    Cached per process for 30 s: the catalogue changes a few times a year, and a quota rush
    asks for it thousands of times a minute. A new model is therefore known within 30 s.
    """
    global _catalogue_cache
    now = time.monotonic()
    if _catalogue_cache is None or now - _catalogue_cache[0] > _CATALOGUE_TTL_S:
        rows = EVModel.objects.values_list("make", "model", "powertrain")
        _catalogue_cache = (now, {(m.lower(), n.lower()): p for m, n, p in rows})
    return _catalogue_cache[1]


def forget_catalogue_cache() -> None:
    global _catalogue_cache
    _catalogue_cache = None
