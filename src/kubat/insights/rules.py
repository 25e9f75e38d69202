"""The insights rules of a country, read from its charging-standard profile.

The factors are policy, so they live in the profile (src/kubat/registry/standards/<CC>.json,
key "insights"), loaded by the registry's `compliance.load_profile`. A country without a
profile, or a profile without the key, gets the EU AFIR reference values below, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubat.registry import compliance

AFIR_SOURCE = "EU AFIR, Regulation (EU) 2023/1804 (reference default: no country value)"
AFIR_KW_PER_VEHICLE = {"BEV": 1.3, "EREV": 0.8, "PHEV": 0.8}


@dataclass(frozen=True, slots=True)
class CorridorRules:
    """Distance and power rules on a corridor: km, kW, and how far off the road a pool may be."""

    max_gap_km: float = 60.0
    pool_min_total_kw: float = 400.0
    pool_min_point_kw: float = 150.0
    max_distance_from_road_km: float = 3.0


@dataclass(frozen=True, slots=True)
class Rules:
    country: str
    source: str
    kw_per_vehicle: dict[str, float] = field(default_factory=lambda: dict(AFIR_KW_PER_VEHICLE))
    evs_per_point_reference: float = 10.0
    corridor: CorridorRules = field(default_factory=CorridorRules)

    def as_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "source": self.source,
            "kw_per_vehicle": self.kw_per_vehicle,
            "evs_per_point_reference": self.evs_per_point_reference,
            "corridor": {
                "max_gap_km": self.corridor.max_gap_km,
                "pool_min_total_kw": self.corridor.pool_min_total_kw,
                "pool_min_point_kw": self.corridor.pool_min_point_kw,
                "max_distance_from_road_km": self.corridor.max_distance_from_road_km,
            },
        }


def rules_for(country_code: str) -> Rules:
    """The rules of a country (alpha-2): its profile's "insights" key, else AFIR defaults."""
    profile = compliance.load_profile(country_code)
    raw = (profile.raw.get("insights") if profile else None) or {}
    if not raw:
        return Rules(country=country_code.upper(), source=AFIR_SOURCE)
    corridor = raw.get("corridor", {})
    return Rules(
        country=country_code.upper(),
        source=str(raw.get("source", AFIR_SOURCE)),
        kw_per_vehicle={k: float(v) for k, v in raw.get("kw_per_vehicle", {}).items()}
        or dict(AFIR_KW_PER_VEHICLE),
        evs_per_point_reference=float(raw.get("evs_per_point_reference", 10)),
        corridor=CorridorRules(
            **{k: float(corridor[k]) for k in CorridorRules.__dataclass_fields__ if k in corridor}
        ),
    )
