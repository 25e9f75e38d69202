"""Fees paid through the single window: the amount per track, a payment reference, and who
may say that it is paid.

The fee is data (`tracks/<CC>.json`, `fee` per track) and is fixed when the case is
submitted, with an ISO 11649 creditor reference (`RF` + two check digits + the case's
reference body), so that a bank or a payment provider can route the money to the case and a
typo in the reference is caught by its check digits. A case whose fee is not paid in full
cannot pass the completeness check (`fee_problem`).

A payment is recorded either

- by the secretariat, who saw the money arrive (`confirm_payment`), or
- by a payment provider calling back (`record_provider_payment`): the provider is an adapter
  (`PaymentProvider`) that turns a signed callback into a `PaymentNotice`. No real provider
  is reachable from here, so Kubat ships `LocalHmacProvider`, whose callbacks carry an
  HMAC-SHA256 over the timestamp and the raw body (header `Kubat-Payment-Signature:
  t=<unix seconds>,v1=<hex>`, the scheme most providers use); a national provider plugs in as
  another class named in `KUBAT_PERMIT_PAYMENT_PROVIDERS`.

Every payment is a `Payment` row, unique per (method, transaction id): a callback delivered
twice records the money once. Errors: InvalidInput (a wrong amount, currency or reference),
NotAuthenticated (a callback whose signature fails), NotFound (no case has that reference),
Conflict (nothing is due), PermissionDenied (not the secretariat).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.formats import number_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from kubat.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from kubat.core.secretfile import read_or_create
from kubat.permits import selectors
from kubat.permits.models import AuditAction, Payment, PermitCase
from kubat.permits.tracks import Track

SECRETARIAT = "secretariat"
SIGNATURE_HEADER = "Kubat-Payment-Signature"
# A callback older than this is refused even with a good signature (a replayed request).
CALLBACK_TOLERANCE_S = 300


# References -----------------------------------------------------------------------------------


def _iso7064_mod97(text: str) -> int:
    digits = "".join(str(int(ch, 36)) for ch in text.upper())
    return int(digits) % 97


def creditor_reference(body: str) -> str:
    """The ISO 11649 creditor reference for `body` (letters and digits, at most 21).

    Check digits as for an IBAN: move `RF00` behind the body, letters to numbers (A=10 …
    Z=35), 98 minus the remainder modulo 97.
    """
    if not body.isalnum() or len(body) > 21:
        raise ValueError(f"reference body {body!r} must be at most 21 letters and digits")
    check = 98 - _iso7064_mod97(body + "RF00")
    return f"RF{check:02d}{body.upper()}"


def is_valid_reference(reference: str) -> bool:
    """True when `reference` is a well-formed creditor reference with right check digits."""
    ref = reference.replace(" ", "").upper()
    if len(ref) < 5 or len(ref) > 25 or not ref.startswith("RF") or not ref.isalnum():
        return False
    return _iso7064_mod97(ref[4:] + ref[:4]) == 1


def assign_fee(*, case: PermitCase, track: Track) -> None:
    """Fix the case's fee from its track at submission (the caller saves the case).

    The reference is made once and kept across resubmissions, so a payment already made
    still finds the case; a returned case that changes track owes the new track's fee.
    """
    case.fee_amount = track.fee.amount
    case.fee_currency = track.fee.currency
    if not case.payment_reference:
        case.payment_reference = creditor_reference(f"{case.country_code}P{case.pk:08d}")


CREDIT = "credit"


def credit_refused_fee(*, case: PermitCase, at: datetime, fee_credited: bool) -> None:
    """A resubmission of a refused case counts what the refused case paid, once.

    The credit is a Payment (method `credit`, transaction `refused-<case id>`), so a second
    resubmission of the same refusal finds it used. The caller saves the case.
    """
    parent = case.parent
    if not fee_credited or parent is None or case.kind != "new" or parent.fee_paid_amount <= 0:
        return
    if case.fee_outstanding <= 0:
        return
    txn = f"refused-{parent.pk}"
    if Payment.objects.filter(method=CREDIT, transaction_id=txn).exists():
        return
    amount = min(parent.fee_paid_amount, case.fee_outstanding)
    Payment.objects.create(
        case=case,
        amount=amount,
        currency=case.fee_currency,
        method=CREDIT,
        transaction_id=txn,
        received_at=at,
    )
    case.fee_paid_amount += amount
    if case.fee_outstanding <= 0:
        case.fee_paid_at = at


def fee_problem(case: PermitCase) -> str | None:
    """Why the fee stops the completeness check, or None when nothing is outstanding."""
    due = case.fee_outstanding
    if due <= 0:
        return None
    return gettext(
        "the fee is not paid: %(due)s %(currency)s outstanding (payment reference %(reference)s)"
    ) % {
        "due": number_format(due, decimal_pos=2, use_l10n=True),
        "currency": case.fee_currency,
        "reference": case.payment_reference,
    }


# Recording payments ---------------------------------------------------------------------------


MAX_AMOUNT = Decimal("9999999999.99")  # the columns' 12 digits, 2 of them decimals


def _amount(value: object, *, field: str = "amount") -> Decimal:
    """A fee amount: positive, at most two decimals, within the columns' 12 digits.

    Checked with exact comparisons only: quantizing "1e999999" would exceed the decimal
    context's precision (InvalidOperation, a 500), so the bound is tested first.
    """
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            gettext("%(value)s is not an amount") % {"value": repr(value)}, field=field
        ) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise InvalidInput(
            gettext("an amount is positive and at most %(max)s, with at most two decimals")
            % {"max": MAX_AMOUNT},
            field=field,
        )
    if amount != amount.quantize(Decimal("0.01")):  # safe now: the amount is bounded
        raise InvalidInput(gettext("an amount is positive with at most two decimals"), field=field)
    return amount


def _record(
    *,
    case: PermitCase,
    amount: Decimal,
    currency: str,
    method: str,
    transaction_id: str,
    at: datetime,
    user: selectors.AnyUser | None,
) -> Payment:
    # Imported here: services imports this module for assign_fee and fee_problem.
    from kubat.permits.services import acting_user, audit, lock_case

    case = lock_case(case)
    existing = Payment.objects.filter(method=method, transaction_id=transaction_id).first()
    if existing is not None:
        if existing.case_id != case.pk or existing.amount != amount:
            raise Conflict(
                gettext("transaction %(transaction_id)s is already recorded for another payment")
                % {"transaction_id": transaction_id},
                field="transaction_id",
            )
        return existing  # the same notice again: already recorded, nothing changes
    if case.fee_amount is None:
        raise Conflict(
            gettext("case %(reference)s has no fee yet: it is not submitted")
            % {"reference": case.reference}
        )
    if currency != case.fee_currency:
        raise InvalidInput(
            gettext("the fee is in %(fee_currency)s, not %(currency)s")
            % {"fee_currency": case.fee_currency, "currency": currency},
            field="currency",
        )
    if case.fee_outstanding <= 0:
        raise Conflict(
            gettext("the fee of case %(reference)s is already paid") % {"reference": case.reference}
        )
    payment = Payment.objects.create(
        case=case,
        amount=amount,
        currency=currency,
        method=method,
        transaction_id=transaction_id,
        received_at=at,
        recorded_by=acting_user(user),
    )
    case.fee_paid_amount += amount
    if case.fee_outstanding <= 0:
        case.fee_paid_at = at
    case.save(update_fields=["fee_paid_amount", "fee_paid_at"])
    audit(
        case=case,
        action=AuditAction.FEE_PAID,
        at=at,
        user=user,
        note=f"{amount} {currency} via {method} ({transaction_id})",
    )
    return payment


def confirm_payment(
    *,
    user: selectors.AnyUser,
    case: PermitCase,
    amount: object,
    transaction_id: str,
    now: datetime | None = None,
) -> Payment:
    """The secretariat records money it saw arrive for the case (bank statement, cashier).

    `transaction_id` is the bank's or cashier's number, so the same receipt cannot be
    counted twice.
    """
    if not selectors.is_secretariat(user):
        raise PermissionDenied(gettext("only the secretariat confirms payments by hand"))
    if not transaction_id.strip():
        raise InvalidInput(
            gettext("give the bank's or cashier's transaction number"), field="transaction_id"
        )
    return _record(
        case=case,
        amount=_amount(amount),
        currency=case.fee_currency,
        method=SECRETARIAT,
        transaction_id=transaction_id.strip()[:80],
        at=now or datetime.now(UTC),
        user=user,
    )


# Providers -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    """What a provider tells Kubat: this much was paid against this reference."""

    reference: str
    amount: Decimal
    currency: str
    transaction_id: str
    paid_at: datetime


class PaymentProvider(Protocol):
    """An adapter for one payment provider; `code` names it in the callback URL."""

    code: str

    def parse_callback(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        """Check the callback's authenticity and read it; NotAuthenticated or InvalidInput."""
        ...


