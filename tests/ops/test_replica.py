"""Public reads go to the read replica, everything else to the primary: two real databases,
each holding a different location, and a Kubat process configured with both."""

from __future__ import annotations

from pathlib import Path

from tests.ops.procs import Site, database

SEED = """
from kubat.protocols.ocpi.v2_2_1.locations import Location
from kubat.registry import services
from tests.ocpi.factories import location
from django.db import transaction
with transaction.atomic():  # the write path locks its rows (select_for_update)
    party = services.get_or_create_party(country_code="KG", party_id="REP")
    services.save_location(party=party, source="api",
                           data=Location.model_validate(location("{lid}", party="KG*REP")))
print(1)
"""
PROBE = """
import json
from django.db import router, transaction
from django.test import Client
from kubat.ops import routers
from kubat.registry.models import Location

def ids(response):
    assert response.status_code == 200, response.content
    return sorted(item["ocpi_id"] for item in response.json()["items"])

anonymous = ids(Client().get("/api/v1/locations"))
with_session = Client()
with_session.cookies["sessionid"] = "not-a-session"
session = ids(with_session.get("/api/v1/locations"))
routers.public_read.set(True)
read = router.db_for_read(Location)
write = router.db_for_write(Location)
with transaction.atomic():
    in_transaction = router.db_for_read(Location)
routers.public_read.set(False)
print(json.dumps({"anonymous": anonymous, "session": session, "read": read, "write": write,
                  "in_transaction": in_transaction, "other": router.db_for_read(Location)}))
"""


def test_public_reads_go_to_the_replica_and_the_rest_to_the_primary(
    tmp_path: Path, migrated: str
) -> None:
    with (
        database(tmp_path, "primary", template=migrated) as primary,
        database(tmp_path, "replica", template=migrated) as replica,
    ):
        Site(tmp_path / "p", primary).python(SEED.format(lid="ON-PRIMARY"))
        Site(tmp_path / "r", replica).python(SEED.format(lid="ON-REPLICA"))
        both = Site(
            tmp_path / "both",
            primary,
            KUBAT_DATABASE_REPLICA_URL=replica,
            KUBAT_ALLOWED_HOSTS="testserver",
        )
        seen = both.python(PROBE)
    assert seen["anonymous"] == ["ON-REPLICA"]
    assert seen["session"] == ["ON-PRIMARY"]
    assert seen["read"] == "replica"
    assert seen["write"] == "default"
    assert seen["in_transaction"] == "default"
    assert seen["other"] == "default"


def test_the_database_cache_is_never_read_on_the_replica() -> None:
    """The anonymous rate-limit counts live in the database cache and are read on exactly the
    public reads the router sends to the replica: the cache stays on the primary."""
    from django.core.cache.backends.db import DatabaseCache
    from django.db import DEFAULT_DB_ALIAS

    from kubat.ops import routers

    cache_model = DatabaseCache("kubat_cache", {}).cache_model_class
    token = routers.public_read.set(True)
    try:
        assert routers.ReplicaRouter().db_for_read(cache_model) == DEFAULT_DB_ALIAS
        assert routers.ReplicaRouter().db_for_write(cache_model) == DEFAULT_DB_ALIAS
    finally:
        routers.public_read.reset(token)
