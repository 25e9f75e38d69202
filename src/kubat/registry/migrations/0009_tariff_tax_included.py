"""Tariff.tax_included (OCPI 2.3.0's TaxIncluded) for every tariff; existing rows are 2.2.1
tariffs, read as registry.wire.tariff_tax_included reads them: NO when a price component
states VAT (2.2.1's prices exclude it), N/A when none does."""

from typing import Any

from django.db import migrations, models


def _fill(apps: Any, schema_editor: Any) -> None:
    Tariff = apps.get_model("registry", "Tariff")
    for tariff in Tariff.objects.only("pk", "body").iterator():
        components = [
            c for e in tariff.body.get("elements", []) for c in e.get("price_components", [])
        ]
        value = tariff.body.get("tax_included") or (
            "NO" if any(c.get("vat") is not None for c in components) else "N/A"
        )
        Tariff.objects.filter(pk=tariff.pk).update(tax_included=value)


class Migration(migrations.Migration):
    dependencies = [("registry", "0008_merge_ocpi_2_3_0_fields")]

    operations = [
        migrations.AddField(
            model_name="tariff",
            name="tax_included",
            field=models.CharField(
                choices=[("YES", "YES"), ("NO", "NO"), ("N/A", "N/A")],
                default="NO",
                help_text="OCPI 2.3.0 TaxIncluded: whether the amounts include tax (a 2.2.1 tariff's exclude VAT: NO when it states VAT, N/A when it states none).",
                max_length=3,
            ),
        ),
        migrations.AlterField(
            model_name="tariff",
            name="body",
            field=models.JSONField(
                help_text="The OCPI Tariff object as received, in its version's shape (2.2.1 or 2.3.0)."
            ),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop),
    ]
