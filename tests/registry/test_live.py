"""registry.live under concurrency on PostgreSQL: no lost update, no deadlock, counters true."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from kubat.protocols.ocpi.v2_2_1.locations import Location as OcpiLocation
from kubat.registry import services
from kubat.registry.models import EVSE, EVSEStatusEvent, Location, StatCounter
from tests.ocpi.factories import evse, location

BASE = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_status_reports_keep_every_event_and_the_newest_status() -> None:
    party = services.get_or_create_party(country_code="KG", party_id="ABC")
    data = OcpiLocation.model_validate(location(evses=[evse("1"), evse("2")]))
    with transaction.atomic():
        services.save_location(party=party, data=data, source="ocpi")
    statuses = ["AVAILABLE", "CHARGING", "BLOCKED", "REMOVED"]
    # Each thread reports in increasing time, the threads interleave: some reports arrive
    # after a newer one for the same EVSE and must be refused.
    offsets = list(range(1, 321))
    applied: list[tuple[str, int, str]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(share: list[int]) -> None:
        try:
            for offset in share:
                uid = str(offset % 2 + 1)
                status = statuses[offset % 4]
                try:
                    services.record_evse_status(
                        party=party,
                        location_id="BSK1",
                        evse_uid=uid,
                        status=status,
                        at=BASE + timedelta(seconds=offset),
                        source="ocpi",
                    )
                except services.OutOfOrder:
                    continue
                with lock:
                    applied.append((uid, offset, status))
        except BaseException as exc:  # a deadlock or any error fails the test below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(offsets[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert applied, "no report was accepted"
    # two from the initial save (AVAILABLE, AVAILABLE) plus one per accepted report
    assert EVSEStatusEvent.objects.count() == len(applied) + 2
    for uid in ("1", "2"):
        newest = max((o, s) for u, o, s in applied if u == uid)
        row = EVSE.objects.get(uid=uid)
        assert row.status == newest[1]
        assert row.last_updated == BASE + timedelta(seconds=newest[0])
    live_evses = EVSE.objects.exclude(status="REMOVED").count()
    assert Location.objects.get().evse_count == live_evses
    counter = StatCounter.objects.filter(country_code="KG", dimension="evses", key="").first()
    assert (counter.value if counter else 0) == live_evses
