"""Builders for PPP tests: investors and a call on the permits tests' world."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User

from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.ppp import services
from kubat.ppp.models import Call
from tests.permits.factories import T0, make_user


def investor(username: str, name: str, country: str = "KG") -> User:
    organisation = Organisation.objects.create(
        name=name, kind=Organisation.Kind.INVESTOR, country_code=country
    )
    return make_user(username, organisation=organisation, role=Role.INVESTOR)


def call_data(*, deadline_at: datetime, **overrides: Any) -> services.CallData:
    data: dict[str, Any] = {
        "country_code": "KG",
        "region": "Chuy",
        "city": "Suusamyr",
        "place": "Suusamyr junction rest area",
        "address": "Bishkek-Osh road, km 160",
        "latitude": 42.19,
        "longitude": 73.90,
        "land_owner": "Chuy regional administration",
        "grid_capacity_kw": 400,
        "terms": "15-year lease",
        "documents": "Site plan\nGrid conditions",
        "deadline_at": deadline_at,
    }
    data.update(overrides)
    return services.CallData(**data)


def publish(secretariat: User, *, now: datetime = T0, days: int = 10, **overrides: Any) -> Call:
    return services.publish_call(
        user=secretariat,
        data=call_data(deadline_at=now + timedelta(days=days), **overrides),
        now=now,
    )
