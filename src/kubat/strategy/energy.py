"""Energy delivered and the CO2 it avoids: pure functions, data first, units in every name.

Method (shown on /strategy/emissions/):
- Energy per location and month comes from an operator's monthly upload (kWh), or, for a
  location and month without one, from the OCPI CDRs the operator pushed (the sessions' kWh).
  Where a region has neither in a year, the energy is estimated from the fleet: registered
  EVs × annual distance (km) × consumption (kWh/km), the parameters in `EmissionParameters`
  (settings KUBAT_EV_ANNUAL_KM, KUBAT_EV_KWH_PER_KM).
- CO2 of that electricity: kWh × the country's grid factor (kg CO2/kWh), given as a range
  (low, central, high) because generation mixes vary by year and season (KUBAT_GRID_FACTORS;
  Kyrgyzstan about 0.05–0.15, mostly hydro; Kazakhstan 0.65–0.82, two-thirds coal).
- Avoided: the petrol car of the same class driving the same distance (km = kWh ÷ kWh/km)
  emits km × KUBAT_PETROL_KG_CO2_PER_KM; avoided = petrol - grid, with the range carried
  through (a high grid factor gives the low end of the avoided range). Tailpipe and grid only:
  no life-cycle (battery manufacture, fuel refining) terms.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GridFactor:
    """kg CO2 per kWh delivered: the range and its central value."""

    low: float
    central: float
    high: float


@dataclass(frozen=True, slots=True)
class EmissionParameters:
    grid: dict[str, GridFactor]
    annual_km: float  # km an EV drives a year
    kwh_per_km: float  # an EV's consumption, kWh/km at the charger
    petrol_kg_per_km: float  # the petrol car of the same class, kg CO2/km


def grid_co2_kg(kwh: float, factor_kg_per_kwh: float) -> float:
    """kg CO2 of `kwh` of electricity at `factor_kg_per_kwh` (1 MWh at 0.12 is 120 kg)."""
    return kwh * factor_kg_per_kwh


def estimated_kwh(*, vehicles: int, annual_km: float, kwh_per_km: float) -> float:
    """kWh a year the fleet draws: vehicles × km a year × kWh/km."""
    return vehicles * annual_km * kwh_per_km


def emissions(*, kwh: float, factor: GridFactor, params: EmissionParameters) -> dict[str, float]:
    """Grid CO2 and avoided CO2 of `kwh`, each as low/central/high in kg."""
    km = kwh / params.kwh_per_km if params.kwh_per_km else 0.0
    petrol = km * params.petrol_kg_per_km
    grid = {
        "low": grid_co2_kg(kwh, factor.low),
        "central": grid_co2_kg(kwh, factor.central),
        "high": grid_co2_kg(kwh, factor.high),
    }
    return {
        "km": km,
        "petrol_kg": petrol,
        "grid_kg_low": grid["low"],
        "grid_kg": grid["central"],
        "grid_kg_high": grid["high"],
        "avoided_kg_low": petrol - grid["high"],
        "avoided_kg": petrol - grid["central"],
        "avoided_kg_high": petrol - grid["low"],
    }
