"""Demo quota data, marked demo: the published periods, broker and customs accounts, customs
posts, and a year of Kyrgyz 2026 goods declarations registered by demo-customs and drawn
through the real services (acceptance, windows, certificates, release, a withdrawal, lapses,
non-resident declarants refused), so the public pages show a moving balance.

Accounts (password `kubat-demo`): `demo-importer` (importer role, organisation "Demo Customs
Broker"), `demo-customs` (customs), `demo-secretariat` (secretariat, reads the audit log). The
permit demo makes the same `demo-secretariat` in the same organisation with the same password,
so the account is one and the same whichever demo runs last.
Declarants, VINs and dates are generated; nothing refers to a real person.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.fleet import services as fleet_services
from kubat.fleet.demo import demo_vin
from kubat.fleet.enums import Origin
from kubat.fleet.enums import Source as FleetSource
from kubat.quotas import allocation, declarations, published, services
from kubat.quotas.enums import Channel, Decision, Source
from kubat.quotas.models import Certificate, CustomsPost, QuotaPeriod

DEMO_PASSWORD = "kubat-demo"
KG_2026_MIX = [
    ("BYD", "Atto 3", "BEV", "LGX", 14),
    ("BYD", "Seagull", "BEV", "LGX", 8),
    ("Zeekr", "001", "BEV", "L6T", 8),
    ("Volkswagen", "ID.4", "BEV", "LSV", 10),
    ("Li Auto", "L7", "EREV", "LW4", 6),
    ("Li Auto", "L9", "EREV", "LW4", 4),
    ("Changan", "Deepal SL03", "EREV", "LS5", 4),
    ("Tesla", "Model Y", "BEV", "LRW", 5),
    ("BYD", "Song Plus DM-i", "PHEV", "LGX", 2),  # refused: plug-in hybrids are not admitted
]
REQUESTS = 420
# Customs posts for the demo. The names are real offices and border crossings; the 8-digit
# codes are placeholders in the EAEU form (not the services' real codes): load the real list
# with `kubat quotas add-post` before going live.
DEMO_POSTS = [
    ("KG", "41702010", "Bishkek customs (demo code)"),
    ("KG", "41702020", "Ak-Jol road crossing (demo code)"),
    ("KG", "41703010", "Osh customs (demo code)"),
    ("KG", "41704010", "Torugart crossing (demo code)"),
    ("KZ", "39801010", "Almaty customs (demo code)"),
    ("KZ", "39802010", "Nur Zholy / Khorgos crossing (demo code)"),
]
POST_WEIGHTS = [50, 25, 15, 10]
ORIGINS = {"BYD": "CN", "Zeekr": "CN", "Li Auto": "CN", "Changan": "CN", "Tesla": "CN"}
HEADING = {"BEV": "8703 80 000 2", "EREV": "8703 60 100 0", "PHEV": "8703 60 100 0"}
VALUE_USD = {"BEV": (14_000, 38_000), "EREV": (28_000, 52_000), "PHEV": (22_000, 30_000)}
LAST_DAY = dt.date(2026, 10, 31)
LAPSE_AT = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _account(name: str, role: Role, org: Organisation) -> User:
    user, _ = get_user_model().objects.get_or_create(username=name)
    user.set_password(DEMO_PASSWORD)
    user.save()
    account_services.grant_role(user=user, role=role)
    account_services.join_organisation(user=user, organisation=org)
    return user


def _pin(rng: random.Random) -> str:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 40))
    return f"{rng.choice('12')}{born:%d%m%Y}{rng.randint(0, 99999):05d}"


def _accounts() -> tuple[User, User]:
    """demo-importer (with its organisation), demo-customs and demo-secretariat."""
    broker_org, _ = Organisation.objects.get_or_create(
        name="Demo Customs Broker",
        defaults={
            "kind": Organisation.Kind.IMPORTER,
            "country_code": "KG",
            "tax_id": "02412201510147",
        },
    )
    customs_org, _ = Organisation.objects.get_or_create(
        name="State Customs Service (demo)",
        defaults={"kind": Organisation.Kind.CUSTOMS, "country_code": "KG"},
    )
    # The same name, defaults and account as the permit demo's secretariat (see the docstring).
    secretariat_org, _ = Organisation.objects.get_or_create(
        name="E-mobility secretariat (demo)",
        defaults={"kind": Organisation.Kind.SECRETARIAT, "country_code": "KG"},
    )
    broker = _account("demo-importer", Role.IMPORTER, broker_org)
    customs = _account("demo-customs", Role.CUSTOMS, customs_org)
    _account("demo-secretariat", Role.SECRETARIAT, secretariat_org)
    return broker, customs


def _vehicles(rng: random.Random, serial: int) -> list[services.VehicleIn]:
    """A declaration's vehicles from the 2026 mix; about one VIN in a hundred has a typo."""
    weights = [m[4] for m in KG_2026_MIX]
    vehicles = []
    for _ in range(rng.choices([1, 2, 3, 5, 10], weights=[60, 20, 10, 6, 4])[0]):
        make, model, powertrain, wmi, _ = rng.choices(KG_2026_MIX, weights=weights)[0]
        serial += 1
        vin = demo_vin(wmi=wmi, rng=rng, model_year=2026, serial=serial)
        if rng.random() < 0.01:
            vin = vin[:9] + "O" + vin[10:]  # a typo: letter O is never in a VIN
        low, high = VALUE_USD[powertrain]
        vehicles.append(
            services.VehicleIn(
                vin=vin,
                make=make,
                model=model,
                powertrain=powertrain,
                model_year=2026,
                tariff_code=HEADING[powertrain],
                customs_value=Decimal(rng.randrange(low, high, 100)),
                currency="USD",
                origin_country=ORIGINS.get(make, "DE"),
            )
        )
    return vehicles


