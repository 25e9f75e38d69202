"""Schemathesis over the whole /api/v1 OpenAPI document, every check on, bounded and seeded.

Each operation gets up to SCHEMATHESIS_EXAMPLES generated requests (default 8 in `make test`;
`make fuzz` runs 200), sent in-process to Kubat's WSGI application on a real database holding
two locations, with a secretariat token (schemathesis also tries them without it). Any 5xx, any
status, header or body the document does not declare, any accepted nonsense (negative data) and
any refused request that the document says is valid (positive data: a 400 or 422 for it) fails
the test.

The document declares each value's constraints (kubat.core.apischema, kubat.openapi). What one
value's JSON Schema cannot say is a rule between values, or the content of an uploaded file;
`complete_valid_case` below makes a positive request keep those rules, each as its parameter's
description in the document states it, the way a client following the document would. Negative
requests are left as generated.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.registry import exchange, selectors
from kubat.wsgi import application
from tests.registry.factories import location_data, save

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
NEAR = "42.87,74.6"

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def _first_page_cursor(*, near: bool) -> str | None:
    """The next_cursor a client holds after a first page of one location (of either kind)."""
    filters = selectors.LocationFilters(near=(42.87, 74.6) if near else None)
    return selectors.search_locations(filters=filters, limit=1).next_cursor


def _complete_location_search(query: dict[str, Any]) -> None:
    """GET /locations: radius_km only with near; max_price and currency together; a box's
    minimum at most its maximum; a cursor from the previous page of a query of the same kind."""
    # An empty value is "not given", as the handler reads it.
    if query.get("radius_km") is not None and not query.get("near"):
        query["near"] = NEAR
    if query.get("max_price") is not None and not query.get("currency"):
        query["currency"] = "KGS"
    if query.get("currency") and query.get("max_price") is None:
        query["max_price"] = 1000
    if query.get("bbox"):
        parts = str(query["bbox"]).split(",")
        lons, lats = sorted(parts[0::2], key=float), sorted(parts[1::2], key=float)
        query["bbox"] = ",".join([lons[0], lats[0], lons[1], lats[1]])
    if query.get("cursor"):
        cursor = _first_page_cursor(near=bool(query.get("near")))
        if cursor is None:
            del query["cursor"]
        else:
            query["cursor"] = cursor


def _import_file(file_format: str) -> bytes:
    """A file the import takes: the export of the locations held (CSV), or one new location."""
    if file_format == "json":
        return json.dumps([location_data(ocpi_id="SCHEMATHESIS")]).encode()
    rows = exchange.stream_csv(selectors.iter_locations(), generated_at=timezone.now())
    return "".join(rows).encode()


def complete_valid_case(case: Any) -> None:
    """Keep, in a positive request, the rules between values that the document states in words
    (see the module docstring). Called in the test, where the database holds its data (a
    cursor and an export are read from it), not at generation, which runs at collection too."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    operation = f"{case.method.upper()} {case.operation.path}"
    if operation == "GET /api/v1/locations" and isinstance(case.query, dict):
        _complete_location_search(case.query)
    elif operation == "PUT /api/v1/locations/{country_code}/{party_id}/{location_id}":
        # The body names the location of the path.
        if isinstance(case.body, dict) and isinstance(case.path_parameters, dict):
            path = {k: unquote(str(v)) for k, v in case.path_parameters.items()}
            case.body.update(
                country_code=path["country_code"], party_id=path["party_id"], id=path["location_id"]
            )
    elif operation == "POST /api/v1/imports" and isinstance(case.body, dict):
        case.body["file"] = _import_file(str(case.body.get("file_format", "csv")))
    elif operation == "POST /api/v1/insights/candidates/{country}" and isinstance(case.body, dict):
        case.body["file"] = b"name,lat,lon\nBishkek south,42.80,74.60\n"


@pytest.fixture(autouse=True)
def _keep_the_test_transaction() -> Iterator[None]:
    """Requests go to the WSGI application itself, whose request signals close "old" database
    connections, and inside the test's transaction that is the test's own connection; Django's
    test Client disconnects the same handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db: None) -> str:
    save(location_data(ocpi_id="L1"))
    save(location_data(ocpi_id="L2", lat=42.9))
    user = get_user_model().objects.create_user("schemathesis")
    account_services.grant_role(user=user, role=Role.SECRETARIAT)
    return account_services.issue_token(user=user)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_v1_conforms_to_its_openapi_document(case: Any, token: str) -> None:
    complete_valid_case(case)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
