"""Small builders for insights tests: registrations through the fleet import, stations through
the registry's own write path (tests/registry/factories)."""

from __future__ import annotations

import itertools
import random
from typing import Any

from kubat.fleet import services as fleet_services
from kubat.fleet.demo import demo_vin
from tests.registry import factories as reg

_serial = itertools.count(1)
_rng = random.Random(7)


def register(
    n: int,
    *,
    make: str = "BYD",
    model: str = "Atto 3",
    powertrain: str = "BEV",
    country: str = "KG",
    region: str = "Chuy",
    on: str = "2025-05-01",
    source: str = "import",
) -> None:
    rows = [
        {
            "vin": demo_vin(wmi="LGX", rng=_rng, model_year=int(on[:4]), serial=next(_serial)),
            "make": make,
            "model": model,
            "powertrain": powertrain,
            "country": country,
            "region": region,
            "registered_on": on,
            "origin": "quota_import",
        }
        for _ in range(n)
    ]
    report = fleet_services.import_registrations(rows=rows, source=source)
    assert report.ok, report.rejected


def station(
    ocpi_id: str,
    *,
    lat: float = 42.8746,
    lon: float = 74.5698,
    region: str = "Chuy",
    points: list[tuple[str, float, str]] | None = None,
    publish: bool = True,
    party: str = "KG*TST",
    country: str = "KGZ",
) -> Any:
    """A location with one EVSE per (standard, kW, status) in `points`."""
    points = points or [("GBT_DC", 60.0, "AVAILABLE")]
    cc, pid = party.split("*")
    evses = [
        reg.evse(
            f"{ocpi_id}-{i}",
            reg.connector("1", standard, kw),
            status=status,
            evse_id=f"{cc}*{pid}*E{ocpi_id}{i}",
        )
        for i, (standard, kw, status) in enumerate(points, start=1)
    ]
    data = reg.location_data(
        party, ocpi_id, lat=lat, lon=lon, evses=evses, publish=publish, country=country
    )
    return reg.save(data, region=region)
