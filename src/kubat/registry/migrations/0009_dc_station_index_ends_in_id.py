# Insights lists the first stations of a region and standard set in id order: with id as the
# index's last column that is an ordered index range on PostgreSQL instead of a sort of every
# matching location.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_merge_ocpi_2_3_0_fields"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="location", name="location_dc_station"),
        migrations.AddIndex(
            model_name="location",
            index=models.Index(
                fields=["country_code", "region", "dc_standards", "id"],
                name="location_dc_station_by_id",
            ),
        ),
    ]
