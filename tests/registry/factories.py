"""Small builders of registry data for tests: OCPI-shaped dicts and saved locations."""

from __future__ import annotations

from typing import Any

from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import services
from kubat.registry.enums import Source
from kubat.registry.models import (
    EVSE,
    Location,
    Party,
    SearchCell,
    SearchPoint,
    StatCounter,
)

STAMP = "2026-10-01T12:00:00Z"


def connector(
    cid: str = "1",
    standard: str = "GBT_DC",
    kw: float = 60,
    power_type: str | None = None,
) -> dict[str, Any]:
    dc = standard in {"GBT_DC", "IEC_62196_T2_COMBO", "CHADEMO"}
    return {
        "id": cid,
        "standard": standard,
        "format": "CABLE",
        "power_type": power_type or ("DC" if dc else "AC_3_PHASE"),
        "max_voltage": 750 if dc else 230,
        "max_amperage": 200 if dc else 32,
        "max_electric_power": int(kw * 1000),
        "last_updated": STAMP,
    }


def evse(
    uid: str, *connectors: dict[str, Any], status: str = "AVAILABLE", evse_id: str | None = None
) -> dict[str, Any]:
    return {
        "uid": uid,
        "evse_id": evse_id,
        "status": status,
        "connectors": list(connectors) or [connector()],
        "last_updated": STAMP,
    }


def location_data(
    party: str = "KG*TST",
    ocpi_id: str = "L1",
    *,
    lat: float = 42.8746,
    lon: float = 74.5698,
    city: str = "Bishkek",
    country: str = "KGZ",
    evses: list[dict[str, Any]] | None = None,
    publish: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    cc, pid = party.split("*")
    data = {
        "country_code": cc,
        "party_id": pid,
        "id": ocpi_id,
        "publish": publish,
        "name": f"Station {ocpi_id}",
        "address": "Chuy Ave 1",
        "city": city,
        "country": country,
        "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"},
        "evses": evses if evses is not None else [evse(f"{ocpi_id}-1", evse_id=f"{cc}*{pid}*E1")],
        "time_zone": "Asia/Bishkek",
        "opening_times": {"twentyfourseven": True},
        "last_updated": STAMP,
    }
    data.update(extra)
    return data


def party(key: str = "KG*TST", **fields: Any) -> Party:
    made = services.get_or_create_party(
        country_code=key[:2], party_id=key[3:], name=fields.pop("name", key), source=Source.API
    )
    for name, value in fields.items():
        setattr(made, name, value)
    made.save()
    return made


def save(data: dict[str, Any], *, region: str = "", source: str = Source.API) -> Location:
    key = f"{data['country_code']}*{data['party_id']}"
    location, _ = services.save_location(
        party=party(key),
        data=ocpi.Location.model_validate(data),
        source=source,
        region=region,
    )
    return location


def derived_values() -> tuple[list[Any], ...]:
    """Every value the write path derives, as the database holds it: compared before and
    after services.rebuild_derived, it proves the maintained values equal a full rebuild."""
    return (
        sorted(
            StatCounter.objects.exclude(value=0).values_list(
                "country_code", "dimension", "key", "value"
            )
        ),
        sorted(
            SearchCell.objects.exclude(locations=0).values_list(
                "code", "cell_y", "cell_x", "locations"
            )
        ),
        sorted(
            SearchPoint.objects.values_list(
                "location_id", "code", "lat", "lon", "max_kw", "in_service"
            )
        ),
        sorted(
            Location.objects.values_list(
                "pk",
                "max_power_kw",
                "charging_class",
                "evse_count",
                "dc_standards",
                "dc_kw",
                "dc_max_kw",
                "dc_points",
            )
        ),
        sorted(EVSE.objects.values_list("pk", "max_power_kw")),
    )
