"""Insights writes: corridors from GeoJSON, candidate sites from CSV, supply snapshots, runs.

Services run inside the caller's transaction and never commit halfway: an import checks every
feature or line first and writes nothing when one is wrong, raising InvalidInput whose field
names the feature (`features[3].properties.code`) or the line (`line 4: lat`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.utils.translation import gettext
from shapely.geometry import MultiLineString
from shapely.ops import linemerge

from kubat.core import csvsafe
from kubat.core.countries import to_alpha2
from kubat.core.errors import Conflict, InvalidInput, KubatError
from kubat.insights import sources
from kubat.insights.models import (
    CandidateSite,
    Corridor,
    ProjectionScenario,
    SitingRun,
    Source,
    SupplySnapshot,
)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


@dataclass(frozen=True, slots=True)
class CorridorSpec:
    code: str
    values: dict[str, Any]


def _number(value: Any, *, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(
            gettext("must be a number between %(low)s and %(high)s") % {"low": low, "high": high},
            field=field,
        )
    if not low <= float(value) <= high:
        raise InvalidInput(
            gettext("must be between %(low)s and %(high)s") % {"low": low, "high": high},
            field=field,
        )
    return float(value)


def _coordinates(geometry: Any, *, field: str) -> list[list[float]]:
    if not isinstance(geometry, Mapping):
        raise InvalidInput(gettext("must be a LineString geometry"), field=field)
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "MultiLineString" and isinstance(coords, list):
        # ogr2ogr and osmium export a road as several ways; they must join end to end.
        try:
            merged = linemerge(MultiLineString(coords))
        except (ValueError, TypeError, IndexError):
            raise InvalidInput(
                gettext("coordinates are not lines"), field=f"{field}.coordinates"
            ) from None
        if merged.geom_type != "LineString":
            raise InvalidInput(
                gettext("the MultiLineString's parts do not join into one line"),
                field=f"{field}.coordinates",
            )
        coords = [list(p) for p in merged.coords]
    elif kind != "LineString":
        raise InvalidInput(
            gettext("must be a LineString or MultiLineString"), field=f"{field}.type"
        )
    if not isinstance(coords, list) or len(coords) < 2:
        raise InvalidInput(gettext("needs at least two positions"), field=f"{field}.coordinates")
    out = []
    for i, position in enumerate(coords):
        where = f"{field}.coordinates[{i}]"
        if not isinstance(position, list | tuple) or len(position) < 2:
            raise InvalidInput(gettext("must be [lon, lat]"), field=where)
        lon = _number(position[0], field=f"{where}[0]", low=-180, high=180)
        lat = _number(position[1], field=f"{where}[1]", low=-90, high=90)
        out.append([lon, lat])
    return out


def _segments(value: Any, *, field: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(gettext("must be a list"), field=field)
    found = []
    for i, segment in enumerate(value):
        where = f"{field}[{i}]"
        if not isinstance(segment, Mapping) or not str(segment.get("name") or "").strip():
            raise InvalidInput(gettext("needs a name"), field=f"{where}.name")
        item = dict(segment)
        item["range_factor"] = _number(
            segment.get("range_factor", 1.0), field=f"{where}.range_factor", low=0.05, high=1
        )
        if "at" in segment:
            at = segment["at"]
            if not isinstance(at, list) or len(at) != 2:
                raise InvalidInput(gettext("must be [lon, lat]"), field=f"{where}.at")
            _number(at[0], field=f"{where}.at[0]", low=-180, high=180)
            _number(at[1], field=f"{where}.at[1]", low=-90, high=90)
            _number(
                segment.get("half_length_km", 5), field=f"{where}.half_length_km", low=0, high=500
            )
        else:
            start = _number(segment.get("from_km"), field=f"{where}.from_km", low=0, high=20000)
            end = _number(segment.get("to_km"), field=f"{where}.to_km", low=0, high=20000)
            if end <= start:
                raise InvalidInput(gettext("must be after from_km"), field=f"{where}.to_km")
        found.append(item)
    return found


def _corridor_spec(feature: Any, index: int, *, seen: set[str]) -> CorridorSpec:
    field = f"features[{index}]"
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise InvalidInput(gettext("must be a GeoJSON Feature"), field=field)
    props = feature.get("properties")
    if not isinstance(props, Mapping):
        raise InvalidInput(gettext("must be an object"), field=f"{field}.properties")
    pf = f"{field}.properties"
    code = str(props.get("code") or "").strip().lower()
    if not _SLUG.match(code):
        raise InvalidInput(
            gettext("must be a slug: a-z, 0-9 and '-', up to 60"), field=f"{pf}.code"
        )
    if code in seen:
        raise InvalidInput(
            gettext("code %(code)r repeated in this file") % {"code": code}, field=f"{pf}.code"
        )
    name = str(props.get("name") or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput(gettext("is required, up to 120 characters"), field=f"{pf}.name")
    raw_countries = props.get("countries")
    if isinstance(raw_countries, str):
        raw_countries = [c for c in raw_countries.split(",") if c.strip()]
    if not isinstance(raw_countries, list) or not raw_countries:
        raise InvalidInput(gettext("must list alpha-2 or alpha-3 codes"), field=f"{pf}.countries")
    countries = [to_alpha2(str(c).strip(), field=f"{pf}.countries") for c in raw_countries]
    nominal = props.get("nominal_km")
    values = {
        "name": name,
        "countries": ",".join(countries),
        "coordinates": _coordinates(feature.get("geometry"), field=f"{field}.geometry"),
        "nominal_km": None
        if nominal is None
        else _number(nominal, field=f"{pf}.nominal_km", low=0, high=20000),
        "traffic_weight": _number(
            props.get("traffic_weight", 1.0), field=f"{pf}.traffic_weight", low=0, high=1e7
        ),
        "segments": _segments(props.get("segments"), field=f"{pf}.segments"),
        "properties": {
            k: v
            for k, v in props.items()
            if k not in ("code", "name", "countries", "nominal_km", "traffic_weight", "segments")
        },
    }
    seen.add(code)
    return CorridorSpec(code=code, values=values)


def parse_corridors(*, text: str) -> list[CorridorSpec]:
    """Every feature of a GeoJSON FeatureCollection of road lines, checked; the first wrong
    one raises InvalidInput naming it. Properties: code, name, countries (required),
    nominal_km, traffic_weight, segments (optional); others are kept as they are."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            gettext("not JSON: %(msg)s at line %(lineno)s")
            % {"msg": exc.msg, "lineno": exc.lineno},
            field="file",
        ) from None
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        raise InvalidInput(gettext("must be a GeoJSON FeatureCollection"), field="type")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput(gettext("must be a non-empty list"), field="features")
    seen: set[str] = set()
    return [_corridor_spec(f, i, seen=seen) for i, f in enumerate(features)]


