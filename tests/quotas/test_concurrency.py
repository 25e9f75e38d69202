"""Many clients at once on PostgreSQL: the balance row lock keeps allocation within the volume."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone

from kubat.fleet import services as fleet_services
from kubat.quotas import allocation, audit, declarations
from kubat.quotas.enums import Decision, RequestStatus
from kubat.quotas.models import Certificate, PeriodBalance, RequestedVehicle
from tests.quotas import factories as f

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

CLIENTS = 40


@pytest.fixture(autouse=True)
def _catalogue():
    # Transactional tests flush every table afterwards, the migration-seeded catalogue included.
    fleet_services.load_catalogue()


def _rush(period, users, *, vins_per_client: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(CLIENTS)
    numbers = [f.number(when=timezone.now()) for _ in range(CLIENTS)]  # the post exists first

    def client(i: int) -> None:
        try:
            start.wait()
            vins = [f.vin(i * 100 + j) for j in range(1 + i % vins_per_client)]
            # Some clients also ask for a VIN another client asks for.
            vins.append(f.vin(((i + 1) % CLIENTS) * 100))
            with transaction.atomic():
                req = declarations.register_declaration(
                    user=users[i % len(users)],
                    period_id=period.pk,
                    number=numbers[i],
                    declarant=f.resident(f.pin(i)),
                    vehicles=f.vehicles(vins),
                    channel="api",
                )
            allocation.wait_for_decision(request=req, period=period)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def _assert_consistent(period) -> int:
    balance = PeriodBalance.objects.get(period=period)
    live = Counter(
        Certificate.objects.filter(period=period, status="issued").values_list("vin", flat=True)
    )
    assert balance.allocated <= period.volume
    assert balance.allocated == sum(live.values())
    assert all(n == 1 for n in live.values()), "a VIN was allocated twice"
    assert not RequestedVehicle.objects.filter(decision=Decision.PENDING).exists()
    assert not period.requests.filter(status=RequestStatus.PENDING).exists()
    assert audit.balance_from_audit(period=period)["allocated"] == balance.allocated
    return balance.allocated


def test_concurrent_clients_never_over_allocate_in_windows():
    period = f.period(volume=50, opens_at=timezone.now(), allocation_window_ms=200)
    users = [f.customs(f"officer{i}") for i in range(4)]
    assert _rush(period, users, vins_per_client=6) == []
    assert _assert_consistent(period) == 50


def test_concurrent_clients_never_over_allocate_in_strict_order():
    period = f.period(volume=30, opens_at=timezone.now(), allocation_rule="fcfs_strict")
    users = [f.customs(f"officer{i}") for i in range(4)]
    assert _rush(period, users, vins_per_client=4) == []
    assert _assert_consistent(period) == 30
