"""Siting runs on the database: candidates from uploads and corridor gaps, demand from the fleet."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kubat.core.errors import InvalidInput
from kubat.insights import services
from kubat.insights.models import CandidateSite, SitingRun
from tests.insights.factories import register, station

CSV = "name,lat,lon\nNaryn bazaar,41.43,75.99\nKochkor,42.21,75.75\nOsh south,40.50,72.80\n"


@pytest.mark.django_db
def test_candidate_upload_is_all_or_nothing_and_names_the_line_and_field():
    with pytest.raises(InvalidInput) as caught:
        services.import_candidates(text=CSV + "Bad,91,75\n", country="KG", batch="investor-a")
    assert caught.value.field == "line 5: lat"
    assert not CandidateSite.objects.exists()
    services.import_candidates(text=CSV, country="KG", batch="investor-a")
    assert CandidateSite.objects.count() == 3


@pytest.mark.django_db
def test_covering_run_puts_the_station_where_the_uncovered_cars_are():
    register(300, region="Naryn")
    register(50, region="Osh")
    station("OSH", lat=40.5283, lon=72.7985, region="Osh")  # Osh already has DC
    services.import_candidates(text=CSV, country="KG", batch="investor-a")
    run = services.run_siting(country="KG", stations=1, radius_km=20)
    result = run.result
    assert result["milp"]["status"] == "Optimal"
    chosen = [c["name"] for c in result["candidates"] if c["chosen_by_milp"]]
    assert chosen == ["Naryn bazaar"]
    assert result["greedy"]["gap_against_milp_bound"] == pytest.approx(0.0, abs=1e-9)
    assert result["demand"]["weight_already_covered"] > 0
    assert SitingRun.objects.get().model == "covering"


@pytest.mark.django_db
def test_site_command_exits_2_naming_the_field_when_there_is_nothing_to_site():
    with pytest.raises(CommandError) as caught:
        call_command("insights", "site", "--country", "KG", "--stations", "2")
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(("candidates:", "demand:"))
