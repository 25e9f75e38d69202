"""Signed webhooks: an operator's system hears when one of its cases changes.

An organisation subscribes a URL (`subscribe`); every audit entry on a case the organisation
applied for, holds, or receives by transfer queues one `WebhookDelivery` per active
subscription (`enqueue`, called by `services.audit`, inside the same transaction: an event is
queued exactly when the change commits). `deliver_due` (the `kubat permits webhooks` command,
run every minute) POSTs each due delivery:

    POST <url>
    Content-Type: application/json
    Kubat-Delivery: <uuid>          the same on every retry: receivers drop duplicates by it
    Kubat-Event: case.<action>      e.g. case.submitted, case.fee_paid, case.issued
    Kubat-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

A 2xx answer marks it delivered. Anything else (an error status, a timeout, a refused
connection) is retried after 1, 5, 30 minutes, 2, 6 and 24 hours; after the last it is given
up (`next_attempt_at` empty, `last_error` says why). A delivery is claimed (its next attempt
pushed a lease ahead) in a short transaction before the request is sent, so two runners never
send the same attempt, and no database lock is held during the HTTP call.

Where to: https to a host whose addresses are all public; plain http and loopback addresses
only with `KUBAT_PERMIT_WEBHOOK_ALLOW_LOOPBACK` (development and tests). Private, link-local
and reserved addresses are refused at subscription and again at sending by the core pinned
transport (`kubat.core.outbound`): the host is resolved once per sending and the connection
goes to the address that was checked, so a name that answers a public address to the check
and 127.0.0.1 to the connection (DNS rebinding) reaches nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import SplitResult, urlsplit

import httpx
from django.conf import settings
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from kubat.accounts.models import Organisation
from kubat.core import outbound as core_outbound
from kubat.core.errors import InvalidInput, NotFound, PermissionDenied
from kubat.permits import selectors
from kubat.permits.models import AuditEntry, PermitCase, WebhookDelivery, WebhookSubscription

RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
LEASE = timedelta(minutes=2)
TIMEOUT_S = 5.0
USER_AGENT = "Kubat-Webhooks/1"


# Where deliveries may go ----------------------------------------------------------------------

ALLOW_SETTING = "KUBAT_PERMIT_WEBHOOK_ALLOW_LOOPBACK"


def allowed_networks() -> tuple[core_outbound.Network, ...]:
    """Loopback when KUBAT_PERMIT_WEBHOOK_ALLOW_LOOPBACK (development, tests), else none."""
    return core_outbound.LOOPBACK if settings.KUBAT_PERMIT_WEBHOOK_ALLOW_LOOPBACK else ()


def transport() -> core_outbound.PinnedTransport:
    """The transport every delivery goes through: the URL's host is resolved once at sending,
    checked, and connected to by the checked address (no second lookup to rebind), https
    unless the address is an allowed loopback one."""
    return core_outbound.PinnedTransport(
        allowed=allowed_networks, setting=ALLOW_SETTING, https_only=True
    )


def _shape(url: str) -> SplitResult:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(gettext("a webhook URL is http(s)://host/path"), field="url")
    if parts.username or parts.password:
        raise InvalidInput(gettext("a webhook URL carries no credentials"), field="url")
    return parts


def check_url(url: str) -> str:
    """The URL if Kubat may send to it (see the module docstring); InvalidInput naming `url`.

    Checked at subscription so a subscriber hears at once; the same rule is applied again by
    the transport at every sending, on the address it then connects to.
    """
    parts = _shape(url)
    allowed = allowed_networks()
    try:
        port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
        addresses = core_outbound.vet(parts.hostname or "", port, allowed=allowed)
    except httpx.ConnectError:
        raise InvalidInput(
            gettext("the host %(host)s does not resolve") % {"host": parts.hostname}, field="url"
        ) from None
    except core_outbound.RefusedAddress as refused:
        raise InvalidInput(
            gettext("a webhook URL must reach a public address (%(reason)s)")
            % {"reason": refused.message},
            field="url",
        ) from None
    except ValueError:
        raise InvalidInput(
            gettext("a webhook URL has a port from 1 to 65535"), field="url"
        ) from None
    if parts.scheme == "http" and not all(core_outbound.in_networks(a, allowed) for a in addresses):
        raise InvalidInput(gettext("a webhook URL uses https"), field="url")
    return url.strip()


# Subscriptions -------------------------------------------------------------------------------


def _organisation(user: selectors.AnyUser) -> Organisation:
    organisation = selectors.applicant_organisation(user)
    if organisation is None:
        raise PermissionDenied(gettext("webhooks are for investor and operator organisations"))
    return organisation


def subscribe(
    *, user: selectors.AnyUser, url: str, now: datetime | None = None
) -> WebhookSubscription:
    """Subscribe the user's organisation; the returned row's `secret` is shown only now."""
    organisation = _organisation(user)
    return WebhookSubscription.objects.create(
        organisation=organisation,
        url=check_url(url),
        secret=secrets.token_hex(32),
        created_at=now or timezone.now(),
        created_by=user if isinstance(user, User) else None,
    )


def subscriptions(*, user: selectors.AnyUser) -> list[WebhookSubscription]:
    return list(
        WebhookSubscription.objects.filter(organisation=_organisation(user), active=True).order_by(
            "pk"
        )
    )


def own_subscription(*, user: selectors.AnyUser, subscription_id: int) -> WebhookSubscription:
    found = WebhookSubscription.objects.filter(
        pk=subscription_id, organisation=_organisation(user)
    ).first()
    if found is None:
        raise NotFound(
            gettext("webhook %(subscription_id)s does not exist")
            % {"subscription_id": subscription_id},
            field="id",
        )
    return found


def unsubscribe(*, user: selectors.AnyUser, subscription_id: int) -> None:
    subscription = own_subscription(user=user, subscription_id=subscription_id)
    subscription.active = False
    subscription.save(update_fields=["active"])


# Queueing ------------------------------------------------------------------------------------


def _interested(case: PermitCase) -> set[int]:
    """The applicant, the holder of a transferred permit, the recipient of a transfer."""
    return {i for i in (case.applicant_id, case.holder_id, case.transfer_to_id) if i}


def event_body(*, delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def enqueue(*, case: PermitCase, entry: AuditEntry) -> int:
    """Queue the event for every active subscription interested in the case; returns how many."""
    subs = list(
        WebhookSubscription.objects.filter(organisation_id__in=_interested(case), active=True)
    )
    for sub in subs:
        delivery = WebhookDelivery(
            subscription=sub,
            case=case,
            event=f"case.{entry.action}",
            created_at=entry.at,
            next_attempt_at=timezone.now(),
        )
        delivery.payload = {
            "delivery_id": str(delivery.delivery_id),
            "event": delivery.event,
            "occurred_at": entry.at.isoformat(),
            "case": {
                "id": case.pk,
                "reference": case.reference,
                "kind": case.kind,
                "status": case.status,
                "permit_number": case.permit_number or None,
                "fee_outstanding": str(case.fee_outstanding),
                "url": f"/api/v1/permits/cases/{case.pk}",
            },
            "by": entry.actor_label,
            "note": entry.note,
        }
        delivery.save()
    return len(subs)


# Delivering ----------------------------------------------------------------------------------


def signature_header(*, secret: str, body: bytes, at: int) -> str:
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


@dataclass(slots=True)
class DeliveryReport:
    delivered: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"delivered": self.delivered, "retrying": self.retrying, "given_up": self.given_up}


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take one due delivery for this runner: its next attempt pushed a lease past `now`, the
    moment of this claim, so another runner skips it while this one sends."""
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_id, delivered_at=None, next_attempt_at__lte=now)
            .first()
        )
        if row is None:
            return None
        row.next_attempt_at = now + LEASE
        row.save(update_fields=["next_attempt_at"])
        return row


