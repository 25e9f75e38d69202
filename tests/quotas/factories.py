"""Small builders for quota tests: periods, accounts, customs posts, VINs, declarations."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.quotas import declarations, services
from kubat.quotas.enums import AllocationRule, Channel
from kubat.quotas.models import CustomsPost, QuotaPeriod, QuotaRequest

OPENS = dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.UTC)
PERSON_PIN = "21505199012345"  # KG PIN: male, born 15.05.1990
POSTS = {"bishkek": "41702010", "ak-jol": "41702020", "osh": "41703010"}
LOCAL = dt.timezone(dt.timedelta(hours=6))
_serials = itertools.count(1)
HEADINGS = {"BEV": "8703 80 000 2", "EREV": "8703 60 100 0", "PHEV": "8703 60 100 0"}


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


def customs(name: str = "officer") -> AbstractBaseUser:
    return user(name, Role.CUSTOMS)


def customs_post(key: str = "bishkek", country_code: str = "KG") -> CustomsPost:
    code = POSTS.get(key, key)
    post, _ = CustomsPost.objects.get_or_create(
        code=code, defaults={"country_code": country_code, "name": f"{key} customs (test)"}
    )
    return post


def number(*, post: str = "bishkek", when: dt.datetime | None = None) -> str:
    """A fresh declaration number at a post: CCCCCCCC/DDMMYY/NNNNNNN."""
    code = customs_post(post).code
    day = (when or OPENS).astimezone(LOCAL)
    return f"{code}/{day:%d%m%y}/{next(_serials):07d}"


def vehicles(vins: Sequence[str], **fields: Any) -> list[services.VehicleIn]:
    """Declared vehicles: a BYD Atto 3 worth 20,000 USD from China unless told otherwise; the
    tariff heading follows the powertrain (8703 80 for a BEV, 8703 60 for a series hybrid)."""
    spec: dict[str, Any] = {
        "make": "BYD",
        "model": "Atto 3",
        "powertrain": "BEV",
        "model_year": 2025,
        "customs_value": Decimal("20000"),
        "currency": "USD",
        "origin_country": "CN",
    }
    spec.update(fields)
    spec.setdefault("tariff_code", HEADINGS.get(spec["powertrain"], "8703 80 000 2"))
    return [services.VehicleIn(vin=v, **spec) for v in vins]


def resident(
    tax_id: str = PERSON_PIN, *, kind: str = "person", residence: str = "KG", **extra: Any
) -> services.DeclarantIn:
    """A declarant as the declaration carries it: by default a Kyrgyz citizen living there."""
    citizenship = extra.pop("citizenship", "KG" if kind == "person" else "")
    return services.DeclarantIn(
        kind=kind, tax_id=tax_id, citizenship=citizenship, residence_country=residence, **extra
    )


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
    declarant: services.DeclarantIn | None = None,
    post: str = "bishkek",
    **vehicle_fields: Any,
) -> QuotaRequest:
    """Customs `who` registers a declaration accepted `seconds` after the opening."""
    when = at(seconds)
    return declarations.register_declaration(
        user=who,
        period_id=p.pk,
        number=number(post=post, when=when),
        declarant=declarant or resident(tax_id),
        vehicles=vehicles(vins, **vehicle_fields),
        channel=Channel.API,
        now=when,
    )


declaration = request
