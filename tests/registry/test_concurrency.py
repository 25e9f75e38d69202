"""Concurrent writers on PostgreSQL: each thread has its own connection, as requests do."""

import threading

import pytest
from django.db import connection, transaction

from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import services
from kubat.registry.models import Location, StatCounter
from tests.registry.factories import location_data, party

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_first_writes_of_the_same_new_location_both_succeed_once():
    owner = party("KG*TST")
    data = ocpi.Location.model_validate(location_data(ocpi_id="RACE"))
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            start.wait()
            with transaction.atomic():
                services.save_location(party=owner, data=data, source="ocpi")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Location.objects.filter(ocpi_id="RACE").count() == 1
    assert StatCounter.objects.get(country_code="KG", dimension="locations", key="").value == 1
