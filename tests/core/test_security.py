"""Security rules every page and the API hold: CSP without inline script, Swagger UI from our
own files, login lock-out per account and per address, the anonymous API rate limit."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from pytest_django.fixtures import Settings

from kubat.accounts import services as account_services
from tests.quotas.factories import period
from tests.registry.factories import location_data, save

pytestmark = pytest.mark.django_db


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.sources: list[str] = []
        self.handlers: list[str] = []
        self._in_inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            if named.get("src"):
                self.sources.append(str(named["src"]))
            elif named.get("type") != "application/json":
                self._in_inline = True

    def handle_data(self, data: str) -> None:
        if self._in_inline and data.strip():
            self.inline.append(data.strip()[:60])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline = False


def _pages() -> list[str]:
    location = save(location_data())
    quota = period()
    return [
        "/",
        "/map/",
        f"/locations/{location.pk}/",
        "/open-data/",
        "/standards/",
        "/quotas/",
        f"/quotas/periods/{quota.pk}/",
        "/quotas/login/",
        "/permits/login/",
        "/permits/transparency/",
        "/admin/login/",
        "/api/v1/docs",
    ]


def test_every_page_has_a_csp_that_allows_no_inline_script_and_has_none(client: Client) -> None:
    for path in _pages():
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy)
        assert script_src is not None, policy
        assert script_src.group(1).split() == ["'self'"], (path, policy)
        assert "frame-ancestors 'none'" in policy
        parser = _Scripts()
        parser.feed(response.content.decode())
        assert parser.inline == [], (path, parser.inline)
        assert parser.handlers == [], (path, parser.handlers)
        for source in parser.sources:
            assert source.startswith("/static/"), (path, source)


def test_api_docs_serve_swagger_ui_from_our_static_files(client: Client) -> None:
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    bundle = client.get("/static/ninja/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    bundle.close()


# Logins ------------------------------------------------------------------------------------


@pytest.fixture
def account() -> object:
    return get_user_model().objects.create_user("operator-1", password="right-horse-battery")


def _attempt(client: Client, path: str, username: str, password: str, ip: str) -> int:
    response = client.post(
        path, {"username": username, "password": password}, REMOTE_ADDR=ip, follow=False
    )
    return int(response.status_code)


@pytest.mark.parametrize("path", ["/admin/login/", "/quotas/login/", "/permits/login/"])
def test_repeated_failed_logins_lock_the_account_even_from_other_addresses(
    client: Client, account: object, path: str, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(2):
        assert _attempt(client, path, "operator-1", "wrong", f"198.51.100.{n}") == 200
    # The third failure locks the account out (429), from whichever address.
    assert _attempt(client, path, "operator-1", "wrong", "198.51.100.2") == 429
    # Locked now: the right password from yet another address is refused with 429.
    assert _attempt(client, path, "operator-1", "right-horse-battery", "198.51.100.9") == 429


def test_repeated_failed_logins_lock_the_address_for_every_account(
    client: Client, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    get_user_model().objects.create_user("someone-else", password="right-horse-battery")
    for n in range(2):
        assert _attempt(client, "/quotas/login/", f"guess-{n}", "x", "203.0.113.7") == 200
    assert _attempt(client, "/quotas/login/", "guess-2", "x", "203.0.113.7") == 429
    assert (
        _attempt(client, "/quotas/login/", "someone-else", "right-horse-battery", "203.0.113.7")
        == 429
    )
    # Another address is not locked.
    assert (
        _attempt(client, "/quotas/login/", "someone-else", "right-horse-battery", "203.0.113.8")
        == 302
    )


def test_a_lock_out_is_logged_and_listed_in_the_admin(
    client: Client, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        _attempt(client, "/permits/login/", "victim", "x", "192.0.2.44")
    assert any("locking out" in r.getMessage().lower() for r in caplog.records)
    admin = get_user_model().objects.create_superuser("root", password="root-horse-battery")
    client.force_login(admin)
    listing = client.get("/admin/axes/accessattempt/").content.decode()
    assert AccessAttempt.objects.filter(username="victim").exists()
    assert "victim" in listing


def test_the_full_password_validator_set_is_on() -> None:
    from django.contrib.auth.password_validation import get_default_password_validators

    names = {type(v).__name__ for v in get_default_password_validators()}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


# The anonymous API limit -------------------------------------------------------------------


@pytest.fixture
def limit(settings: Settings) -> int:
    from django.core.cache import cache

    cache.clear()
    settings.KUBAT_PUBLIC_RATE_LIMIT = 3
    return 3


def test_anonymous_api_reads_over_the_limit_get_429_with_retry_after(
    client: Client, limit: int
) -> None:
    for _ in range(limit):
        assert client.get("/api/v1/stats", REMOTE_ADDR="198.51.100.20").status_code == 200
    over = client.get("/api/v1/stats", REMOTE_ADDR="198.51.100.20")
    assert over.status_code == 429
    assert 1 <= int(over["Retry-After"]) <= 60
    assert over.json()["code"] == "rate_limited"
    # Another address has its own count.
    assert client.get("/api/v1/stats", REMOTE_ADDR="198.51.100.21").status_code == 200


def test_authenticated_clients_are_not_limited_and_a_bad_token_is(
    client: Client, limit: int
) -> None:
    user = get_user_model().objects.create_user("machine")
    token = account_services.issue_token(user=user)
    for _ in range(limit + 3):
        response = client.get(
            "/api/v1/stats", REMOTE_ADDR="198.51.100.30", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 200
    statuses = [
        client.get(
            "/api/v1/stats", REMOTE_ADDR="198.51.100.31", HTTP_AUTHORIZATION="Bearer made-up"
        ).status_code
        for _ in range(limit + 1)
    ]
    assert statuses[-1] == 429


def test_the_client_address_comes_from_the_trusted_proxy_only(
    client: Client, limit: int, settings: Settings
) -> None:
    # Without a trusted proxy, a forged X-Forwarded-For does not give a fresh count.
    for n in range(limit + 1):
        last = client.get(
            "/api/v1/stats", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        )
    assert last.status_code == 429
    # Behind one trusted proxy, the address it appended is the client's, and what the client
    # wrote to the left of it is ignored.
    settings.KUBAT_TRUSTED_PROXY = 1
    for n in range(limit + 1):
        last = client.get(
            "/api/v1/stats",
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.40",
        )
    assert last.status_code == 429
    other = client.get(
        "/api/v1/stats", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.41"
    )
    assert other.status_code == 200
