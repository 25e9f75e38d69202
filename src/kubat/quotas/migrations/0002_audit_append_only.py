"""Make the audit log append-only in the database too (PostgreSQL): UPDATE and DELETE raise.

TRUNCATE (used only by test teardown and a deliberate DBA action) is not a row change and stays
possible. SQLite keeps the application-level guard only.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION quotas_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'quotas_auditevent is append-only';
END;
$$;
CREATE TRIGGER quotas_audit_no_update BEFORE UPDATE OR DELETE ON quotas_auditevent
    FOR EACH ROW EXECUTE FUNCTION quotas_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS quotas_audit_no_update ON quotas_auditevent;
DROP FUNCTION IF EXISTS quotas_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("quotas", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
