"""Energy and emissions: the grid factor, its range, the fleet estimate and the uploads."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kubat.strategy import emissions
from kubat.strategy.energy import EmissionParameters, GridFactor, estimated_kwh, grid_co2_kg
from kubat.strategy.energy import emissions as figures
from kubat.strategy.models import EnergyReport
from kubat.strategy.services import import_energy
from tests.insights.factories import register

KG = GridFactor(low=0.05, central=0.12, high=0.15)
PARAMS = EmissionParameters(
    grid={"KG": KG}, annual_km=12_000, kwh_per_km=0.2, petrol_kg_per_km=0.17
)


def test_one_megawatt_hour_in_kyrgyzstan_at_0_12_kg_per_kwh_is_120_kg() -> None:
    assert grid_co2_kg(1_000, 0.12) == pytest.approx(120.0)


def test_the_result_carries_the_grid_factor_range_and_avoided_is_petrol_minus_grid() -> None:
    result = figures(kwh=1_000, factor=KG, params=PARAMS)
    assert (result["grid_kg_low"], result["grid_kg"], result["grid_kg_high"]) == pytest.approx(
        (50.0, 120.0, 150.0)
    )
    assert result["km"] == pytest.approx(5_000)
    assert result["petrol_kg"] == pytest.approx(850.0)
    assert result["avoided_kg"] == pytest.approx(730.0)
    # The high grid factor gives the low end of what is avoided.
    assert (result["avoided_kg_low"], result["avoided_kg_high"]) == pytest.approx((700.0, 800.0))


def test_the_fleet_estimate_is_vehicles_times_distance_times_consumption() -> None:
    assert estimated_kwh(vehicles=10, annual_km=12_000, kwh_per_km=0.18) == pytest.approx(21_600)


@pytest.mark.django_db
def test_a_region_with_uploads_counts_them_and_one_without_is_estimated_from_the_fleet() -> None:
    register(10, region="Bishkek", on="2026-02-01")
    register(5, region="Naryn", on="2026-02-01")
    report = import_energy(
        text="party,location_id,country_code,region,month,kwh\n"
        "KG*ECH,L1,KG,Bishkek,2026-01,400\nKG*ECH,L1,KG,Bishkek,2026-02,600\n"
    )
    assert report.saved == 2
    rows = {r["region"]: r for r in emissions.by_region(country_code="KG", year=2026)}
    assert rows["Bishkek"]["method"] == "measured"
    assert rows["Bishkek"]["kwh"] == 1_000
    assert rows["Bishkek"]["grid_kg"] == pytest.approx(120.0)  # KG's central 0.12 kg/kWh
    assert rows["Naryn"]["method"] == "estimated"
    assert rows["Naryn"]["kwh"] == pytest.approx(5 * 12_000 * 0.18)


@pytest.mark.django_db
def test_an_upload_with_one_wrong_row_saves_nothing_and_names_every_wrong_row() -> None:
    report = import_energy(
        text="party,location_id,country_code,region,month,kwh\n"
        "KG*ECH,L1,KG,Bishkek,2026-01,400\nKG*ECH,L2,XX,Bishkek,2026-01,1\n"
        "KG*ECH,L3,KG,Bishkek,2026-13,5\n"
    )
    assert report.saved == 0
    assert [line for line, _ in report.rejected] == [3, 4]
    assert not EnergyReport.objects.exists()


@pytest.mark.django_db
def test_the_energy_command_exits_2_with_one_line_on_a_bad_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "energy.csv"
    path.write_text("party,location_id,country_code,region,month,kwh\nKG*ECH,L1,KG,B,2026-01,x\n")
    with pytest.raises(CommandError) as caught:
        call_command("strategy", "import-energy", str(path))
    assert caught.value.returncode == 2
    assert "row 2: kwh must be a number" in str(caught.value)
    assert not EnergyReport.objects.exists()
