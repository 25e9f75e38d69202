"""Small builders for quota tests: periods, accounts, VINs, requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.quotas import services
from kubat.quotas.enums import AllocationRule, Channel
from kubat.quotas.models import QuotaPeriod, QuotaRequest

OPENS = dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.UTC)
PERSON_PIN = "21505199012345"  # KG PIN: male, born 15.05.1990


def at(seconds: float) -> dt.datetime:
    """A receipt time `seconds` after the test periods open."""
    return OPENS + dt.timedelta(seconds=seconds)


def period(**overrides: Any) -> QuotaPeriod:
    fields: dict[str, Any] = {
        "country_code": "KG",
        "year": 2026,
        "name": "KG 2026 test",
        "volume": 10,
        "opens_at": OPENS,
        "closes_at": dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        "powertrains": ["BEV", "EREV"],
        "tariff_codes": ["8703 80", "8703 60", "8703 70"],
        "declarant_kinds": ["person", "company"],
        "allocation_rule": AllocationRule.WINDOW_PRO_RATA,
        "allocation_window_ms": 1000,
        "tie_break_seed": "test-seed",
    }
    fields.update(overrides)
    return services.create_period(**fields)


def user(name: str = "broker", role: Role = Role.IMPORTER) -> AbstractBaseUser:
    account = get_user_model().objects.create_user(name, password="pw-" + name)
    account_services.grant_role(user=account, role=role)
    org = Organisation.objects.create(
        name=f"{name} LLC", kind=Organisation.Kind.IMPORTER, country_code="KG"
    )
    account_services.join_organisation(user=account, organisation=org)
    return account


def vin(n: int, wmi: str = "LGX") -> str:
    """A valid Chinese-style VIN (no check digit rule applies)."""
    return f"{wmi}CE4CB{n:09d}"


def vehicles(vins: Sequence[str], **fields: Any) -> list[services.VehicleIn]:
    spec = {"make": "BYD", "model": "Atto 3", "powertrain": "BEV", "model_year": 2025}
    spec.update(fields)
    return [services.VehicleIn(vin=v, **spec) for v in vins]


def pin(n: int) -> str:
    """A distinct valid KG PIN per n (born on day 1-28 of 1990 months)."""
    return f"2{(n % 28) + 1:02d}{(n // 28) % 12 + 1:02d}1990{n:05d}"


def request(
    who: AbstractBaseUser,
    p: QuotaPeriod,
    vins: Sequence[str],
    *,
    seconds: float = 0.5,
    tax_id: str = PERSON_PIN,
    **vehicle_fields: Any,
) -> QuotaRequest:
    return services.receive_request(
        user=who,
        period_id=p.pk,
        declarant=services.DeclarantIn(kind="person", tax_id=tax_id),
        vehicles=vehicles(vins, **vehicle_fields),
        channel=Channel.API,
        now=at(seconds),
    )
