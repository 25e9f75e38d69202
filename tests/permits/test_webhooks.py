"""Signed webhooks to an operator's system (a real HTTP server on loopback): HMAC, retried,
idempotent by delivery id."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.conf import LazySettings
from django.test import Client
from django.utils import timezone

from kubat.accounts import services as account_services
from kubat.core.errors import InvalidInput
from kubat.permits import services, webhooks
from kubat.permits.models import WebhookDelivery
from tests.permits.factories import T0, application, draft, make_world

pytestmark = pytest.mark.django_db


@dataclass
class Receiver:
    """An operator's endpoint on 127.0.0.1 that fails the first `fail` requests."""

    url: str = ""
    fail: int = 0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver(settings: LazySettings) -> Iterator[Receiver]:
    settings.KUBAT_PERMIT_WEBHOOK_ALLOW_LOOPBACK = True
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers.items()), body))
            status = 500 if len(state.requests) <= state.fail else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/kubat-hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _check_signature(headers: dict[str, str], body: bytes, secret: str) -> None:
    parts = dict(p.split("=", 1) for p in headers["Kubat-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(parts["v1"], expected.hexdigest())


def test_a_case_change_reaches_the_operator_signed(receiver: Receiver) -> None:
    world = make_world("KZ")
    token = account_services.issue_token(user=world.applicant)
    response = Client().post(
        "/api/v1/permits/webhooks",
        data={"url": receiver.url},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    secret = response.json()["secret"]
    case = draft(world)
    services.submit_case(user=world.applicant, case=case, now=T0)
    report = webhooks.deliver_due()
    assert len(report.delivered) == 3  # created, attached, submitted
    events = [json.loads(body)["event"] for _, body in receiver.requests]
    assert events == ["case.created", "case.attached", "case.submitted"]
    headers, body = receiver.requests[-1]
    _check_signature(headers, body, secret)
    assert headers["Kubat-Event"] == "case.submitted"
    assert json.loads(body)["case"]["reference"] == case.reference
    assert webhooks.deliver_due().delivered == []  # nothing twice


def test_a_failed_delivery_is_retried_with_the_same_delivery_id(receiver: Receiver) -> None:
    world = make_world("KZ")
    webhooks.subscribe(user=world.applicant, url=receiver.url)
    receiver.fail = 2
    services.create_draft(
        user=world.applicant,
        application=application("KZ"),
        now=T0,
    )
    now = timezone.now()
    first = webhooks.deliver_due(now=now)
    assert len(first.retrying) == 1
    assert webhooks.deliver_due(now=now + timedelta(seconds=30)).retrying == []  # not due yet
    second = webhooks.deliver_due(now=now + timedelta(minutes=2))
    assert second.retrying == first.retrying
    third = webhooks.deliver_due(now=now + timedelta(minutes=10))
    assert third.delivered == first.retrying
    ids = {headers["Kubat-Delivery"] for headers, _ in receiver.requests}
    assert ids == set(first.retrying)
    assert len(receiver.requests) == 3
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status) == (3, 204)


def test_a_delivery_is_given_up_after_the_last_retry(receiver: Receiver) -> None:
    world = make_world("KZ")
    webhooks.subscribe(user=world.applicant, url=receiver.url)
    receiver.fail = 100
    draft(world)
    now = timezone.now()
    for hour in range(0, 24 * 3, 1):
        webhooks.deliver_due(now=now + timedelta(hours=hour))
    for delivery in WebhookDelivery.objects.all():
        assert delivery.attempts == webhooks.MAX_ATTEMPTS
        assert delivery.next_attempt_at is None
        assert delivery.delivered_at is None
        assert delivery.last_error == "HTTP 500"


def test_only_the_case_organisation_hears_of_it(receiver: Receiver) -> None:
    world = make_world("KZ")
    webhooks.subscribe(user=world.outsider, url=receiver.url)
    draft(world)
    assert webhooks.deliver_due().delivered == []
    assert receiver.requests == []


def test_webhook_urls_must_not_reach_private_or_loopback_addresses(settings: LazySettings) -> None:
    settings.KUBAT_PERMIT_WEBHOOK_ALLOW_LOOPBACK = False
    world = make_world("KZ")
    # Checked without sending anything: IP literals need no lookup.
    for url in ("http://127.0.0.1:9/x", "https://10.1.2.3/x", "https://[::1]/x", "ftp://a/b"):
        with pytest.raises(InvalidInput) as refused:
            webhooks.subscribe(user=world.applicant, url=url)
        assert refused.value.field == "url"
