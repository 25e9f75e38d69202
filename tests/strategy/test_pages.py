"""The strategy and PPP pages answer in the four languages; downloads are what they say."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kubat.ppp import services as ppp_services
from kubat.strategy import reports, services
from tests.insights.factories import register, station
from tests.permits.factories import make_world
from tests.ppp.factories import investor, publish

pytestmark = pytest.mark.django_db
PAGES = ("/strategy/", "/strategy/emissions/", "/strategy/investors/", "/ppp/")


@pytest.fixture
def desk_data() -> int:
    world = make_world("KG")
    register(30, region="Bishkek", on="2026-02-01")
    station("B1", region="Bishkek", points=[("GBT_DC", 120, "AVAILABLE")])
    services.add_target(
        user=world.secretariat,
        indicator="public_locations",
        country_code="KG",
        year=2026,
        value=230,
        baseline=0,
        legal_act="Seminar",
        now=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )
    call = publish(world.secretariat, now=dt.datetime.now(dt.UTC), days=10)
    ppp_services.submit_expression(
        user=investor("inv-a", "Alpha Invest"),
        call=call,
        planned_kw=100,
        proposal="our secret plan",
    )
    reports.generate_quarterly(quarter="2026Q4")
    return call.pk


@pytest.mark.parametrize("prefix", ["", "/ru", "/ky", "/kk"])
def test_every_strategy_page_answers_in_each_language(
    client: Client, desk_data: int, prefix: str
) -> None:
    for path in (*PAGES, f"/ppp/{desk_data}/"):
        response = client.get(prefix + path)
        assert response.status_code == 200, path
        assert f'lang="{prefix[1:] or "en"}"' in response.content.decode()


def test_the_public_page_shows_the_target_with_its_live_indicator(
    client: Client, desk_data: int
) -> None:
    body = client.get("/strategy/").content.decode()
    assert 'data-indicator="public_locations"' in body
    assert "Public charging stations" in body


def test_the_public_call_page_never_shows_a_proposal(client: Client, desk_data: int) -> None:
    body = client.get(f"/ppp/{desk_data}/").content.decode()
    assert "our secret plan" not in body
    assert "our secret plan" not in client.get("/ppp/calls.csv").content.decode()


def test_downloads_are_csv_and_pdf(client: Client, desk_data: int) -> None:
    csv = client.get("/strategy/investors.csv?country=KG")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().startswith("region,evs,")
    pdf = client.get("/strategy/investors.pdf?country=KG")
    assert pdf.content.startswith(b"%PDF")
    assert (
        client.get("/strategy/emissions.csv?country=KG").content.decode().startswith("region,year")
    )
    report_id = client.get("/strategy/").context["reports"][0].pk
    assert client.get(f"/strategy/reports/{report_id}.pdf").content.startswith(b"%PDF")
    assert client.get(f"/strategy/reports/{report_id}.exe").status_code == 404


def test_the_desk_is_the_secretariats(client: Client, desk_data: int) -> None:
    assert client.get("/strategy/desk/").status_code == 302  # to the log-in
    client.force_login(investor("inv-b", "Beta"))
    assert client.get("/strategy/desk/").status_code == 403
    response = client.post("/strategy/desk/targets/", {"indicator": "evs_registered"})
    assert response.status_code == 403


def test_a_wrong_value_on_the_desk_is_a_message_naming_the_field(
    client: Client, desk_data: int
) -> None:
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="secretariat-kg"))
    response = client.post(
        "/strategy/desk/targets/",
        {
            "indicator": "evs_registered",
            "country_code": "KG",
            "year": "x",
            "value": "1",
            "legal_act": "A",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "year must be a number" in response.content.decode()


def test_an_unknown_call_is_a_404_on_every_road(client: Client, desk_data: int) -> None:
    assert client.get("/ppp/999999/").status_code == 404
    client.force_login(investor("inv-c", "Gamma"))
    assert client.post("/ppp/999999/express/", {"planned_kw": "1"}).status_code == 404