def development_secret(name: str) -> str:
    """A secret generated once into var/ for development (written atomically: two processes
    starting together share one). Production sets KUBAT_PERMIT_PAYMENT_SECRET, which the
    settings require under KUBAT_HTTPS."""
    if settings.KUBAT_HTTPS:
        raise ImproperlyConfigured(f"{name}: production sets KUBAT_PERMIT_PAYMENT_SECRET")
    path = Path(settings.VAR_DIR) / name
    return read_or_create(path, lambda: secrets.token_urlsafe(32).encode()).decode().strip()


def hmac_header(*, secret: str, body: bytes, at: int) -> str:
    """The `Kubat-Payment-Signature` value for `body` sent at unix time `at`."""
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


class LocalHmacProvider:
    """The development provider: callbacks signed with a shared secret (HMAC-SHA256).

    The secret is `KUBAT_PERMIT_PAYMENT_SECRET`, else one generated into var/. The body is
    JSON: `reference`, `amount` (a string, e.g. "2000.00"), `currency`, `transaction_id`,
    `paid_at` (ISO 8601).
    """

    code = "local"

    def secret(self) -> str:
        configured = str(settings.KUBAT_PERMIT_PAYMENT_SECRET)
        return configured or development_secret("permit_payment_secret")

    def parse_callback(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        header = headers.get(SIGNATURE_HEADER, "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            sent_at = int(parts.get("t", ""))
        except ValueError:
            raise NotAuthenticated(
                gettext("no valid %(SIGNATURE_HEADER)s header")
                % {"SIGNATURE_HEADER": SIGNATURE_HEADER}
            ) from None
        expected = hmac_header(secret=self.secret(), body=body, at=sent_at)
        if not hmac.compare_digest(expected, f"t={sent_at},v1={parts.get('v1', '')}"):
            raise NotAuthenticated(gettext("the callback's signature does not match"))
        if abs(time.time() - sent_at) > CALLBACK_TOLERANCE_S:
            raise NotAuthenticated(gettext("the callback's timestamp is too old or in the future"))
        try:
            data = json.loads(body)
        except ValueError:
            raise InvalidInput(gettext("the body is not JSON"), field="body") from None
        if not isinstance(data, dict):
            raise InvalidInput(gettext("the body is a JSON object"), field="body")
        for name in ("reference", "amount", "currency", "transaction_id", "paid_at"):
            if not isinstance(data.get(name), str) or not data[name].strip():
                raise InvalidInput(
                    gettext("%(name)s is required (a string)") % {"name": name}, field=name
                )
        try:
            paid_at = datetime.fromisoformat(data["paid_at"])
        except ValueError:
            raise InvalidInput(
                gettext("paid_at is not an ISO 8601 date-time"), field="paid_at"
            ) from None
        if paid_at.tzinfo is None:
            raise InvalidInput(gettext("paid_at needs a time zone"), field="paid_at")
        return PaymentNotice(
            reference=data["reference"].strip().upper(),
            amount=_amount(data["amount"]),
            currency=data["currency"].strip().upper(),
            transaction_id=data["transaction_id"].strip()[:80],
            paid_at=paid_at,
        )


@lru_cache(maxsize=1)
def _providers() -> dict[str, PaymentProvider]:
    found: dict[str, PaymentProvider] = {}
    for dotted in settings.KUBAT_PERMIT_PAYMENT_PROVIDERS:
        provider: PaymentProvider = import_string(dotted)()
        found[provider.code] = provider
    return found


def get_provider(code: str) -> PaymentProvider:
    """The configured provider called `code`; NotFound for any other."""
    provider = _providers().get(code)
    if provider is None:
        raise NotFound(
            gettext("no payment provider %(code)s") % {"code": repr(code)}, field="provider"
        )
    return provider


def record_provider_payment(
    *, provider: str, body: bytes, headers: Mapping[str, str], now: datetime | None = None
) -> Payment:
    """A provider's signed callback: check it, find the case by reference, record the money.

    Idempotent: the same transaction again returns the payment already recorded.
    """
    adapter = get_provider(provider)
    notice = adapter.parse_callback(body=body, headers=headers)
    if not is_valid_reference(notice.reference):
        raise InvalidInput(
            gettext("%(reference)s is not a valid reference")
            % {"reference": repr(notice.reference)},
            field="reference",
        )
    case = PermitCase.objects.filter(payment_reference=notice.reference).first()
    if case is None:
        raise NotFound(
            gettext("no case has payment reference %(reference)s")
            % {"reference": notice.reference},
            field="reference",
        )
    return _record(
        case=case,
        amount=notice.amount,
        currency=notice.currency,
        method=adapter.code,
        transaction_id=notice.transaction_id,
        at=notice.paid_at,
        user=None,
    )
