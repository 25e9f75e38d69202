"""Many clients at once on PostgreSQL: the balance row lock keeps allocation within the volume."""

from __future__ import annotations

import datetime as dt
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


def _lock_waiters() -> int:
    """Backends of this database waiting on a lock (another transaction's row or index key)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def test_two_registrations_of_one_number_at_once_give_one_declaration_and_one_409(client):
    """The race the early check cannot see: the first registration has inserted the number but
    not committed when the second checks; the second then waits on the unique index and must
    end in 409 naming `number`, never an IntegrityError (a 500)."""
    import time

    from kubat.accounts import services as account_services

    period = f.period(volume=10, opens_at=timezone.now())
    first_officer, second_officer = f.customs("first"), f.customs("second")
    token = account_services.issue_token(user=second_officer)
    number = f.number(when=timezone.now())
    inserted, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                declarations.register_declaration(
                    user=first_officer,
                    period_id=period.pk,
                    number=number,
                    declarant=f.resident(f.pin(1)),
                    vehicles=f.vehicles([f.vin(1)]),
                )
                inserted.set()
                release.wait(timeout=30)  # hold the uncommitted row while the second arrives
        except BaseException as exc:
            errors.append(exc)
        finally:
            inserted.set()
            connection.close()

    answers = []

    def second() -> None:
        try:
            answers.append(
                client.post(
                    "/api/v1/quotas/declarations",
                    {
                        "period": period.pk,
                        "number": number,
                        "declarant": {
                            "kind": "person",
                            "tax_id": f.pin(2),
                            "citizenship": "KG",
                            "residence_country": "KG",
                        },
                        "vehicles": [
                            {
                                "vin": f.vin(2),
                                "make": "BYD",
                                "model": "Atto 3",
                                "powertrain": "BEV",
                                "tariff_code": "8703 80 000 2",
                                "customs_value": "20000",
                                "currency": "USD",
                            }
                        ],
                    },
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {token}",
                )
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert inserted.wait(timeout=30)
    two = threading.Thread(target=second)
    two.start()
    deadline = time.monotonic() + 20
    while _lock_waiters() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    waited = _lock_waiters() > 0  # the second is blocked on the first's index entry
    release.set()
    one.join(timeout=30)
    two.join(timeout=30)
    assert errors == []
    assert waited, "the second registration never reached the unique index"
    assert len(answers) == 1
    assert answers[0].status_code == 409, answers[0].content
    assert answers[0].json()["field"] == "number"
    assert period.requests.count() == 1
    assert period.requests.get().submitted_by == first_officer


def test_two_posts_declaring_a_known_declarant_at_once_do_not_wait_for_each_other():
    """A receipt reads a known declarant's row without locking it: the second post's receipt
    completes while the first's transaction is still open (before issue 14's profiling, a
    no-op upsert locked the row for the whole receipt)."""
    period = f.period(volume=10, opens_at=timezone.now())
    first_officer, second_officer = f.customs("first"), f.customs("second")
    company = f.resident("01234567891234", kind="company")
    with transaction.atomic():  # the company is known before the two posts declare it
        declarations.register_declaration(
            user=first_officer,
            period_id=period.pk,
            number=f.number(when=timezone.now()),
            declarant=company,
            vehicles=f.vehicles([f.vin(1)]),
        )
    received, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                declarations.register_declaration(
                    user=first_officer,
                    period_id=period.pk,
                    number=f.number(when=timezone.now()),
                    declarant=company,
                    vehicles=f.vehicles([f.vin(2)]),
                )
                received.set()
                release.wait(timeout=30)  # hold the first receipt's transaction open
        except BaseException as exc:
            errors.append(exc)
        finally:
            received.set()
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert received.wait(timeout=30)
    try:
        second = threading.Thread(
            target=lambda: _declare_and_close(second_officer, period, company, errors)
        )
        second.start()
        second.join(timeout=10)
        assert not second.is_alive(), "the second receipt waited for the first's transaction"
    finally:
        release.set()
        one.join(timeout=30)
    assert errors == []
    assert period.requests.count() == 3


def _declare_and_close(user, period, declarant, errors: list[BaseException]) -> None:
    try:
        with transaction.atomic():
            declarations.register_declaration(
                user=user,
                period_id=period.pk,
                number=f.number(post="osh", when=timezone.now()),
                declarant=declarant,
                vehicles=f.vehicles([f.vin(3)]),
            )
    except BaseException as exc:
        errors.append(exc)
    finally:
        connection.close()


def test_a_window_is_settled_as_soon_as_it_ends_with_the_receipts_still_in_flight():
    """No fixed grace on PostgreSQL: a receipt holds its window (a shared advisory lock) until
    it commits, and a settlement started right at the window's end waits for it and decides
    it with its window, instead of leaving it for the next batch (decision 0005, addendum 3)."""
    import time

    period = f.period(volume=10, opens_at=timezone.now(), allocation_window_ms=300)
    officer = f.customs("slow")
    number = f.number(when=timezone.now())
    received, committed_at = threading.Event(), []
    errors: list[BaseException] = []
    requests = []

    def slow_receipt() -> None:
        try:
            with transaction.atomic():
                requests.append(
                    declarations.register_declaration(
                        user=officer,
                        period_id=period.pk,
                        number=number,
                        declarant=f.resident(f.pin(1)),
                        vehicles=f.vehicles([f.vin(1)]),
                    )
                )
                received.set()
                # Still committing when its window ends and the settlement starts.
                end = allocation.settle_at(period=period, window=requests[0].window)
                time.sleep(max(0.0, (end - timezone.now()).total_seconds()) + 0.3)
                committed_at.append(time.monotonic())
        except BaseException as exc:
            errors.append(exc)
        finally:
            received.set()
            connection.close()

    thread = threading.Thread(target=slow_receipt)
    thread.start()
    assert received.wait(timeout=30)
    assert allocation.receipt_grace() == dt.timedelta(0)
    end = allocation.settle_at(period=period, window=requests[0].window)
    time.sleep(max(0.0, (end - timezone.now()).total_seconds()))
    with transaction.atomic():
        decided = allocation.settle_due(period_id=period.pk, now=timezone.now())
    settled_at = time.monotonic()
    thread.join(timeout=30)
    assert errors == []
    assert decided == 1  # waited for the receipt in flight, then decided it
    assert committed_at
    assert settled_at >= committed_at[0]
    request = requests[0]
    request.refresh_from_db()
    assert request.status == RequestStatus.DECIDED
    assert _assert_consistent(period) == 1
