import math

from kubat.core.geo import box_around, equirect_km


def test_equirectangular_distance_is_within_half_a_percent_of_great_circle_nearby():
    # Bishkek to Kant, about 22 km east.
    lat1, lon1, lat2, lon2 = 42.8746, 74.5698, 42.8910, 74.8500
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    great_circle = 2 * 6371.0088 * math.asin(math.sqrt(a))
    assert abs(equirect_km(lat1, lon1, lat2, lon2) - great_circle) / great_circle < 0.005


def test_box_around_holds_the_whole_circle():
    box = box_around(42.87, 74.57, 10)
    for lat, lon in [
        (box.min_lat, 74.57),
        (box.max_lat, 74.57),
        (42.87, box.min_lon),
        (42.87, box.max_lon),
    ]:
        assert abs(equirect_km(42.87, 74.57, lat, lon) - 10) < 1e-9
