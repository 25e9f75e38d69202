"""Allocation: first come, first served by window; same-window requests share pro rata."""

import datetime as dt
import random

import pytest
from django.db import IntegrityError, transaction

from kubat.quotas import allocation, audit
from kubat.quotas.enums import Decision, Reason, RequestStatus
from kubat.quotas.models import Certificate, PeriodBalance
from tests.quotas import factories as f


def test_largest_remainder_shares_sum_to_the_balance_and_never_exceed_a_demand():
    rng = random.Random(7)
    for _ in range(500):
        demands = [rng.randint(0, 50) for _ in range(rng.randint(1, 12))]
        available = rng.randint(0, 200)
        keys = [f"{rng.random()}" for _ in demands]
        shares = allocation.largest_remainder(demands=demands, available=available, tie_keys=keys)
        assert sum(shares) == min(available, sum(demands))
        assert all(0 <= s <= d for s, d in zip(shares, demands, strict=True))


def test_largest_remainder_gives_equal_remainders_to_the_lowest_tie_key():
    # Three one-VIN requests for two units: a lottery decided by the published keys.
    shares = allocation.largest_remainder(demands=[1, 1, 1], available=2, tie_keys=["c", "a", "b"])
    assert shares == [0, 1, 1]
    assert allocation.largest_remainder(demands=[6, 3], available=6, tie_keys=["a", "b"]) == [4, 2]


def test_tie_break_key_is_sha256_of_seed_and_request_id():
    import hashlib

    key = allocation.tie_break_key(seed="s", request_id=42)
    assert key == hashlib.sha256(b"s:42").hexdigest()


@pytest.mark.django_db
def test_requests_wait_until_their_window_is_due():
    p = f.period(volume=10)
    req = f.request(f.customs(), p, [f.vin(1)], seconds=0.4)
    # Window 0 ends at 1.0 s; its receipts' grace follows (none on PostgreSQL, where the
    # settlement waits on the window lock for the receipts still in flight instead).
    due = f.at(1.0) + allocation.receipt_grace()
    assert allocation.settle_due(period_id=p.pk, now=f.at(0.999)) == 0  # window 0 not over
    assert allocation.settle_due(period_id=p.pk, now=due - dt.timedelta(milliseconds=1)) == 0
    assert allocation.settle_due(period_id=p.pk, now=due) == 1
    req.refresh_from_db()
    assert req.status == RequestStatus.DECIDED


@pytest.mark.django_db
def test_same_window_requests_share_the_balance_pro_rata():
    p = f.period(volume=6)
    broker = f.customs()
    big = f.request(broker, p, [f.vin(i) for i in range(6)], seconds=0.1, tax_id=f.pin(1))
    small = f.request(broker, p, [f.vin(i) for i in range(10, 13)], seconds=0.9, tax_id=f.pin(2))
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    granted = {r.pk: r.vehicles.filter(decision=Decision.ALLOCATED).count() for r in (big, small)}
    assert granted == {big.pk: 4, small.pk: 2}
    cut = small.vehicles.get(position=3)
    assert (cut.decision, cut.reason) == (Decision.REFUSED, Reason.PRO_RATA)
    # The first-listed VINs are the ones granted.
    assert list(
        small.vehicles.filter(decision=Decision.ALLOCATED).values_list("position", flat=True)
    ) == [1, 2]


@pytest.mark.django_db
def test_an_earlier_window_is_served_in_full_before_a_later_one():
    p = f.period(volume=5)
    broker = f.customs()
    first = f.request(broker, p, [f.vin(i) for i in range(4)], seconds=0.9, tax_id=f.pin(1))
    late = f.request(broker, p, [f.vin(i) for i in range(10, 14)], seconds=1.05, tax_id=f.pin(2))
    allocation.settle_due(period_id=p.pk, now=f.at(5))
    assert first.vehicles.filter(decision=Decision.ALLOCATED).count() == 4
    assert late.vehicles.filter(decision=Decision.ALLOCATED).count() == 1
    after = f.request(broker, p, [f.vin(20)], seconds=6, tax_id=f.pin(3))
    allocation.settle_due(period_id=p.pk, now=f.at(9))
    v = after.vehicles.get()
    assert (v.decision, v.reason) == (Decision.REFUSED, Reason.EXHAUSTED)
    p.refresh_from_db()
    assert p.exhausted_at == f.at(5)


