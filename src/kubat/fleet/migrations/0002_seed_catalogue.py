"""Seed the EV catalogue from fleet/data/ev_models.json and Kazakhstan's published production plan
(JAC partnership: 1,200 units planned for 2021, 2,000 for 2022; shared/facts.md)."""

import json
from importlib import resources

from django.db import migrations

PLAN = [
    ("KZ", 2021, "JAC Motors partnership (Kazakhstan)", 1200),
    ("KZ", 2022, "JAC Motors partnership (Kazakhstan)", 2000),
]


def seed(apps, schema_editor):
    EVModel = apps.get_model("fleet", "EVModel")
    DomesticProduction = apps.get_model("fleet", "DomesticProduction")
    rows = json.loads(
        resources.files("kubat.fleet").joinpath("data/ev_models.json").read_text("utf-8")
    )
    for row in rows:
        EVModel.objects.update_or_create(
            make=row["make"],
            model=row["model"],
            variant=row["variant"],
            defaults={
                **{k: v for k, v in row.items() if k not in ("make", "model", "variant")},
                "source": "published",
            },
        )
    for country, year, maker, planned in PLAN:
        DomesticProduction.objects.update_or_create(
            country_code=country,
            year=year,
            maker=maker,
            defaults={
                "planned_units": planned,
                "note": "planned, announced 2020-10; produced units not published",
                "source": "published",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("fleet", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
