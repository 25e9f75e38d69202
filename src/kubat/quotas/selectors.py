"""Quota reads: the public balance of a period, requests per day, the VIN resale lookup."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from kubat.core.countries import to_alpha2
from kubat.quotas.enums import LIVE_CERTIFICATE, CertificateStatus, Decision
from kubat.quotas.models import (
    Certificate,
    CustomsPost,
    QuotaPeriod,
    QuotaRequest,
    RequestedVehicle,
)


def periods() -> QuerySet[QuotaPeriod]:
    return QuotaPeriod.objects.select_related("balance").order_by("-year", "country_code")


def period_summary(*, period: QuotaPeriod, now: dt.datetime | None = None) -> dict[str, Any]:
    """The public figures of a period: volume, drawn (allocated), cleared, remaining, critical.

    `allocated` counts issued and cleared certificates; withdrawn and lapsed units are back in
    `remaining`. A period is critical once `allocated` reaches its threshold (default 90 %, the
    EU tariff-quota convention).
    """
    now = now or timezone.now()
    balance = period.balance
    used_pct = 100.0 * balance.allocated / period.volume if period.volume else 100.0
    if now < period.opens_at:
        state = "upcoming"
    elif balance.remaining == 0:
        state = "exhausted"
    elif now >= period.closes_at:
        state = "closed"
    else:
        state = "open"
    return {
        "id": period.pk,
        "country_code": period.country_code,
        "year": period.year,
        "name": period.name,
        "state": state,
        "volume": period.volume,
        "allocated": balance.allocated,
        "cleared": balance.cleared,
        "returned": balance.returned,
        "remaining": balance.remaining,
        "used_pct": round(used_pct, 2),
        "critical": used_pct >= period.critical_threshold_pct,
        "critical_threshold_pct": period.critical_threshold_pct,
        "opens_at": period.opens_at,
        "closes_at": period.closes_at,
        "exhausted_at": period.exhausted_at,
        "powertrains": period.powertrains,
        "tariff_codes": period.tariff_codes,
        "declarant_kinds": period.declarant_kinds,
        "per_declarant_cap": period.per_declarant_cap,
        "sub_quotas": [
            {"declarant_class": s.declarant_class, "volume": s.volume, "allocated": s.allocated}
            for s in period.sub_quotas.all()
        ],
        "allocation_rule": period.allocation_rule,
        "allocation_window_ms": period.allocation_window_ms,
        "tie_break_seed": period.tie_break_seed,
        "validity_days": period.validity_days,
        "note": period.note,
        "source": period.source,
        "legal_act": period.legal_act,
        "person_rule": period.person_rule,
        "reservation_days": period.reservation_days,
        "duty_rate_pct": float(period.duty_rate_pct),
        "security_pct": float(period.security_pct),
        "critical_at": period.critical_at,
        "outcome_confirmed_at": period.outcome_confirmed_at,
        "resale_years": period.resale_years,
        "resale_barred": period.resale_barred,
    }


def requests_per_day(*, period: QuotaPeriod) -> list[dict[str, Any]]:
    """Per day (UTC): requests received, VINs requested, VINs allocated."""
    requests = dict(
        QuotaRequest.objects.filter(period=period)
        .annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    vins: dict[Any, dict[str, Any]] = {
        row["day"]: dict(row)
        for row in RequestedVehicle.objects.filter(request__period=period)
        .annotate(day=TruncDate("request__received_at"))
        .values("day")
        .annotate(
            requested=Count("id"), allocated=Count("id", filter=Q(decision=Decision.ALLOCATED))
        )
    }
    return [
        {
            "day": day,
            "requests": requests[day],
            "vins_requested": vins.get(day, {}).get("requested", 0),
            "vins_allocated": vins.get(day, {}).get("allocated", 0),
        }
        for day in sorted(requests)
    ]


def vehicle_status(
    *, vin: str, buyer_country: str | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """Did `vin` come in under the quota, and until when may it not be sold across borders?

    Answers from the cleared certificate (the restriction runs the period's `resale_years`,
    3 by default, from clearance); a VIN allocated but not yet cleared is reported as such,
    without a restriction date. With `buyer_country` (alpha-2 or alpha-3), says whether a sale
    to a resident of that country is barred today: the barred countries are the period's
    `resale_barred` for the vehicle's powertrain. InvalidInput(field="buyer_country") for a
    code that is no country.
    """
    today = today or timezone.localdate()
    buyer = to_alpha2(buyer_country, field="buyer_country") if buyer_country is not None else None
    key = "".join(vin.split()).upper()
    # A NUL is in no VIN (and PostgreSQL would refuse it in the query with a DataError).
    cert = (
        None
        if "\x00" in key
        else Certificate.objects.select_related("period", "vehicle")
        .filter(vin=key, status__in=LIVE_CERTIFICATE)
        .first()
    )
    if cert is None:
        return {
            "vin": key,
            "quota_import": False,
            "status": None,
            "restricted": False,
            "buyer_country": buyer,
            "sale_barred": False if buyer else None,
        }
    cleared = cert.status == CertificateStatus.CLEARED
    until = cert.restricted_until
    restricted = bool(until and today <= until)
    barred = list(cert.period.resale_barred.get(cert.vehicle.powertrain, []))
    return {
        "buyer_country": buyer,
        "sale_barred": (restricted and buyer in barred) if buyer else None,
        "barred_until": until.isoformat() if until and buyer and buyer in barred else None,
        "barred_countries": barred,
        "vin": key,
        "quota_import": cleared,
        "status": cert.status,
        "certificate": cert.number,
        "period": cert.period.name,
        "country_code": cert.period.country_code,
        "cleared_at": cert.cleared_at,
        "restricted_until": until.isoformat() if until else None,
        "restricted": restricted,
    }


def customs_posts(*, country_code: str | None = None) -> QuerySet[CustomsPost]:
    """The customs posts that accept declarations (optionally of one country)."""
    rows = CustomsPost.objects.order_by("country_code", "code")
    return rows.filter(country_code=country_code) if country_code else rows
