"""The /insights/ pages: every figure with its table or CSV, in the four languages."""

import csv
import io
import re

import pytest

from kubat.insights import services
from tests.insights.factories import register, station

PAGES = (
    "/insights/",
    "/insights/projection/",
    "/insights/compatibility/",
    "/insights/corridors/",
    "/insights/siting/",
    "/insights/reliability/",
)


@pytest.fixture
def data(db):
    register(1000, region="Chuy")
    register(100, model="Song Plus DM-i", powertrain="PHEV", region="Chuy")
    register(30, make="Tesla", model="Model 3", region="Naryn")
    station("A", region="Chuy", points=[("GBT_DC", 120, "AVAILABLE"), ("GBT_DC", 60, "PLANNED")])
    station("N", region="Naryn", lat=41.43, lon=75.99, points=[("GBT_DC", 60, "AVAILABLE")])
    services.load_shipped_corridors()
    services.import_candidates(text="name,lat,lon\nNaryn,41.40,75.90\n", country="KG", batch="b")
    services.run_siting(country="KG", stations=1, radius_km=25)


@pytest.mark.parametrize("lang", ["", "/ru", "/ky", "/kk"])
def test_every_insights_page_renders_in_four_languages_with_its_figures(client, data, lang):
    for page in PAGES:
        response = client.get(lang + page)
        assert response.status_code == 200, (lang, page)
        body = response.content.decode()
        assert ".csv" in body, page
        assert '<details class="method">' in body, page
    adequacy = client.get(lang + "/insights/").content.decode()
    assert 'id="adequacy-table"' in adequacy
    assert 'id="insights-map-data"' in adequacy
    if lang == "/ru":
        assert "Как это считается" in adequacy


def test_every_chart_has_a_table_or_csv_behind_it(client, data):
    """Each figure (a chart or a map) carries its numbers: a table inside it or a CSV link."""
    for page in PAGES:
        body = client.get(page).content.decode()
        figures = re.findall(r"<figure\b.*?</figure>", body, flags=re.S)
        for figure in figures:
            assert "<table" in figure or ".csv" in figure, (page, figure[:200])
        assert figures or page == "/insights/reliability/", page


@pytest.mark.parametrize(
    ("lang", "central"), [("", "central"), ("/ru", "центральный"), ("/kk", "орталық")]
)
def test_projection_scenarios_are_named_in_the_readers_language(client, data, lang, central):
    body = client.get(lang + "/insights/projection/").content.decode()
    assert f"<strong>{central}</strong>" in body
    assert 'data-scenario="central"' in body  # the key stays the API's


def test_the_portal_menu_links_to_insights(client, data):
    assert 'href="/insights/"' in client.get("/").content.decode()


def test_csv_behind_each_figure_holds_the_same_numbers(client, data):
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/insights/adequacy.csv?country=KG").content.decode())
        )
    )
    chuy = next(r for r in rows if r["region"] == "Chuy")
    assert float(chuy["need_kw"]) == 1380.0
    assert float(chuy["installed_kw"]) == 120.0
    assert float(chuy["pipeline_kw"]) == 60.0
    trend = client.get("/insights/adequacy.csv?country=KG&table=trend").content.decode()
    assert trend.startswith("year,bev,phev")
    compat = list(
        csv.DictReader(
            io.StringIO(client.get("/insights/compatibility.csv?country=KG").content.decode())
        )
    )
    naryn = [r for r in compat if r["region"] == "Naryn"]
    assert naryn[0]["cohort"] == "IEC_62196_T2_COMBO"
    assert naryn[0]["served"] == "False"
    corridors = client.get("/insights/corridors.csv?country=KG").content.decode()
    assert "bishkek-osh,forward,gap" in corridors
    page = client.get("/insights/siting/").content.decode()
    run_csv = page.split('href="/insights/siting/runs/')[1].split('"')[0]
    sites = client.get(f"/insights/siting/runs/{run_csv}").content.decode()
    assert "chosen_by_milp" in sites.splitlines()[0]


def test_corridor_strips_are_drawn_to_one_scale(client, data):
    body = client.get("/insights/corridors/?country=KZ").content.decode()
    assert 'id="strip-almaty-astana"' in body
    # The longest road fills the 1000-unit strip; the others are shorter in proportion.
    assert 'width="1000.0" height="12" class="road"' in body


@pytest.mark.django_db
def test_demo_makes_every_insights_figure_show_something(client):
    from django.core.management import call_command

    call_command("demo", "--seed", "3")
    for country in ("KG", "KZ"):
        adequacy = client.get(f"/api/v1/insights/adequacy/{country}").json()
        assert adequacy["totals"]["bev"] > 0
        assert adequacy["totals"]["phev"] > 0
        assert adequacy["totals"]["installed_kw"] > 0
        assert adequacy["totals"]["pipeline_kw"] > 0
        assert sum(1 for t in adequacy["trend"] if t["installed_kw"] is not None) >= 3
        compat = client.get(f"/api/v1/insights/compatibility/{country}").json()
        assert compat["best_additions"]
        assert any(r["left_out"] for r in compat["regions"])
        corridors = client.get(f"/api/v1/insights/corridors?country={country}").json()
        assert corridors
        runs = client.get(f"/api/v1/insights/siting/{country}").json()
        assert {r["model"] for r in runs} == {"covering", "p_median"}
        assert all(r["source"] == "demo" for r in runs)
        page = client.get(f"/insights/siting/?country={country}").content.decode()
        assert "Optimal" in page
