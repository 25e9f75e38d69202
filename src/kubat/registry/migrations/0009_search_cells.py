"""SearchCell: public locations per (search code, 1/50-degree grid cell), filled from the
search rows already there (docs/decisions/0006-box-search.md)."""

import math
from collections import Counter

from django.db import migrations, models

CELLS_PER_DEGREE = 50  # registry.derived.CELLS_PER_DEGREE when this migration was written


def fill(apps, schema_editor):
    """Count each public location's search rows in their cells, as registry.derived does."""
    SearchPoint = apps.get_model("registry", "SearchPoint")
    SearchCell = apps.get_model("registry", "SearchCell")
    counts: Counter = Counter()
    rows = SearchPoint.objects.filter(location__evse_count__gt=0).values_list("code", "lat", "lon")
    for code, lat, lon in rows.iterator(chunk_size=10_000):
        counts[(code, math.floor(lat * CELLS_PER_DEGREE), math.floor(lon * CELLS_PER_DEGREE))] += 1
    SearchCell.objects.bulk_create(
        (
            SearchCell(code=code, cell_y=y, cell_x=x, locations=n)
            for (code, y, x), n in sorted(counts.items())
        ),
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0008_merge_ocpi_2_3_0_fields")]

    operations = [
        migrations.CreateModel(
            name="SearchCell",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.PositiveSmallIntegerField()),
                ("cell_y", models.IntegerField()),
                ("cell_x", models.IntegerField()),
                ("locations", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("code", "cell_y", "cell_x"), name="searchcell_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
