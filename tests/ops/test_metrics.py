"""/metrics: Prometheus text, bound to a token or an address list."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import resolve
from prometheus_client.parser import text_string_to_metric_families

from kubat.quotas import published
from tests.ocpi.factories import call, location, location_url, registered_peer

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests"


def _scrape(client: Client) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((sample.labels, sample.value))
    return out


def _value(
    metrics: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str
) -> float:
    return sum(v for got, v in metrics.get(name, []) if labels.items() <= got.items())


@override_settings(KUBAT_METRICS_TOKEN=TOKEN, KUBAT_METRICS_ALLOW=[])
def test_metrics_refuse_a_scrape_without_the_token(client: Client) -> None:
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


@override_settings(KUBAT_METRICS_TOKEN="", KUBAT_METRICS_ALLOW=["10.0.0.0/8", "127.0.0.1"])
def test_metrics_answer_an_address_in_the_list(client: Client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403


@override_settings(KUBAT_METRICS_TOKEN="", KUBAT_METRICS_ALLOW=[])
def test_metrics_answer_nobody_when_neither_is_configured(client: Client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@override_settings(KUBAT_METRICS_TOKEN=TOKEN)
def test_requests_are_counted_by_route_and_status_with_latency(client: Client) -> None:
    before = _scrape(client)
    client.get("/api/v1/locations/987654")
    client.get("/healthz")
    after = _scrape(client)
    route = "/" + resolve("/api/v1/locations/987654").route  # the pattern, not the path
    assert "987654" not in route
    delta = _value(after, "kubat_http_requests_total", route=route, status="404") - _value(
        before, "kubat_http_requests_total", route=route, status="404"
    )
    assert delta == 1
    assert _value(after, "kubat_http_request_duration_seconds_count", route="/healthz") >= 1
    assert after["kubat_http_request_duration_seconds_bucket"]


@override_settings(KUBAT_METRICS_TOKEN=TOKEN)
def test_ocpi_updates_are_counted_accepted_and_refused(client: Client) -> None:
    registered_peer("KG*ABC")
    before = _scrape(client)
    assert call(client, "PUT", location_url(), location()).status_code == 201  # created
    patch = {"status": "CHARGING", "last_updated": "2026-02-01T00:00:00Z"}
    assert call(client, "PATCH", location_url("BSK1", "1"), patch).status_code == 200
    assert call(client, "PATCH", location_url("NOPE", "1"), patch).status_code == 404
    after = _scrape(client)

    def delta(obj: str, outcome: str) -> float:
        name = "kubat_ocpi_updates_total"
        return _value(after, name, object=obj, outcome=outcome) - _value(
            before, name, object=obj, outcome=outcome
        )

    routes = {labels["route"] for labels, _ in after["kubat_http_requests_total"]}
    assert "/ocpi/2.2.1/receiver/locations/<country_code>/<party_id>/<location_id>/" in routes
    assert delta("location", "accepted") == 1
    assert delta("evse", "accepted") == 1
    assert delta("evse", "refused") == 1


@override_settings(KUBAT_METRICS_TOKEN=TOKEN)
def test_quota_balances_permits_overdue_and_job_runs_are_read_from_the_database(
    client: Client,
) -> None:
    published.load_periods()
    call_command("worker", "--once", "--job", "quotas-settle")
    metrics = _scrape(client)
    volumes = {labels["period"]: v for labels, v in metrics["kubat_quota_volume"]}
    assert len(volumes) >= 9
    assert 15000 in volumes.values()
    assert _value(metrics, "kubat_quota_draws_total") >= 0
    assert "kubat_quota_remaining" in metrics
    assert metrics["kubat_permit_cases_overdue"] == [({}, 0.0)]
    assert _value(metrics, "kubat_job_runs_total", job="quotas-settle", outcome="ok") == 1
    assert _value(metrics, "kubat_job_last_success_timestamp_seconds", job="quotas-settle") > 0
    assert _value(metrics, "kubat_worker_last_seen_timestamp_seconds") > 0


@override_settings(KUBAT_METRICS_TOKEN=TOKEN, KUBAT_METRICS_ALLOW=[])
def test_an_invented_method_is_counted_as_other_so_labels_stay_bounded(client: Client) -> None:
    for n in range(5):
        client.generic(f"X-INVENTED-{n}", "/healthz")
    metrics = _scrape(client)
    methods = {labels["method"] for labels, _ in metrics["kubat_http_requests_total"]}
    assert not any(m.startswith("X-INVENTED") for m in methods)
    assert _value(metrics, "kubat_http_requests_total", method="other") >= 5
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
