# RegistrationCount gains the registrations' source, so that "does this fleet hold demo data?"
# is read from the counts too; the counts are recomputed with the new key.

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import ExtractYear


def count_registrations(apps, schema_editor):
    """Recompute the counts by source (fleet.services' rebuild_registration_counts, with the
    historical models)."""
    Registration = apps.get_model("fleet", "Registration")
    RegistrationCount = apps.get_model("fleet", "RegistrationCount")
    RegistrationCount.objects.all().delete()
    rows = (
        Registration.objects.annotate(year=ExtractYear("registered_on"))
        .values_list("country_code", "region", "year", "powertrain", "ev_model_id", "source")
        .annotate(n=Count("id"))
        .order_by()
    )
    RegistrationCount.objects.bulk_create(
        (
            RegistrationCount(
                country_code=cc,
                region=r,
                year=y,
                powertrain=p,
                model_id=m or 0,
                source=s,
                vehicles=n,
            )
            for cc, r, y, p, m, s, n in rows
        ),
        batch_size=2000,
    )


def merge_sources(apps, schema_editor):
    """Backwards: one row per key without the source, so the old unique constraint holds."""
    RegistrationCount = apps.get_model("fleet", "RegistrationCount")
    merged = {}
    for row in RegistrationCount.objects.all():
        key = (row.country_code, row.region, row.year, row.powertrain, row.model_id)
        merged[key] = merged.get(key, 0) + row.vehicles
    RegistrationCount.objects.all().delete()
    RegistrationCount.objects.bulk_create(
        (
            RegistrationCount(
                country_code=cc,
                region=r,
                year=y,
                powertrain=p,
                model_id=m,
                source="manual",
                vehicles=n,
            )
            for (cc, r, y, p, m), n in merged.items()
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("fleet", "0004_registration_counts"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="registrationcount", name="fleet_registrationcount_unique"
        ),
        migrations.AddField(
            model_name="registrationcount",
            name="source",
            field=models.CharField(
                choices=[
                    ("published", "Published specification or statistic"),
                    ("import", "Imported file"),
                    ("manual", "Entered by hand"),
                    ("demo", "Generated demo data"),
                ],
                default="manual",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="registrationcount",
            constraint=models.UniqueConstraint(
                fields=("country_code", "region", "year", "powertrain", "model_id", "source"),
                name="fleet_registrationcount_unique",
            ),
        ),
        migrations.RunPython(count_registrations, merge_sources),
    ]