def import_corridors(*, text: str, source: str = Source.IMPORT) -> dict[str, Any]:
    """Create or replace (by code) every corridor of the file, or none; returns the codes."""
    specs = parse_corridors(text=text)
    created: list[str] = []
    updated: list[str] = []
    for spec in specs:
        _, was_created = Corridor.objects.update_or_create(
            code=spec.code, defaults={**spec.values, "source": source}
        )
        (created if was_created else updated).append(spec.code)
    return {"created": created, "updated": updated}


def shipped_corridors_text() -> str:
    return resources.files("kubat.insights").joinpath("data/corridors.geojson").read_text("utf-8")


def load_shipped_corridors() -> dict[str, Any]:
    """The main roads shipped in data/corridors.geojson (approximate lines, see the file)."""
    return import_corridors(text=shipped_corridors_text(), source=Source.SHIPPED)


CANDIDATE_COLUMNS = ("name", "lat", "lon")


def import_candidates(
    *, text: str, country: str, batch: str, source: str = Source.IMPORT
) -> dict[str, Any]:
    """Candidate sites from a CSV with the columns name, lat, lon (WGS84 degrees), all or none.

    Every bad line is reported (`{"line", "field", "reason"}`, the header is line 1) and then
    InvalidInput is raised naming the first; a batch of the same name is replaced whole.
    """
    cc = to_alpha2(country, field="country")
    batch = batch.strip()
    if not _SLUG.match(batch.lower()):
        raise InvalidInput(gettext("must be a slug: a-z, 0-9 and '-', up to 60"), field="batch")
    try:
        reader = csvsafe.DictReader(io.StringIO(text))
        missing = [c for c in CANDIDATE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(
                gettext("CSV header lacks %(missing)s") % {"missing": ", ".join(missing)},
                field="file",
            )
        rows = list(reader)
    except csv.Error as exc:
        raise InvalidInput(
            gettext("not a readable CSV: %(error)s") % {"error": exc}, field="file"
        ) from None
    if not rows:
        raise InvalidInput(gettext("no candidate lines"), field="file")
    if len(rows) > 5000:
        raise InvalidInput(gettext("at most 5000 candidates per batch"), field="file")
    rejected: list[dict[str, Any]] = []
    sites = []
    for line, row in enumerate(rows, start=2):
        try:
            name = (row.get("name") or "").strip()
            if not name or len(name) > 120:
                raise InvalidInput(gettext("name is required, up to 120 characters"), field="name")
            values = {}
            for key, low, high in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
                try:
                    number = float((row.get(key) or "").strip())
                except ValueError:
                    raise InvalidInput(
                        gettext("%(key)s must be a number") % {"key": key}, field=key
                    ) from None
                if not low <= number <= high:
                    raise InvalidInput(
                        gettext("%(key)s must be between %(low)s and %(high)s")
                        % {"key": key, "low": low, "high": high},
                        field=key,
                    )
                values[key] = number
        except KubatError as exc:
            rejected.append({"line": line, "field": exc.field, "reason": exc.message})
            continue
        sites.append(
            CandidateSite(country_code=cc, name=name, batch=batch, source=source, **values)
        )
    if rejected:
        first = rejected[0]
        error = InvalidInput(
            gettext("%(count)s line(s) rejected, nothing imported; line %(line)s: %(reason)s")
            % {"count": len(rejected), "line": first["line"], "reason": first["reason"]},
            field=f"line {first['line']}: {first['field']}",
        )
        error.rejected = rejected  # type: ignore[attr-defined]
        raise error
    CandidateSite.objects.filter(country_code=cc, batch=batch).delete()
    CandidateSite.objects.bulk_create(sites)
    return {"created": len(sites), "batch": batch, "country": cc}


def record_supply_snapshot(
    *, country: str, year: int, source: str = Source.IMPORT, at: dt.datetime | None = None
) -> int:
    """Store each region's public charging in service now as the figures of `year`'s end.

    Run on 31 December (cron): the registry keeps only the present, and the adequacy trend
    needs past years. Replaces a snapshot already taken for that year; returns the regions.
    """
    cc = to_alpha2(country, field="country")
    cells: dict[str, dict[str, float]] = {}
    for row in sources.supply_by_region(country_code=cc):
        cell = cells.setdefault(row["region"], {"kw": 0.0, "dc_kw": 0.0, "points": 0, "dc": 0})
        cell["kw"] += row["kw"]
        cell["points"] += row["points"]
        if row["dc"]:
            cell["dc_kw"] += row["kw"]
            cell["dc"] += row["points"]
    taken = at or dt.datetime.now(tz=dt.UTC)
    SupplySnapshot.objects.filter(country_code=cc, year=year).delete()
    SupplySnapshot.objects.bulk_create(
        SupplySnapshot(
            country_code=cc,
            region=region,
            year=year,
            installed_kw=cell["kw"],
            dc_kw=cell["dc_kw"],
            points=int(cell["points"]),
            dc_points=int(cell["dc"]),
            source=source,
            taken_at=taken,
        )
        for region, cell in cells.items()
    )
    return len(cells)


MAX_CANDIDATES = 2000
MAX_DEMAND_POINTS = 50_000


def siting_inputs(
    *,
    country: str,
    radius_km: float,
    batch: str | None = None,
    step_km: float = 10.0,
    corridor_share: float = 0.2,
    uncovered_only: bool = True,
) -> dict[str, Any]:
    """Candidates and demand of a country for the siting models (see `demand`)."""
    from kubat.insights import corridors as corridor_lib
    from kubat.insights import demand
    from kubat.insights.rules import rules_for

    cc = to_alpha2(country, field="country")
    rules = rules_for(cc)
    vehicles: dict[str, int] = {}
    for region, _, powertrain, n in sources.fleet_counts(country_code=cc):
        if powertrain in demand.PLUG_INS:
            vehicles[region] = vehicles.get(region, 0) + n
    towns, unplaced = demand.settlement_demand(country=cc, vehicles_by_region=vehicles)
    roads = [c for c in Corridor.objects.all() if cc in c.country_list]
    lines = [(c, corridor_lib.CorridorLine.from_coordinates(c.coordinates)) for c in roads]
    town_weight = sum(p.weight for p in towns)
    road_points = demand.corridor_demand(
        [(c.name, line, c.traffic_weight) for c, line in lines],
        total_weight=corridor_share * town_weight,
        step_km=step_km,
    )
    stations = sources.dc_stations_of(country_code=cc)
    points = towns + road_points
    dropped = 0.0
    if uncovered_only:
        points, dropped = demand.drop_covered(
            points, [(s.lat, s.lon) for s in stations], radius_km=radius_km
        )
    candidates: list[dict[str, Any]] = []
    for site in sources.permit_pipeline(country_code=cc):
        candidates.append(
            {"name": site["reference"], "lat": site["lat"], "lon": site["lon"], "origin": "permit"}
        )
    uploaded = CandidateSite.objects.filter(country_code=cc)
    if batch:
        uploaded = uploaded.filter(batch=batch)
    for up in uploaded.order_by("pk"):
        candidates.append({"name": up.name, "lat": up.lat, "lon": up.lon, "origin": "upload"})
    distance = rules.corridor.max_distance_from_road_km
    for corridor, line in lines:
        report = corridor_lib.analyse(
            line,
            stations=list(stations),
            segments=corridor.segments,
            rules=rules.corridor,
            max_distance_km=distance,
        )
        for gap in report["directions"]["forward"]["gaps"]:
            spots = demand.along(
                line, start_km=gap["from_km"], end_km=gap["to_km"], step_km=2 * step_km
            )
            for k, (lat, lon) in enumerate(spots):
                candidates.append(
                    {
                        "name": f"{corridor.name} km {gap['from_km']:.0f}-{gap['to_km']:.0f}"
                        f" #{k + 1}",
                        "lat": lat,
                        "lon": lon,
                        "origin": "corridor_gap",
                    }
                )
    if len(candidates) > MAX_CANDIDATES:  # what the registry holds now, not the request: 409
        raise Conflict(
            gettext("more than %(max_candidates)s candidates; choose a batch")
            % {"max_candidates": MAX_CANDIDATES},
            field="batch",
        )
    return {
        "country": cc,
        "candidates": candidates,
        "demand": points,
        "summary": {
            "vehicles": sum(vehicles.values()),
            "unplaced_vehicles": unplaced,
            "settlement_weight": round(town_weight, 2),
            "corridor_weight": round(sum(p.weight for p in road_points), 2),
            "weight_already_covered": round(dropped, 2),
            "demand_points": len(points),
            "demand_weight": round(sum(p.weight for p in points), 2),
            "existing_dc_stations": len(stations),
        },
    }


def solve_siting(
    *,
    candidates: list[dict[str, Any]],
    demand_points: list[Any],
    model: str,
    stations: int,
    radius_km: float,
    time_limit_s: float,
    mip_rel_gap: float = 1e-4,
) -> dict[str, Any]:
    """Greedy first, then the MILP, of one model on given points; the result stored in a run."""
    from kubat.insights import siting

    if model not in ("covering", "p_median"):
        raise InvalidInput(gettext("must be covering or p_median"), field="model")
    # Candidates and demand come from the data held (permits, uploads, fleet, network), not from
    # the request: a well-formed request the data cannot answer is a Conflict (409), not a 400.
    if not candidates:
        raise Conflict(
            gettext("no candidate sites (no permits in progress, upload, or gap)"),
            field="candidates",
        )
    if not demand_points:
        raise Conflict(gettext("no demand left to serve"), field="demand")
    if len(demand_points) > MAX_DEMAND_POINTS:
        raise Conflict(
            gettext("more than %(max_demand_points)s demand points")
            % {"max_demand_points": MAX_DEMAND_POINTS},
            field="demand",
        )
    instance = siting.Instance.build(
        [(c["lat"], c["lon"]) for c in candidates],
        [(p.lat, p.lon, p.weight) for p in demand_points],
    )
    if model == "covering":
        cover = siting.coverage(instance, radius_km=radius_km)
        greedy = siting.greedy_covering(cover, instance.weight, budget=stations)
        milp = siting.milp_covering(
            cover,
            instance.weight,
            budget=stations,
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
            start=greedy.sites,
        )
        reach = [float(instance.weight[c].sum()) for c in cover]
        maximise = True
    else:
        if len(candidates) * len(demand_points) > siting.MAX_MEDIAN_ASSIGNMENTS:
            raise InvalidInput(
                gettext(
                    "p-median needs candidates × demand points at most "
                    "%(max_median_assignments)s; use covering or fewer points"
                )
                % {"max_median_assignments": siting.MAX_MEDIAN_ASSIGNMENTS},
                field="model",
            )
        dist = siting.distances_km(
            instance.cand_lat, instance.cand_lon, instance.dem_lat, instance.dem_lon
        )
        greedy = siting.greedy_median(dist, instance.weight, p=stations)
        milp = siting.milp_median(
            dist,
            instance.weight,
            p=stations,
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
            start=greedy.sites,
        )
        cover = siting.coverage(instance, radius_km=radius_km)
        reach = [float(instance.weight[c].sum()) for c in cover]
        maximise = False
    chosen_milp, chosen_greedy = set(milp.sites), set(greedy.sites)
    return {
        "greedy": greedy.as_dict()
        | {"gap_against_milp_bound": siting.greedy_gap(greedy, milp, maximise=maximise)},
        "milp": milp.as_dict(),
        "total_weight": round(float(instance.weight.sum()), 4),
        "candidates": [
            {
                **c,
                "index": j,
                "weight_within_radius": round(reach[j], 3),
                "chosen_by_milp": j in chosen_milp,
                "chosen_by_greedy": j in chosen_greedy,
            }
            for j, c in enumerate(candidates)
        ],
    }


def run_siting(
    *,
    country: str,
    model: str = "covering",
    stations: int = 10,
    radius_km: float = 30.0,
    batch: str | None = None,
    time_limit_s: float = 30.0,
    source: str = Source.IMPORT,
) -> SitingRun:
    """Solve one siting model for a country and store the run (parameters, both answers)."""
    if not 1 <= stations <= 500:
        raise InvalidInput(gettext("must be between 1 and 500"), field="stations")
    if not 1 <= radius_km <= 300:
        raise InvalidInput(gettext("must be between 1 and 300 km"), field="radius_km")
    if not 0.1 <= time_limit_s <= 120:
        raise InvalidInput(gettext("must be between 0.1 and 120 seconds"), field="time_limit_s")
    inputs = siting_inputs(country=country, radius_km=radius_km, batch=batch)
    result = solve_siting(
        candidates=inputs["candidates"],
        demand_points=inputs["demand"],
        model=model,
        stations=stations,
        radius_km=radius_km,
        time_limit_s=time_limit_s,
    )
    result["demand"] = inputs["summary"]
    return SitingRun.objects.create(
        country_code=inputs["country"],
        model=model,
        parameters={
            "stations": stations,
            "radius_km": radius_km,
            "batch": batch,
            "time_limit_s": time_limit_s,
            "demand_step_km": 10.0,
            "corridor_share": 0.2,
            "uncovered_only": True,
        },
        result=result,
        source=source,
        created_at=dt.datetime.now(tz=dt.UTC),
    )


SCENARIO_NAMES = ("low", "central", "high")


def check_scenario(*, name: str, parameters: Mapping[str, Any]) -> dict[str, float]:
    """The scenario's parameters as numbers, each within `projection.LIMITS`; InvalidInput
    names the first unknown key or value out of range (or `name`)."""
    from kubat.insights import projection

    if name not in SCENARIO_NAMES:
        raise InvalidInput(
            gettext("must be one of %(scenario_names)s")
            % {"scenario_names": ", ".join(SCENARIO_NAMES)},
            field="name",
        )
    if not isinstance(parameters, Mapping):
        raise InvalidInput(gettext("must be an object of numbers"), field="parameters")
    clean: dict[str, float] = {}
    for key, value in parameters.items():
        if key not in projection.LIMITS:
            raise InvalidInput(gettext("unknown parameter %(key)r") % {"key": key}, field=key)
        low, high = projection.LIMITS[key]
        clean[key] = _number(value, field=key, low=low, high=high)
    return clean


def save_scenario(
    *, country: str, name: str, parameters: Mapping[str, Any], updated_by: str = ""
) -> ProjectionScenario:
    """Store the parameters of one projection scenario after checking each against its limits
    (`check_scenario`); an unknown key or a value out of range is InvalidInput naming it."""
    cc = to_alpha2(country, field="country")
    clean = check_scenario(name=name, parameters=parameters)
    scenario, _ = ProjectionScenario.objects.update_or_create(
        country_code=cc,
        name=name,
        defaults={
            "parameters": clean,
            "updated_at": dt.datetime.now(tz=dt.UTC),
            "updated_by": updated_by[:150],
        },
    )
    return scenario
