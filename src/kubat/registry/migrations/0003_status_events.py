"""EVSE status history: a plain table on SQLite, partitioned by month on PostgreSQL.

See docs/decisions/0003-status-events.md. Django's state is the ordinary model; on PostgreSQL the
table is created by hand (PARTITION BY RANGE needs the partition key in the primary key) with a
DEFAULT partition and monthly partitions from 2024 to two years ahead, which
`kubat ocpi maintain` extends.
"""

import django.db.models.deletion
from django.db import migrations, models

PG_DDL = """
CREATE TABLE registry_evsestatusevent (
    id bigserial NOT NULL,
    evse_id bigint NOT NULL,
    status varchar(12) NOT NULL,
    reported_at timestamp with time zone NOT NULL,
    received_at timestamp with time zone NOT NULL,
    source varchar(10) NOT NULL,
    PRIMARY KEY (id, received_at)
) PARTITION BY RANGE (received_at);
CREATE INDEX evsestatus_evse_time ON registry_evsestatusevent (evse_id, received_at);
CREATE INDEX evsestatus_time_brin ON registry_evsestatusevent USING brin (received_at);
CREATE TABLE registry_evsestatusevent_default PARTITION OF registry_evsestatusevent DEFAULT;
-- A status report rewrites an EVSE row but none of its indexed columns: with room left in the
-- page the update is HOT (no index entries, less WAL). Pages written from now on keep a tenth free.
ALTER TABLE registry_evse SET (fillfactor = 90);
"""


def create_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.create_model(apps.get_model("registry", "EVSEStatusEvent"))
        return
    schema_editor.execute(PG_DDL)
    from kubat.registry.partitions import ensure_event_partitions

    ensure_event_partitions(connection=schema_editor.connection, since=(2024, 1), months_ahead=24)


def drop_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE registry_evsestatusevent")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_evse RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_spatial_index"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="EVSEStatusEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("AVAILABLE", "Available"),
                            ("BLOCKED", "Blocked"),
                            ("CHARGING", "Charging"),
                            ("INOPERATIVE", "Inoperative"),
                            ("OUTOFORDER", "Out of order"),
                            ("PLANNED", "Planned"),
                            ("REMOVED", "Removed"),
                            ("RESERVED", "Reserved"),
                            ("UNKNOWN", "Unknown"),
                        ],
                        max_length=12,
                    ),
                ),
                (
                    "reported_at",
                    models.DateTimeField(help_text="The operator's last_updated for this status."),
                ),
                (
                    "received_at",
                    models.DateTimeField(help_text="When Kubat accepted it; the partition key."),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("demo", "Generated demo data"),
                            ("manual", "Entered by hand"),
                            ("import", "Imported from a file"),
                            ("ocpi", "Pushed or pulled over OCPI"),
                            ("permit", "Created by a commissioned permit"),
                        ],
                        default="ocpi",
                        max_length=10,
                    ),
                ),
                (
                    "evse",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="registry.evse",
                    ),
                ),
            ],
            options={
                "verbose_name": "EVSE status event",
                "indexes": [
                    models.Index(fields=["evse", "received_at"], name="evsestatus_evse_time")
                ],
            },
        ),
    ]

    # The model enters Django's state first, so that the RunPython below can create it on
    # engines other than PostgreSQL with the schema editor.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
        migrations.RunPython(create_table, drop_table),
    ]
