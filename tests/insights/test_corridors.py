"""Corridor rules: pools placed along the road in metres, gaps over the profile's distance rule
in each direction, pools below the power rule, passes that stretch a gap."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pyproj import Transformer

from kubat.insights import corridors, selectors, services
from kubat.insights.models import Corridor
from kubat.insights.rules import CorridorRules
from tests.insights.factories import station

UTM43 = Transformer.from_crs("EPSG:32643", "EPSG:4326", always_xy=True)
X0, Y0 = 400_000.0, 4_700_000.0  # UTM zone 43N, about 42.45 N 73.8 E


def lonlat(km_east: float, km_north: float = 0.0) -> tuple[float, float]:
    return UTM43.transform(X0 + km_east * 1000, Y0 + km_north * 1000)


def feature(code: str = "test-200", **props):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": "Test road", "countries": ["KG"], **props},
        "geometry": {"type": "LineString", "coordinates": [list(lonlat(0)), list(lonlat(200))]},
    }


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


@pytest.mark.django_db
def test_a_200_km_corridor_with_pools_at_0_50_150_has_one_100_km_gap_each_way():
    services.import_corridors(text=collection(feature()))
    for i, km in enumerate((0, 50, 150)):
        lon, lat = lonlat(km, 0.4)  # 400 m off the road: within the 3 km of the profile
        station(f"P{i}", lat=lat, lon=lon, points=[("GBT_DC", 150, "AVAILABLE")] * 3)
    lon, lat = lonlat(100, 8)  # 8 km away: not a pool of this road
    station("FAR", lat=lat, lon=lon)
    report = selectors.corridor_report(corridor=selectors.get_corridor(code="test-200"))
    assert report["length_km"] == pytest.approx(200, abs=0.01)
    assert report["crs"] == "EPSG:32643"
    assert [round(p["km"]) for p in report["pools"]] == [0, 50, 150]
    for direction in ("forward", "backward"):
        gaps = report["directions"][direction]["gaps"]
        assert [g["length_km"] for g in gaps] == [100.0], direction
    assert report["directions"]["forward"]["gaps"][0]["from_km"] == 50.0
    assert report["directions"]["backward"]["gaps"][0]["from_km"] == 50.0  # 200-150
    assert report["pools_below_power_rule"] == []  # 450 kW with 150 kW points


@pytest.mark.django_db
def test_pools_below_the_power_rule_are_flagged_and_do_not_close_compliant_gaps():
    services.import_corridors(text=collection(feature()))
    for i, km in enumerate((0, 50, 100, 150, 200)):
        lon, lat = lonlat(km)
        points = [("GBT_DC", 60, "AVAILABLE")] if km == 100 else [("GBT_DC", 200, "AVAILABLE")] * 2
        station(f"P{i}", lat=lat, lon=lon, points=points)
    report = selectors.corridor_report(corridor=selectors.get_corridor(code="test-200"))
    assert [round(p["km"]) for p in report["pools_below_power_rule"]] == [100]
    forward = report["directions"]["forward"]
    assert forward["gaps"] == []
    assert [g["length_km"] for g in forward["gaps_counting_only_pools_meeting_power_rule"]] == [
        100.0
    ]


def test_a_pass_range_factor_makes_a_short_gap_break_the_rule():
    line = corridors.CorridorLine.from_coordinates([lonlat(0), lonlat(200)])
    segments = [{"name": "Pass", "from_km": 10, "to_km": 40, "range_factor": 0.5, "pass": True}]
    gaps = corridors.find_gaps(
        [0, 50, 100, 150, 200],
        length_km=line.length_km,
        max_gap_km=60,
        segments=corridors.resolve_segments(line, segments),
    )
    assert len(gaps) == 1
    assert gaps[0]["length_km"] == 50.0
    assert gaps[0]["effective_km"] == 80.0  # 20 km at 1 + 30 km at 1/0.5
    assert gaps[0]["segments"] == ["Pass"]
    assert CorridorRules().max_gap_km == 60


@pytest.mark.django_db
def test_shipped_corridors_load_and_measure_close_to_their_road_length():
    result = services.load_shipped_corridors()
    assert "bishkek-osh" in result["created"]
    assert "almaty-astana" in result["created"]
    for corridor in Corridor.objects.all():
        line = corridors.CorridorLine.from_coordinates(corridor.coordinates)
        assert 0.6 * corridor.nominal_km < line.length_km <= 1.02 * corridor.nominal_km, corridor
        assert corridor.properties["approximate"] is True
    osh = selectors.corridor_report(corridor=selectors.get_corridor(code="bishkek-osh"))
    assert {p["name"] for p in osh["passes"]} == {"Too-Ashuu pass", "Ala-Bel pass"}
    assert all(p["to_km"] > p["from_km"] for p in osh["passes"])


@pytest.mark.django_db
def test_import_corridors_is_all_or_nothing_and_exit_2_names_the_feature_field(tmp_path):
    bad = feature("second")
    bad["properties"]["traffic_weight"] = "lots"
    path = tmp_path / "roads.geojson"
    path.write_text(collection(feature("first"), bad))
    with pytest.raises(CommandError) as caught:
        call_command("insights", "import-corridors", str(path))
    assert caught.value.returncode == 2
    assert "features[1].properties.traffic_weight" in str(caught.value)
    assert not Corridor.objects.exists()
    broken = feature("third")
    broken["geometry"]["coordinates"] = [[74.0, 42.0]]
    path.write_text(collection(broken))
    with pytest.raises(CommandError, match=r"features\[0\]\.geometry\.coordinates"):
        call_command("insights", "import-corridors", str(path))
    path.write_text(collection(feature("first")))
    call_command("insights", "import-corridors", str(path))
    assert Corridor.objects.get().code == "first"


@pytest.mark.django_db
def test_a_multilinestring_from_an_osm_extract_is_merged_when_its_ways_join():
    split = feature("osm")
    a, b, c = list(lonlat(0)), list(lonlat(80)), list(lonlat(200))
    split["geometry"] = {"type": "MultiLineString", "coordinates": [[a, b], [b, c]]}
    services.import_corridors(text=collection(split))
    line = corridors.CorridorLine.from_coordinates(Corridor.objects.get().coordinates)
    assert line.length_km == pytest.approx(200, abs=0.01)