@pytest.mark.django_db
def test_allocation_never_exceeds_period_volume_and_audit_agrees():
    p = f.period(volume=37)
    rng = random.Random(3)
    broker = f.customs()
    n = 0
    for i in range(40):
        k = rng.randint(1, 5)
        f.request(broker, p, [f.vin(n + j) for j in range(k)], seconds=i * 0.37, tax_id=f.pin(i))
        n += k
        if i % 7 == 0:
            allocation.settle_due(period_id=p.pk, now=f.at(i * 0.37))
    allocation.settle_due(period_id=p.pk, now=f.at(60))
    balance = PeriodBalance.objects.get(period=p)
    assert balance.allocated == 37 == Certificate.objects.filter(period=p).count()
    assert audit.balance_from_audit(period=p) == {"allocated": 37, "cleared": 0}
    assert not p.requests.filter(status=RequestStatus.PENDING).exists()


@pytest.mark.django_db
def test_same_vin_in_two_requests_of_one_window_is_allocated_once():
    p = f.period(volume=10)
    broker = f.customs()
    a = f.request(broker, p, [f.vin(1)], seconds=0.2, tax_id=f.pin(1))
    b = f.request(broker, p, [f.vin(1)], seconds=0.3, tax_id=f.pin(2))
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    reasons = sorted(r.vehicles.get().reason for r in (a, b))
    assert reasons == sorted([Reason.ALLOCATED, Reason.REPEATED_IN_WINDOW])


@pytest.mark.django_db
def test_strict_rule_allocates_on_receipt_in_order():
    p = f.period(volume=2, allocation_rule="fcfs_strict")
    broker = f.customs()
    first = f.request(broker, p, [f.vin(1), f.vin(2)], tax_id=f.pin(1))
    second = f.request(broker, p, [f.vin(3)], tax_id=f.pin(2))
    assert first.vehicles.filter(decision=Decision.ALLOCATED).count() == 2
    assert second.vehicles.get().reason == Reason.EXHAUSTED


@pytest.mark.django_db
def test_sub_quotas_are_drawn_separately():
    from kubat.quotas import services

    p = f.period(volume=4)
    services.set_sub_quota(period=p, declarant_class="authorised_dealer", volume=1)
    services.set_sub_quota(period=p, declarant_class="other", volume=3)
    broker = f.customs()
    dealer = f.request(
        broker,
        p,
        [f.vin(1), f.vin(2)],
        seconds=0.2,
        declarant=f.resident("01234567891234", kind="company", declarant_class="authorised_dealer"),
    )
    person = f.request(broker, p, [f.vin(3), f.vin(4)], seconds=0.3)
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    assert dealer.vehicles.filter(decision=Decision.ALLOCATED).count() == 1
    assert person.vehicles.filter(decision=Decision.ALLOCATED).count() == 2
    assert p.sub_quotas.get(declarant_class="authorised_dealer").allocated == 1


@pytest.mark.django_db
def test_period_volume_cannot_fall_below_its_sub_quotas():
    from kubat.core.errors import Conflict
    from kubat.quotas import services

    p = f.period(volume=10)
    services.set_sub_quota(period=p, declarant_class="authorised_dealer", volume=4)
    services.set_sub_quota(period=p, declarant_class="other", volume=4)
    p.volume = 7
    with pytest.raises(Conflict) as caught:
        services.save_period(period=p)
    assert caught.value.field == "volume"
    assert PeriodBalance.objects.get(period=p).volume == 10
    p.volume = 8  # exactly what the sub-quotas reserve is allowed
    services.save_period(period=p)
    assert PeriodBalance.objects.get(period=p).volume == 8


