"""The spatial index behind SearchPoint, one per engine (docs/decisions/0002-spatial-index.md).

Both index the point (lon + 400 * code, lat): each connector standard's points sit in their
own 400-degree band of x, so one 2-D index answers "within this box, with this standard" and
keeps standards in separate subtrees (measured ~1000x faster on SQLite than a third R*Tree
dimension for the code, docs/decisions/0002-spatial-index.md).
SQLite: an R*Tree, kept in step with registry_searchpoint by triggers.
PostgreSQL: a GiST expression index.

Caution: on SQLite, Django rebuilds a table for most ALTERs, which drops its triggers. A later
migration that alters registry_searchpoint must run SQLITE_TRIGGERS again.
"""

from django.db import migrations

SQLITE_RTREE = """
CREATE VIRTUAL TABLE registry_searchpoint_rtree USING rtree(id, min_x, max_x, min_y, max_y)
"""

SQLITE_TRIGGERS = [
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

POSTGRES_INDEX = """
CREATE INDEX registry_searchpoint_gist
ON registry_searchpoint USING gist (point(lon + 400 * code, lat))
"""


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(SQLITE_RTREE)
            for statement in SQLITE_TRIGGERS:
                cursor.execute(statement)
        elif connection.vendor == "postgresql":
            cursor.execute(POSTGRES_INDEX)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS registry_searchpoint_{name}")
            cursor.execute("DROP TABLE IF EXISTS registry_searchpoint_rtree")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS registry_searchpoint_gist")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
