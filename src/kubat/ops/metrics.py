"""Prometheus metrics at /metrics.

Two sources, chosen by where the truth is:

- per-request counters and latency histograms are counted in the web processes. Under gunicorn
  (`kubat serve` sets PROMETHEUS_MULTIPROC_DIR and empties it at start) each worker process
  writes them to memory-mapped files that a scrape sums (prometheus-client's multiprocess
  mode), so a scrape that lands on any process sees them all;
- the domain figures (quota balances and draws, permit cases overdue, job runs, the worker's
  last beat) are read from the database on scrape: they are the same whichever process or
  machine answers, and survive restarts. Each is a handful of indexed aggregate queries.

OCPI updates counted are those the receiver answered (PUT/PATCH of a Location, EVSE or
Connector): `accepted` with a 2xx answer, `refused` otherwise.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import secrets
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kubat.ops.models import JobRun, JobState, WorkerBeat
from kubat.permits import selectors as permit_selectors
from kubat.quotas import selectors as quota_selectors

# The *_created series double the output and nobody alerts on them.
disable_created_metrics()  # type: ignore[no-untyped-call]
REQUESTS = Counter(
    "kubat_http_requests",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "kubat_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
OCPI_UPDATES = Counter(
    "kubat_ocpi_updates",
    "OCPI Location/EVSE/Connector updates received, by outcome.",
    ["object", "outcome"],
)
_OCPI_OBJECTS = {
    "ocpi-receiver-location": "location",
    "ocpi-receiver-evse": "evse",
    "ocpi-receiver-connector": "connector",
}


# The methods a label may carry; anything else a client invents ("FOO", a random string per
# request) is "other", so a caller cannot grow the series without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The request method as a bounded label: a known method, else "other"."""
    upper = method.upper()
    return upper if upper in METHODS else "other"


def observe_request(*, route: str, url_name: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request (called by the request middleware)."""
    method = method_label(method)
    counted, timed, updates = _children(route, url_name, method, status)
    counted.inc()
    timed.observe(seconds)
    if updates is not None:
        updates.inc()


@functools.lru_cache(maxsize=4096)
def _children(
    route: str, url_name: str, method: str, status: int
) -> tuple[Counter, Histogram, Counter | None]:
    """The labelled series one kind of answer moves. The labels are bounded (routes, methods,
    statuses), so each combination is looked up once per process: prometheus-client checks
    and locks on every `labels()`, three times per request."""
    updates = None
    if url_name in _OCPI_OBJECTS and method in {"PUT", "PATCH"}:
        outcome = "accepted" if 200 <= status < 300 else "refused"
        updates = OCPI_UPDATES.labels(_OCPI_OBJECTS[url_name], outcome)
    return REQUESTS.labels(route, method, str(status)), LATENCY.labels(route, method), updates


class DatabaseCollector(Collector):
    """The domain figures, read from the database at scrape time."""

    def collect(self) -> Iterator[Metric]:
        yield from _quota_metrics()
        yield from _permit_metrics()
        yield from _job_metrics()

    def describe(self) -> list[Metric]:
        return []  # unknown until collected; keeps registration from querying the database


def _quota_metrics() -> Iterator[Metric]:
    labels = ["period", "country"]
    families = {
        name: GaugeMetricFamily(
            f"kubat_quota_{name}", f"Quota period {name} (units).", labels=labels
        )
        for name in ("volume", "allocated", "cleared", "returned", "remaining")
    }
    draws = CounterMetricFamily(
        "kubat_quota_draws",
        "Units ever drawn from a period (allocated + returned).",
        labels=labels,
    )
    for period in quota_selectors.periods():
        figures = quota_selectors.period_summary(period=period)
        key = [str(figures["name"]), str(figures["country_code"])]
        for name, family in families.items():
            family.add_metric(key, figures[name])
        draws.add_metric(key, figures["allocated"] + figures["returned"])
    yield from families.values()
    yield draws


def _permit_metrics() -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "kubat_permit_cases_overdue",
        "Permit cases whose completeness check or grid acceptance is overdue (escalated, open).",
        value=permit_selectors.overdue_cases().count(),
    )
    yield GaugeMetricFamily(
        "kubat_permit_approvals_overdue",
        "Agency approvals past their statutory deadline (escalated, still open).",
        value=permit_selectors.escalated_approvals().count(),
    )


def _job_metrics() -> Iterator[Metric]:
    runs = CounterMetricFamily(
        "kubat_job_runs",
        "Periodic job runs recorded, by job and outcome.",
        labels=["job", "outcome"],
    )
    for row in JobRun.objects.values("job", "outcome").annotate(n=Count("id")).order_by():
        runs.add_metric([row["job"], row["outcome"]], row["n"])
    yield runs
    duration = GaugeMetricFamily(
        "kubat_job_last_duration_seconds",
        "Duration of the job's last finished run.",
        labels=["job"],
    )
    success = GaugeMetricFamily(
        "kubat_job_last_success_timestamp_seconds",
        "When the job last finished successfully (Unix time).",
        labels=["job"],
    )
    for state in JobState.objects.all():
        if state.last_duration is not None:
            duration.add_metric([state.name], state.last_duration)
    last_ok = (
        JobRun.objects.filter(outcome=JobRun.Outcome.OK)
        .values("job")
        .annotate(at=Max("finished_at"))
        .order_by()
    )
    for job, at in last_ok.values_list("job", "at"):
        success.add_metric([job], at.timestamp())
    yield duration
    yield success
    seen = WorkerBeat.objects.aggregate(at=Max("seen_at"))["at"]
    if seen is not None:
        yield GaugeMetricFamily(
            "kubat_worker_last_seen_timestamp_seconds",
            "When a worker last reported alive (Unix time).",
            value=seen.timestamp(),
        )


def exposition() -> bytes:
    """The text exposition of every metric, summed over processes when under gunicorn."""
    registry: Any
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        for collector in (REQUESTS, LATENCY, OCPI_UPDATES):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def _address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for item in settings.KUBAT_METRICS_ALLOW:
        try:
            if ip in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def allowed(request: HttpRequest) -> bool:
    """A scrape with the bearer token KUBAT_METRICS_TOKEN, or from an address in the list.

    The address is the TCP peer (REMOTE_ADDR), never a forwarded header: a proxy in front must
    not pass /metrics on (docs/operations.md).
    """
    token = settings.KUBAT_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if token and given and secrets.compare_digest(given, token):
        return True
    return _address_allowed(request.META.get("REMOTE_ADDR", ""))


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse(
            "metrics need KUBAT_METRICS_TOKEN (Authorization: Bearer) or an address in "
            "KUBAT_METRICS_ALLOW\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