def load_demo(*, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 104729 + 11)
    periods = published.load_periods(seed=f"demo{seed}", source=Source.DEMO)
    _broker, customs = _accounts()

    # The published KG 2026 period, whether this loader or `kubat quotas load-periods` made it.
    period = QuotaPeriod.objects.get(country_code="KG", year=2026, name__startswith="Kyrgyzstan")
    start = max(period.opens_at, dt.datetime(2026, 1, 5, 3, tzinfo=dt.UTC))
    span = int((dt.datetime.combine(LAST_DAY, dt.time(12), tzinfo=dt.UTC) - start).total_seconds())
    # Busier at the opening, as in 2025: the receipt times cluster in the first weeks.
    times = sorted(
        start + dt.timedelta(seconds=int(span * rng.random() ** 2)) for _ in range(REQUESTS)
    )
    serial, vins_requested, withdrawn = 900_000, 0, 0
    posts = [
        CustomsPost.objects.update_or_create(
            code=code, defaults={"country_code": cc, "name": name, "source": Source.DEMO}
        )[0]
        for cc, code, name in DEMO_POSTS
    ]
    kg_posts = [p for p in posts if p.country_code == "KG"]
    for i, at in enumerate(times):
        vehicles = _vehicles(rng, serial)
        serial += len(vehicles)
        company = rng.random() < 0.1
        # About one declarant in fifty lives abroad: the declaration is registered, its VINs
        # refused the quota with the reason named (they pay the duty).
        residence = "KG" if rng.random() >= 0.02 else rng.choice(["KZ", "RU", "UZ"])
        post = rng.choices(kg_posts, weights=POST_WEIGHTS)[0]
        request = declarations.register_declaration(
            user=customs,
            period_id=period.pk,
            number=f"{post.code}/{at.astimezone(published.LOCAL):%d%m%y}/{i + 1:07d}",
            declarant=services.DeclarantIn(
                kind="company" if company else "person",
                tax_id=f"0{rng.randint(10**12, 10**13 - 1)}" if company else _pin(rng),
                citizenship="" if company else "KG",
                residence_country=residence,
            ),
            vehicles=vehicles,
            channel=rng.choice([Channel.API, Channel.FORM]),
            now=at,
            source=Source.DEMO,
        )
        vins_requested += len(vehicles)
        allocation.settle_due(period_id=period.pk, now=at + dt.timedelta(seconds=2), rng=rng)
        if rng.random() < 0.01:
            services.withdraw_request(
                user=customs, request_id=request.pk, now=at + dt.timedelta(days=2)
            )
            withdrawn += 1
            continue
        for vehicle in request.vehicles.filter(decision=Decision.ALLOCATED):
            cleared_at = at + dt.timedelta(days=rng.randint(1, 30))
            if rng.random() < 0.85 and cleared_at < LAPSE_AT:
                services.clear_certificate(
                    user=customs, number=vehicle.certificate.number, now=cleared_at
                )
    lapsed = services.lapse_uncleared(now=LAPSE_AT)
    cleared = list(
        Certificate.objects.filter(period=period, status="cleared").select_related("vehicle")
    )
    report = fleet_services.import_registrations(
        rows=[
            {
                "vin": c.vin,
                "make": c.vehicle.make,
                "model": c.vehicle.model,
                "powertrain": c.vehicle.powertrain,
                "country": "KG",
                "region": rng.choice(["Bishkek", "Bishkek", "Bishkek", "Chuy", "Osh"]),
                "registered_on": (c.cleared_at or c.issued_at).date().isoformat(),
                "origin": Origin.QUOTA_IMPORT,
            }
            for c in cleared
        ],
        source=FleetSource.DEMO,
    )
    return {
        "periods": len(periods),
        "requests": REQUESTS,
        "vins_requested": vins_requested,
        "certificates_cleared": len(cleared),
        "withdrawn_requests": withdrawn,
        "lapsed": sum(lapsed.values()),
        "registrations": report.created,
    }
