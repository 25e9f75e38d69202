"""The fleet's maintained registration counts equal a rebuild from the registrations after a
random mix of imports, hand edits and deletions through the fleet's write path."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from kubat.fleet import services
from kubat.fleet.models import Registration, RegistrationCount
from tests.insights.factories import register

MODELS = [("BYD", "Atto 3", "BEV"), ("Tesla", "Model 3", "BEV"), ("Unknown", "X", "PHEV")]


def _counts() -> list[tuple[str, str, int, str, int, str, int]]:
    return sorted(
        RegistrationCount.objects.exclude(vehicles=0).values_list(
            "country_code", "region", "year", "powertrain", "model_id", "source", "vehicles"
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_maintained_registration_counts_equal_a_rebuild(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        step = rng.random()
        existing = list(Registration.objects.order_by("pk").values_list("pk", flat=True))
        if step < 0.5 or not existing:
            make, model, powertrain = rng.choice(MODELS)
            register(
                rng.randint(1, 5),
                make=make,
                model=model,
                powertrain=powertrain,
                country=rng.choice(["KG", "KZ"]),
                region=rng.choice(["Chuy", "Osh", ""]),
                on=f"{rng.randint(2022, 2026)}-03-01",
                source=rng.choice(["import", "demo"]),
            )
        elif step < 0.8:
            registration = Registration.objects.get(pk=rng.choice(existing))
            registration.region = rng.choice(["Chuy", "Naryn"])
            registration.registered_on = dt.date(rng.randint(2022, 2026), 6, 1)
            registration.ev_model = None if rng.random() < 0.3 else registration.ev_model
            registration.source = rng.choice([registration.source, "manual"])
            services.save_registration(registration=registration)
        else:
            services.delete_registration(
                registration=Registration.objects.get(pk=rng.choice(existing))
            )
    maintained = _counts()
    assert sum(row[-1] for row in maintained) == Registration.objects.count()
    services.rebuild_registration_counts()
    assert _counts() == maintained


@pytest.mark.django_db
def test_a_refused_import_moves_no_count() -> None:
    register(3)
    before = _counts()
    report = services.import_registrations(
        rows=[{"vin": "bad", "make": "BYD", "model": "Atto 3", "powertrain": "BEV"}]
    )
    assert not report.ok
    assert _counts() == before


@pytest.mark.django_db
def test_demo_data_in_a_fleet_is_known_from_the_counts() -> None:
    register(2, country="KG", source="demo")
    register(3, country="KZ")
    assert services.has_demo_registrations(country_code="KG")
    assert not services.has_demo_registrations(country_code="KZ")
    for registration in Registration.objects.filter(country_code="KG"):
        services.delete_registration(registration=registration)
    assert not services.has_demo_registrations(country_code="KG")
