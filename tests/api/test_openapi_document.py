"""/api/v1's OpenAPI document says what the code enforces, and the code refuses what it says.

The whole-document run is tests/api/test_schemathesis.py; these are the rules one by one, each
with the request that proves the code side.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.api import api
from kubat.core.jsonguard import MAX_SAFE_INTEGER
from kubat.openapi import NO_NUL
from kubat.registry import bounds
from kubat.registry.selectors import MAX_ID

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return api.get_openapi_schema()


@pytest.fixture
def auth() -> dict[str, str]:
    user = get_user_model().objects.create_user("document-reader")
    account_services.grant_role(user=user, role=Role.SECRETARIAT)
    return {"HTTP_AUTHORIZATION": f"Bearer {account_services.issue_token(user=user)}"}


def _walk(node: Any, components: dict[str, Any], seen: set[str]) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, components, seen)
    elif isinstance(node, dict):
        yield node
        ref = node.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if ref and name not in seen:
            seen.add(name)
            yield from _walk(components[name], components, seen)
        for key, value in node.items():
            if key == "properties":
                yield from _walk(list(value.values()), components, seen)
            elif key not in {"enum", "const", "default", "$ref"}:
                yield from _walk(value, components, seen)


def _json_bodies(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    components = document["components"]["schemas"]
    seen: set[str] = set()
    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield from _walk(content["application/json"]["schema"], components, seen)


def test_every_number_in_a_json_body_is_within_the_range_jsonguard_reads(
    document: dict[str, Any],
) -> None:
    numbers = [n for n in _json_bodies(document) if n.get("type") in {"integer", "number"}]
    assert numbers
    for number in numbers:
        assert -MAX_SAFE_INTEGER <= number["minimum"] <= number["maximum"] <= MAX_SAFE_INTEGER


def test_no_text_in_a_json_body_or_a_parameter_may_hold_a_nul(document: dict[str, Any]) -> None:
    texts = [n for n in _json_bodies(document) if n.get("type") == "string"]
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                texts += [b for b in schema.get("anyOf", [schema]) if b.get("type") == "string"]
    assert texts
    for text in texts:
        if "enum" in text:
            continue
        patterns = [text.get("pattern")] + [p.get("pattern") for p in text.get("allOf", [])]
        assert NO_NUL in patterns, text


def test_the_registry_bounds_are_in_the_ocpi_components(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    connector = components["Connector"]["properties"]
    assert connector["max_voltage"]["maximum"] == bounds.CONNECTOR_BOUNDS["max_voltage"][1]
    assert connector["max_amperage"]["maximum"] == bounds.CONNECTOR_BOUNDS["max_amperage"][1]
    [power] = [b for b in connector["max_electric_power"]["anyOf"] if b["type"] == "integer"]
    assert power["maximum"] == bounds.CONNECTOR_BOUNDS["max_electric_power"][1]
    assert components["EVSE"]["properties"]["connectors"]["maxItems"] == 16
    [evses] = [b for b in components["Location"]["properties"]["evses"]["anyOf"] if "items" in b]
    assert evses["maxItems"] == bounds.MAX_EVSES_PER_LOCATION


def test_an_undeclared_field_in_a_json_body_is_refused_naming_it(
    client: Client, auth: dict[str, str]
) -> None:
    """It used to be dropped in silence: a misspelt `reason` lost the reason."""
    response = client.post(
        "/api/v1/permits/cases/1/completeness",
        json.dumps({"complete": False, "reson": "no site plan"}),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "reson"


def test_a_case_status_no_case_can_have_is_400_naming_it(
    client: Client, auth: dict[str, str]
) -> None:
    response = client.get("/api/v1/permits/cases", {"status": "approvedd"}, **auth)
    assert (response.status_code, response.json()["field"]) == (400, "status")
    assert client.get("/api/v1/permits/cases", {"status": ""}, **auth).status_code == 200


def test_a_reliability_figure_for_an_evse_id_beyond_bigint_is_400_not_500() -> None:
    """Found by schemathesis: the id reached SQL and overflowed."""
    client = Client(raise_request_exception=False)
    for evse in (-(2**63) - 1, 0, MAX_ID + 1):
        response = client.get("/api/v1/insights/reliability", {"evse": evse})
        assert (response.status_code, response.json()["field"]) == (400, "evse")


def test_a_siting_run_the_data_held_cannot_answer_is_409(
    client: Client, auth: dict[str, str]
) -> None:
    """No candidate site is a state of the registry, not a fault in the request (400)."""
    response = client.post(
        "/api/v1/insights/siting/KG", json.dumps({"stations": 1}), "application/json", **auth
    )
    assert (response.status_code, response.json()["field"]) == (409, "candidates")


def test_a_register_country_of_letters_outside_ascii_is_400(client: Client) -> None:
    """str.isalpha() took "ÄÖ" for a country code; the document says [A-Za-z]{2}."""
    response = client.get("/api/v1/permits/register", {"country": "ÄÖ"})
    assert (response.status_code, response.json()["field"]) == (400, "country")
