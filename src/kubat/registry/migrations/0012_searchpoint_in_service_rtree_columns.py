"""SearchPoint.in_service, and an index that answers an in-service search without the location
row (docs/decisions/0006-box-search.md, "Second sitting").

`in_service` is true when the point's location has an EVSE in service (registry.derived's
`evse_count > 0`): the default search lists only those, and until now each candidate was joined
to its location to ask.

SQLite: the R*Tree is rebuilt with auxiliary columns (location_id, exact lat/lon, max_kw,
in_service), kept by the triggers, so that nearest, the box page's ids and its bounded count
read the R*Tree alone, as the bench's bare R*Tree does. The column is added with ALTER TABLE
ADD COLUMN: Django would rebuild the table (a NOT NULL field) and drop its triggers.
PostgreSQL: a partial GiST index over the in-service points beside the full one (a search that
includes planned locations still uses the full one).
"""

from django.db import migrations, models

RTREE_COLUMNS = (
    "id, min_x, max_x, min_y, max_y,"
    " +location_id INTEGER, +lat REAL, +lon REAL, +max_kw REAL, +in_service INTEGER"
)
RTREE_VALUES = (
    "{p}.id, {p}.lon + 400 * {p}.code, {p}.lon + 400 * {p}.code, {p}.lat, {p}.lat,"
    " {p}.location_id, {p}.lat, {p}.lon, {p}.max_kw, {p}.in_service"
)
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER registry_searchpoint_ai AFTER INSERT ON registry_searchpoint BEGIN
        INSERT INTO registry_searchpoint_rtree VALUES ({RTREE_VALUES.format(p="new")});
    END""",
    """CREATE TRIGGER registry_searchpoint_ad AFTER DELETE ON registry_searchpoint BEGIN
        DELETE FROM registry_searchpoint_rtree WHERE id = old.id;
    END""",
    f"""CREATE TRIGGER registry_searchpoint_au AFTER UPDATE ON registry_searchpoint BEGIN
        DELETE FROM registry_searchpoint_rtree WHERE id = old.id;
        INSERT INTO registry_searchpoint_rtree VALUES ({RTREE_VALUES.format(p="new")});
    END""",
]
OLD_SQLITE_TRIGGERS = [
    """CREATE TRIGGER registry_searchpoint_ai AFTER INSERT ON registry_searchpoint BEGIN
        INSERT INTO registry_searchpoint_rtree
        VALUES (new.id, new.lon + 400 * new.code, new.lon + 400 * new.code, new.lat, new.lat);
    END""",
    """CREATE TRIGGER registry_searchpoint_ad AFTER DELETE ON registry_searchpoint BEGIN
        DELETE FROM registry_searchpoint_rtree WHERE id = old.id;
    END""",
    """CREATE TRIGGER registry_searchpoint_au AFTER UPDATE ON registry_searchpoint BEGIN
        UPDATE registry_searchpoint_rtree
        SET min_x = new.lon + 400 * new.code, max_x = new.lon + 400 * new.code,
            min_y = new.lat, max_y = new.lat
        WHERE id = new.id;
    END""",
]
IN_SERVICE_FROM_LOCATIONS = (
    "UPDATE registry_searchpoint SET in_service = {false} WHERE location_id IN"
    " (SELECT id FROM registry_location WHERE evse_count = 0)"
)
POSTGRES_LIVE_INDEX = (
    "CREATE INDEX registry_searchpoint_live_gist ON registry_searchpoint"
    " USING gist (point(lon + 400 * code, lat)) WHERE in_service"
)


def _drop_triggers(cursor):
    for name in ("ai", "ad", "au"):
        cursor.execute(f"DROP TRIGGER IF EXISTS registry_searchpoint_{name}")


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _drop_triggers(cursor)
            cursor.execute(
                "ALTER TABLE registry_searchpoint ADD COLUMN in_service bool NOT NULL DEFAULT 1"
            )
            cursor.execute(IN_SERVICE_FROM_LOCATIONS.format(false=0))
            cursor.execute("DROP TABLE registry_searchpoint_rtree")
            cursor.execute(
                f"CREATE VIRTUAL TABLE registry_searchpoint_rtree USING rtree({RTREE_COLUMNS})"
            )
            cursor.execute(
                "INSERT INTO registry_searchpoint_rtree"
                f" SELECT {RTREE_VALUES.format(p='s')} FROM registry_searchpoint s"
            )
            for statement in SQLITE_TRIGGERS:
                cursor.execute(statement)
        else:
            cursor.execute(
                "ALTER TABLE registry_searchpoint ADD COLUMN in_service boolean NOT NULL DEFAULT true"
            )
            cursor.execute("ALTER TABLE registry_searchpoint ALTER COLUMN in_service DROP DEFAULT")
            cursor.execute(IN_SERVICE_FROM_LOCATIONS.format(false="false"))
            cursor.execute(POSTGRES_LIVE_INDEX)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _drop_triggers(cursor)
            cursor.execute("DROP TABLE registry_searchpoint_rtree")
            cursor.execute(
                "CREATE VIRTUAL TABLE registry_searchpoint_rtree"
                " USING rtree(id, min_x, max_x, min_y, max_y)"
            )
            cursor.execute(
                "INSERT INTO registry_searchpoint_rtree SELECT id, lon + 400 * code,"
                " lon + 400 * code, lat, lat FROM registry_searchpoint"
            )
            cursor.execute("ALTER TABLE registry_searchpoint DROP COLUMN in_service")
            for statement in OLD_SQLITE_TRIGGERS:
                cursor.execute(statement)
        else:
            cursor.execute("DROP INDEX IF EXISTS registry_searchpoint_live_gist")
            cursor.execute("ALTER TABLE registry_searchpoint DROP COLUMN in_service")


class Migration(migrations.Migration):
    dependencies = [("registry", "0011_merge_search_cells")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="searchpoint",
                    name="in_service",
                    field=models.BooleanField(default=True),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
