"""A remote OCPI platform stood in by httpx.MockTransport (an external system, not ours)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx

ENVELOPE_TIME = "2026-01-01T00:00:00Z"


def ok(data: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"data": data, "status_code": 1000, "timestamp": ENVELOPE_TIME}
    return httpx.Response(200, json=body, headers=headers or {})


class FakeOperator:
    """An operator's platform at https://operator.example/ocpi that accepts `token` and speaks
    the OCPI `versions` given (2.2.1 only by default), each at /ocpi/{version}."""

    base = "https://operator.example/ocpi"

    def __init__(
        self,
        token: str,
        *,
        locations: list[dict[str, Any]] | None = None,
        versions: tuple[str, ...] = ("2.2.1",),
    ) -> None:
        self.token = token
        self.versions = versions
        self.locations = locations or []
        self.requests: list[httpx.Request] = []
        self.link = True  # False: a peer whose Link header is unusable
        self.fail_first = 0  # answer this many requests with 503 first
        self.page_limit = 2
        self.extra: dict[str, Callable[[httpx.Request], httpx.Response]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail_first:
            self.fail_first -= 1
            return httpx.Response(503)
        header = request.headers.get("Authorization", "")
        token = base64.b64decode(header.removeprefix("Token ")).decode()
        if token != self.token:
            return httpx.Response(401, json={"status_code": 2000, "timestamp": ENVELOPE_TIME})
        path = request.url.path
        if path in self.extra:
            return self.extra[path](request)
        if path == "/ocpi/versions":
            return ok([{"version": v, "url": f"{self.base}/{v}"} for v in self.versions])
        for version in self.versions:
            if path == f"/ocpi/{version}":
                return ok(
                    {
                        "version": version,
                        "endpoints": [
                            {
                                "identifier": "credentials",
                                "role": "RECEIVER",
                                "url": self.url("cr", version),
                            },
                            {
                                "identifier": "locations",
                                "role": "SENDER",
                                "url": self.url("loc", version),
                            },
                        ],
                    }
                )
            if path == f"/ocpi/{version}/loc":
                return self.page(request)
        return httpx.Response(404, json={"status_code": 2000, "timestamp": ENVELOPE_TIME})

    def url(self, name: str, version: str = "2.2.1") -> str:
        return f"{self.base}/{version}/{name}"

    def page(self, request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", 0))
        limit = min(int(request.url.params.get("limit", 10)), self.page_limit)
        date_from = request.url.params.get("date_from")
        rows = [r for r in self.locations if not date_from or r["last_updated"] >= date_from]
        page = rows[offset : offset + limit]
        headers = {"X-Total-Count": str(len(rows)), "X-Limit": str(limit)}
        if offset + len(page) < len(rows):
            here = f"{self.base}{request.url.path.removeprefix('/ocpi')}"
            headers["Link"] = (
                f'<{here}?offset={offset + limit}&limit={limit}>; rel="next"'
                if self.link
                else '<not a url>; rel="next"'
            )
        return ok(page, headers)


def json_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def accept_registration(fake: FakeOperator, *, token_c: str, party: tuple[str, str]) -> None:
    """Make `fake` answer a credentials POST with its token C and role CPO for `party`."""

    def credentials(request: httpx.Request) -> httpx.Response:
        fake.posted = json_of(request)  # type: ignore[attr-defined]
        fake.token = token_c
        role = {
            "role": "CPO",
            "business_details": {"name": "Operator"},
            "country_code": party[0],
            "party_id": party[1],
        }
        return ok({"token": token_c, "url": f"{fake.base}/versions", "roles": [role]})

    for version in fake.versions:
        fake.extra[f"/ocpi/{version}/cr"] = credentials
