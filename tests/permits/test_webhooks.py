"""Signed webhooks to an operator's system (a real HTTP server on loopback): HMAC, retried,
idempotent by delivery id."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import threading
import time
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
from kubat.permits.models import WebhookDelivery, WebhookSubscription
from tests.permits.factories import T0, application, draft, make_world

pytestmark = pytest.mark.django_db


@dataclass
class Receiver:
    """An operator's endpoint on 127.0.0.1 that fails the first `fail` requests."""

    url: str = ""
    fail: int = 0
    delay: float = 0.0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver(settings: LazySettings) -> Iterator[Receiver]:
    settings.KUBAT_PERMIT_WEBHOOK_ALLOW_LOOPBACK = True
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(state.delay)
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


def test_each_delivery_is_claimed_and_stamped_at_its_own_attempt(receiver: Receiver) -> None:
    """A run of slow receivers outlasts a lease counted from the run's start: each claim,
    delivery time and retry is counted from the moment of that attempt."""
    world = make_world("KZ")
    webhooks.subscribe(user=world.applicant, url=receiver.url)
    draft(world)  # two events: created, attached
    receiver.delay = 0.4
    started = timezone.now()
    report = webhooks.deliver_due()
    assert len(report.delivered) == 2
    first, second = WebhookDelivery.objects.order_by("delivered_at")
    assert first.delivered_at is not None
    assert second.delivered_at is not None
    assert first.delivered_at >= started + timedelta(seconds=0.4)
    assert second.delivered_at - first.delivered_at >= timedelta(seconds=0.4)


def test_a_retry_is_scheduled_from_the_failed_attempt_not_the_run_start(
    receiver: Receiver,
) -> None:
    world = make_world("KZ")
    webhooks.subscribe(user=world.applicant, url=receiver.url)
    draft(world)
    receiver.fail, receiver.delay = 100, 0.4
    started = timezone.now()
    webhooks.deliver_due()
    last = WebhookDelivery.objects.order_by("-next_attempt_at").first()
    assert last is not None
    assert last.next_attempt_at is not None
    assert last.next_attempt_at >= started + webhooks.RETRY_AFTER[0] + timedelta(seconds=0.8)


class _SilentListener:
    """A TCP socket on loopback that answers nothing and counts the connections it got."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port = int(self.sock.getsockname()[1])

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1


def test_a_name_rebound_to_loopback_after_the_check_reaches_nothing(
    settings: LazySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: `hook.rebind.test` answers a public address to the first lookup and
    127.0.0.1 to every later one. Kubat resolves once per sending and connects to what it
    checked; a check followed by a second lookup at connect time would reach the listener.

    No traffic leaves loopback: the resolver is the test's own, and a guard refuses any
    connection to an address that is not loopback (the public answer is never dialled)."""
    settings.KUBAT_PERMIT_WEBHOOK_ALLOW_LOOPBACK = False
    listener = _SilentListener()
    world = make_world("KZ")
    url = f"https://hook.rebind.test:{listener.port}/kubat"
    sub = WebhookSubscription.objects.create(
        organisation=world.applicant_org, url=url, secret="s", created_at=timezone.now()
    )
    assert sub.pk
    draft(world)
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection
    lookups: list[str] = []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "hook.rebind.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = "93.184.215.14" if not lookups else "127.0.0.1"
        lookups.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def loopback_only(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host, port = address
        for *_, sockaddr in rebinding(host, port):
            if not ipaddress.ip_address(sockaddr[0]).is_loopback:
                raise ConnectionRefusedError(f"the test never dials {sockaddr[0]}")
            return real_connect((sockaddr[0], port), *args, **kwargs)
        raise ConnectionRefusedError(host)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(socket, "create_connection", loopback_only)
    try:
        webhooks.deliver_due()
        webhooks.deliver_due(now=timezone.now() + timedelta(minutes=3))  # the retries
    finally:
        monkeypatch.undo()
        connections = listener.connections()
        listener.sock.close()
    assert lookups  # the name was looked up...
    assert connections == 0  # ...and the rebound answer was never connected to
    assert WebhookDelivery.objects.filter(delivered_at__isnull=False).count() == 0
    refused = WebhookDelivery.objects.exclude(last_error="").values_list("last_error", flat=True)
    assert any("loopback" in error for error in refused), list(refused)