def _send(
    client: httpx.Client, delivery: WebhookDelivery, now: datetime
) -> tuple[bool, int | None, str]:
    sub = delivery.subscription
    if not sub.active:
        return False, None, "subscription removed"
    try:
        _shape(sub.url)
    except InvalidInput as exc:
        return False, None, exc.message
    body = event_body(delivery=delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Kubat-Delivery": str(delivery.delivery_id),
        "Kubat-Event": delivery.event,
        "Kubat-Signature": signature_header(secret=sub.secret, body=body, at=int(now.timestamp())),
    }
    try:
        # The transport resolves the host once, refuses a non-public answer and connects to
        # the address it checked (see `transport`).
        response = client.post(sub.url, content=body, headers=headers)
    except core_outbound.RefusedAddress as refused:
        return False, None, refused.message[:300]
    except httpx.HTTPError as exc:
        return False, None, f"{type(exc).__name__}: {exc}"[:300]
    ok = 200 <= response.status_code < 300
    return ok, response.status_code, "" if ok else f"HTTP {response.status_code}"


def deliver_due(*, now: datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Send every delivery due (oldest first), at most `limit`; idempotent per attempt.

    Each delivery is claimed, signed, stamped and rescheduled at the time of its own attempt
    (`timezone.now()` at each claim), not at the start of the run: a run of slow receivers can
    outlast the lease, and a lease or a retry counted from the start would let a second runner
    send the same attempt, or schedule a retry in the past. `now` fixes the clock instead (the
    `--now` of the command, tests).
    """
    clock: Callable[[], datetime] = (lambda: now) if now is not None else timezone.now
    report = DeliveryReport()
    due: Iterable[int] = (
        WebhookDelivery.objects.filter(delivered_at=None, next_attempt_at__lte=clock())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    with httpx.Client(
        timeout=TIMEOUT_S, follow_redirects=False, trust_env=False, transport=transport()
    ) as http:
        for pk in list(due):
            delivery = _claim(pk, clock())
            if delivery is None:
                continue
            ok, status, error = _send(http, delivery, clock())
            at = clock()  # when the answer came
            delivery.attempts += 1
            delivery.last_status = status
            delivery.last_error = error
            name = str(delivery.delivery_id)
            if ok:
                delivery.delivered_at = at
                delivery.next_attempt_at = None
                report.delivered.append(name)
            elif delivery.attempts >= MAX_ATTEMPTS or not delivery.subscription.active:
                delivery.next_attempt_at = None
                report.given_up.append(name)
            else:
                delivery.next_attempt_at = at + RETRY_AFTER[delivery.attempts - 1]
                report.retrying.append(name)
            delivery.save(
                update_fields=[
                    "attempts",
                    "last_status",
                    "last_error",
                    "delivered_at",
                    "next_attempt_at",
                ]
            )
    return report
