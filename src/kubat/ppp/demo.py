"""Demo PPP calls, generated and marked source="demo" (the sites are invented, not offers).

Accounts (password `kubat-demo`): `demo-investor` (investor role, "Tien Shan Charging
Investments (demo)", KG) and `demo-investor2` ("Steppe Power Partners (demo)", KZ). Calls:
two open (a Bishkek–Osh road site at the Suusamyr junction, a Balkhash north rest area on
Almaty–Astana), each with one expression, and one past its deadline, awarded to demo-investor,
whose permit case is open as a draft. Runs after the permits demo (its secretariat).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.utils import timezone

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.ppp import services
from kubat.ppp.models import Call

DEMO_PASSWORD = "kubat-demo"
INVESTORS = {
    "demo-investor": ("Tien Shan Charging Investments (demo)", "KG"),
    "demo-investor2": ("Steppe Power Partners (demo)", "KZ"),
}
CALLS = [
    # (country, region, city, place, address, lat, lon, owner, kW, days to the deadline)
    (
        "KG",
        "Chuy",
        "Suusamyr",
        "Suusamyr junction rest area (Bishkek–Osh road)",
        "Bishkek–Osh road, km 160",
        42.19,
        73.90,
        "Chuy regional administration (state land)",
        400,
        45,
    ),
    (
        "KZ",
        "Karaganda",
        "Balkhash",
        "Balkhash north rest area (Almaty–Astana road)",
        "A-3 road, northern exit",
        46.85,
        74.98,
        "Balkhash city akimat (municipal land)",
        600,
        60,
    ),
    (
        "KG",
        "Issyk-Kul",
        "Cholpon-Ata",
        "Cholpon-Ata resort car park",
        "Sovetskaya st., public car park",
        42.65,
        77.08,
        "Cholpon-Ata town municipality",
        250,
        -20,
    ),
]
TERMS = (
    "Land lease for 15 years at the published municipal rate; the investor builds, operates "
    "and publishes the station in Kubat; at least two DC points of 60 kW or more with GB/T."
)


def _investor(username: str) -> tuple[User, Organisation]:
    name, country = INVESTORS[username]
    organisation, _ = Organisation.objects.get_or_create(
        name=name, defaults={"kind": Organisation.Kind.INVESTOR, "country_code": country}
    )
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.password = make_password(DEMO_PASSWORD)
        user.save()
    account_services.join_organisation(user=user, organisation=organisation)
    account_services.grant_role(user=user, role=Role.INVESTOR)
    return user, organisation


def _secretariat() -> User:
    user = User.objects.filter(username="demo-secretariat").first()
    if user is None:
        organisation, _ = Organisation.objects.get_or_create(
            name="E-mobility secretariat (demo)",
            defaults={"kind": Organisation.Kind.SECRETARIAT, "country_code": "KG"},
        )
        user = User.objects.create(
            username="demo-secretariat", password=make_password(DEMO_PASSWORD)
        )
        account_services.join_organisation(user=user, organisation=organisation)
        account_services.grant_role(user=user, role=Role.SECRETARIAT)
    return user


def load_demo(*, seed: int, now: dt.datetime | None = None) -> dict[str, int]:
    if Call.objects.filter(source="demo").exists():
        return {"ppp_calls": 0}
    now = (now or timezone.now()).replace(microsecond=0)
    secretariat = _secretariat()
    first, _ = _investor("demo-investor")
    second, _ = _investor("demo-investor2")
    calls = []
    for country, region, city, place, address, lat, lon, owner, kw, days in CALLS:
        published = now - dt.timedelta(days=max(30, 30 - days))
        data = services.CallData(
            country_code=country,
            region=region,
            city=city,
            place=place,
            address=address,
            latitude=lat,
            longitude=lon,
            land_owner=owner,
            grid_capacity_kw=kw,
            terms=TERMS,
            documents="Site plan (demo)\nGrid technical conditions (demo)\nDraft lease (demo)",
            deadline_at=now + dt.timedelta(days=days),
        )
        calls.append(
            services.publish_call(user=secretariat, data=data, now=published, source="demo")
        )
    open_kg, open_kz, past = calls
    services.submit_expression(
        user=first,
        call=open_kg,
        planned_kw=240,
        proposal="Two 120 kW GB/T+CCS2 chargers (demo).",
        now=now - dt.timedelta(days=3),
    )
    services.submit_expression(
        user=second,
        call=open_kz,
        planned_kw=480,
        proposal="Four 120 kW dual-gun chargers (demo).",
        now=now - dt.timedelta(days=2),
    )
    for user, kw in ((first, 180), (second, 240)):
        services.submit_expression(
            user=user,
            call=past,
            planned_kw=kw,
            proposal=f"{kw:g} kW of DC charging (demo).",
            now=past.deadline_at - dt.timedelta(days=5),
        )
    first_org = account_services.organisation_of(first)
    assert first_org is not None
    services.award_call(user=secretariat, call=past, investor_id=first_org.pk, now=now)
    return {"ppp_calls": len(calls), "ppp_expressions": 4}
