"""Stable addresses in four languages: prefix, then switcher cookie, then Accept-Language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

PAGES = ["/", "/map/", "/open-data/", "/standards/"]


def _lang(response: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/en", "/ru", "/ky", "/kk"])
def test_every_page_answers_under_every_language_prefix(client: Client, prefix: str) -> None:
    for page in PAGES:
        response = client.get(prefix + page)
        assert response.status_code == 200, prefix + page
        assert _lang(response) == (prefix.strip("/") or "en")


@pytest.mark.django_db
def test_unprefixed_page_follows_the_switcher_cookie(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ky"
    response = client.get("/map/")
    assert response.status_code == 200
    assert _lang(response) == "ky"
    assert response["Content-Language"] == "ky"
    assert "Cookie" in response["Vary"]
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_unprefixed_page_follows_accept_language_without_a_cookie(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="kk-KZ,kk;q=0.9,ru;q=0.8")
    assert _lang(response) == "kk"


@pytest.mark.django_db
def test_prefix_wins_over_cookie_and_header(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ky"
    response = client.get("/ru/map/", HTTP_ACCEPT_LANGUAGE="kk")
    assert _lang(response) == "ru"


@pytest.mark.django_db
def test_switcher_sets_the_cookie_and_returns_to_the_same_page(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/map/?country=KG"})
    assert response.status_code == 302
    assert response["Location"] == "/ru/map/?country=KG"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    back = client.post("/i18n/setlang/", {"language": "en", "next": "/ru/map/"})
    assert back["Location"] == "/map/"


@pytest.mark.django_db
def test_other_addresses_ignore_the_language_prefix_rules(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    assert client.get("/api/v1/stats").status_code == 200
    assert client.get("/ru/api/v1/stats").status_code == 404
