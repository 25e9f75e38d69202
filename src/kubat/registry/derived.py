"""Values derived from connectors: power in kW, the charging class, a location's summary.

Pure functions of the rows' values (no database), so the write path, the bulk loader and a
rebuild all derive the same numbers.

Power follows OCPI's definitions: max_electric_power (W) when the connector states it,
otherwise voltage × amperage, times 3 for AC_3_PHASE (OCPI gives line-to-neutral voltage).
Classes: AC when no connector is DC; DC below 150 kW; HPC (high power) from 150 kW.

Counter dimensions (StatCounter rows; `key` as shown, region is the location's raw region):

| dimension | key | value |
|---|---|---|
| evses, connectors, locations, planned_locations | "" | count in service (planned: none yet) |
| evses_by_power_class, connectors_by_standard | class / standard | count in service |
| locations_by_region, locations_by_operator | region / party key | public stations |
| evses_by_region_class | "region|class" | EVSEs in service |
| watts_by_region_class | "region|class" | their power in W (an EVSE counts its best connector) |
| planned_evses_by_region, planned_watts_by_region | region | PLANNED EVSEs, their W |
| dc_stations_by_region_standards | "region|A+B" | stations whose in-service DC standards are A, B |

The regional rows are what insights' adequacy and compatibility read instead of scanning EVSEs
(watts, not kW, because counters are integers and connector power is exact in W).

Beside the counters, a public location counts once per search code in its grid cell
(`Summary.cells`, the SearchCell rows: CELLS_PER_DEGREE cells per degree of latitude and of
longitude), which is what a dense box's "about N" total is estimated from.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kubat.registry.enums import ANY_STANDARD, STANDARD_CODES, ChargingClass, PowerType, Status

HPC_THRESHOLD_KW = 150.0
# Grid of SearchCell: 1/50 degree, about 2.2 km × 1.6 km at 43° N. A city-sized box (16 km)
# covers about a hundred cells, and a cell is small enough that weighting the cells cut by
# the box's edge by the share of their area inside keeps the estimate within a few per cent.
CELLS_PER_DEGREE = 50
KEY_SEPARATOR = "|"
STANDARD_SEPARATOR = "+"


def watts(kw: float) -> int:
    """kW as whole watts (connector power is stated in W or V × A, so nothing is lost)."""
    return round(kw * 1000)


def region_class_key(region: str, charging_class: str) -> str:
    return f"{region}{KEY_SEPARATOR}{charging_class}"


def split_key(key: str) -> tuple[str, str]:
    """(region, rest) of a regional counter key, split at the last separator (a class or a
    standard set never contains it, so a region that does still splits right)."""
    region, _, rest = key.rpartition(KEY_SEPARATOR)
    return region, rest


def connector_power_kw(
    *, power_type: str, max_voltage: int, max_amperage: int, max_electric_power: int | None
) -> float:
    if max_electric_power:
        return max_electric_power / 1000.0
    phases = 3 if power_type == PowerType.AC_3_PHASE else 1
    return round(phases * max_voltage * max_amperage / 1000.0, 3)


def charging_class(*, max_kw: float, has_dc: bool) -> str:
    if not has_dc:
        return ChargingClass.AC.value
    return ChargingClass.HPC.value if max_kw >= HPC_THRESHOLD_KW else ChargingClass.DC.value


CLASS_RANK = {ChargingClass.AC.value: 0, ChargingClass.DC.value: 1, ChargingClass.HPC.value: 2}


def highest_class(classes: Iterable[str]) -> str:
    """The most powerful class among an EVSE set; empty string when there is none."""
    return max(classes, key=CLASS_RANK.__getitem__, default="")


StatKey = tuple[str, str]
CellKey = tuple[int, int, int]  # (search code, cell_y, cell_x)


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    """(cell_y, cell_x) of a point in decimal degrees on the SearchCell grid."""
    return math.floor(lat * CELLS_PER_DEGREE), math.floor(lon * CELLS_PER_DEGREE)


@dataclass(frozen=True, slots=True)
class PlugSpec:
    """The part of a connector that derived values depend on."""

    standard: str
    power_type: str
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None

    @property
    def kw(self) -> float:
        return connector_power_kw(
            power_type=self.power_type,
            max_voltage=self.max_voltage,
            max_amperage=self.max_amperage,
            max_electric_power=self.max_electric_power,
        )


@dataclass(slots=True)
class Summary:
    """Derived values of one location: its columns, search rows and counter contribution."""

    max_power_kw: float = 0.0
    charging_class: str = ""
    evse_count: int = 0
    evse_max_kw: list[float] = field(default_factory=list)
    points: dict[int, float] = field(default_factory=dict)  # standard code → max kW
    # The location as a public DC station: in-service EVSEs with a DC connector, published only.
    dc_standards: str = ""  # their DC connector standards, sorted, joined by "+"
    dc_kw: float = 0.0  # sum of their power
    dc_max_kw: float = 0.0  # the most powerful of them
    dc_points: int = 0
    contribution: Counter[StatKey] = field(default_factory=Counter)
    cells: Counter[CellKey] = field(default_factory=Counter)  # its SearchCell counts


def summarise(
    *,
    publish: bool,
    region: str,
    party_key: str,
    evses: Sequence[tuple[str, Sequence[PlugSpec]]],
    position: tuple[float, float],
) -> Summary:
    """Derive a location's values from its EVSEs, given as (status, connectors) pairs.

    REMOVED EVSEs have left the public dataset: they count for nothing. PLANNED EVSEs give the
    location its power, class and search rows (so the pipeline can be found and mapped) but are
    not yet in service: `evse_count` and the national counters hold EVSEs in service only, and
    a published location is a public charging station only once one EVSE is in service; until
    then it counts as a planned location. An unpublished location gets no search rows and no
    share of the national counters. (The same three-way split is `registry.publicity`.)
    `position` (lat, lon) places a public location's search codes in their grid cells.
    """
    summary = Summary()
    classes = []
    in_service: Counter[StatKey] = Counter()
    planned: Counter[StatKey] = Counter()
    dc_standards: set[str] = set()
    for status, plugs in evses:
        kw = max((p.kw for p in plugs), default=0.0)
        summary.evse_max_kw.append(kw)
        if status == Status.REMOVED:
            continue
        evse_class = charging_class(
            max_kw=kw, has_dc=any(p.power_type == PowerType.DC for p in plugs)
        )
        classes.append(evse_class)
        summary.max_power_kw = max(summary.max_power_kw, kw)
        for plug in plugs:
            code = STANDARD_CODES[plug.standard]
            summary.points[code] = max(summary.points.get(code, 0.0), plug.kw)
        if status == Status.PLANNED:
            planned[("planned_evses_by_region", region)] += 1
            planned[("planned_watts_by_region", region)] += watts(kw)
            continue
        summary.evse_count += 1
        in_service[("evses_by_power_class", evse_class)] += 1
        in_service[("evses_by_region_class", region_class_key(region, evse_class))] += 1
        in_service[("watts_by_region_class", region_class_key(region, evse_class))] += watts(kw)
        dc_plugs = [p.standard for p in plugs if p.power_type == PowerType.DC]
        if dc_plugs:
            dc_standards.update(dc_plugs)
            summary.dc_kw += kw
            summary.dc_max_kw = max(summary.dc_max_kw, kw)
            summary.dc_points += 1
        for plug in plugs:
            in_service[("connectors_by_standard", plug.standard)] += 1
            in_service[("connectors", "")] += 1
    summary.charging_class = highest_class(classes)
    if not publish:
        summary.points = {}
        summary.dc_kw, summary.dc_max_kw, summary.dc_points = 0.0, 0.0, 0
        return summary
    summary.dc_standards = STANDARD_SEPARATOR.join(sorted(dc_standards))
    summary.dc_kw = round(summary.dc_kw, 3)
    if classes:
        summary.points[ANY_STANDARD] = summary.max_power_kw
    if summary.evse_count:
        summary.contribution = in_service
        summary.contribution[("locations", "")] += 1
        summary.contribution[("evses", "")] += summary.evse_count
        summary.contribution[("locations_by_region", region or "")] += 1
        summary.contribution[("locations_by_operator", party_key)] += 1
        if summary.dc_points:
            key = f"{region or ''}{KEY_SEPARATOR}{summary.dc_standards}"
            summary.contribution[("dc_stations_by_region_standards", key)] += 1
        cell_y, cell_x = cell_of(*position)
        summary.cells.update({(code, cell_y, cell_x): 1 for code in summary.points})
    elif classes:
        summary.contribution[("planned_locations", "")] += 1
    summary.contribution.update(planned)
    return summary
