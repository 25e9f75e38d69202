"""The investor role's group: investors answer the secretariat's PPP calls (kubat.ppp)."""

from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="investor")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_role_groups")]
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