@pytest.mark.django_db
def test_vin_refused_its_pro_rata_share_may_be_requested_in_a_later_window():
    from kubat.quotas import services

    p = f.period(volume=4)
    services.set_sub_quota(period=p, declarant_class="authorised_dealer", volume=1)
    services.set_sub_quota(period=p, declarant_class="other", volume=3)
    broker = f.customs()
    dealer = f.resident("01234567891234", kind="company", declarant_class="authorised_dealer")
    first = [
        f.request(broker, p, [f.vin(n)], seconds=seconds, declarant=dealer)
        for n, seconds in ((1, 0.2), (2, 0.3))
    ]
    later = f.request(broker, p, [f.vin(1), f.vin(2)], seconds=1.5)  # window 1, class other
    allocation.settle_due(period_id=p.pk, now=f.at(3))  # both windows in one settlement
    window_0 = {v.vin: v.reason for r in first for v in r.vehicles.all()}
    assert sorted(window_0.values()) == sorted([Reason.ALLOCATED, Reason.PRO_RATA])
    window_1 = {v.vin: v.reason for v in later.vehicles.all()}
    for vin, reason in window_0.items():
        expected = Reason.ALREADY_DRAWN if reason == Reason.ALLOCATED else Reason.ALLOCATED
        assert window_1[vin] == expected


@pytest.mark.django_db
def test_database_refuses_a_balance_over_the_volume():
    p = f.period(volume=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        PeriodBalance.objects.filter(period=p).update(allocated=4)


@pytest.mark.django_db
def test_cap_counts_every_request_of_the_declarant_in_one_window():
    p = f.period(volume=10, per_declarant_cap=2)
    broker = f.customs()
    a = f.request(broker, p, [f.vin(1), f.vin(2)], seconds=0.1)
    b = f.request(broker, p, [f.vin(3), f.vin(4)], seconds=0.2)  # the same declarant
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    reasons = [v.reason for r in (a, b) for v in r.vehicles.all()]
    assert sorted(reasons) == sorted([Reason.ALLOCATED] * 2 + [Reason.CAP] * 2)


@pytest.mark.django_db
def test_withdrawal_returns_units_to_the_sub_quota():
    from kubat.quotas import services

    p = f.period(volume=3)
    services.set_sub_quota(period=p, declarant_class="other", volume=3)
    broker = f.customs()
    req = f.request(broker, p, [f.vin(1), f.vin(2)], seconds=0.2)
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    assert p.sub_quotas.get().allocated == 2
    services.withdraw_request(user=broker, request_id=req.pk, now=f.at(3))
    assert p.sub_quotas.get().allocated == 0
    assert PeriodBalance.objects.get(period=p).allocated == 0


def test_windows_are_the_seconds_from_the_opening_whole_second():
    """A 1 s window is "accepted in the same second": windows count from the opening time's
    whole second (UTC), as customs systems stamp acceptance times (decision 0005, addendum 3)."""
    from kubat.quotas.models import QuotaPeriod

    opens = dt.datetime(2026, 1, 5, 3, 0, 0, 600_000, tzinfo=dt.UTC)
    period = QuotaPeriod(opens_at=opens, allocation_window_ms=1000)
    second = dt.datetime(2026, 1, 5, 3, 0, 1, tzinfo=dt.UTC)
    assert allocation.window_of(period=period, at=opens) == 0
    assert allocation.window_of(period=period, at=second - dt.timedelta(microseconds=1)) == 0
    assert allocation.window_of(period=period, at=second) == 1
    assert allocation.window_of(period=period, at=second + dt.timedelta(milliseconds=999)) == 1
