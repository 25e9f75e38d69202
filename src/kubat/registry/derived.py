"""Values derived from connectors: power in kW and the charging class.

Power follows OCPI's definitions: max_electric_power (W) when the connector states it,
otherwise voltage × amperage, times 3 for AC_3_PHASE (OCPI gives line-to-neutral voltage).
Classes: AC when no connector is DC; DC below 150 kW; HPC (high power) from 150 kW.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubat.registry.enums import ChargingClass, PowerType

HPC_THRESHOLD_KW = 150.0


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


_CLASS_RANK = {ChargingClass.AC.value: 0, ChargingClass.DC.value: 1, ChargingClass.HPC.value: 2}


def highest_class(classes: Iterable[str]) -> str:
    """The most powerful class among an EVSE set; empty string when there is none."""
    return max(classes, key=_CLASS_RANK.__getitem__, default="")
