"""CDRs, receiver role (spec 10.2.2): the finished sessions operators push to Kubat.

POST `/ocpi/2.2.1/receiver/cdrs/` with a CDR stores it and answers 201 with `Location:` the URL
of the stored CDR; GET of that URL returns it as it was received. A caller posts only for
parties its credentials cover. A CDR is never changed (10.1): the same CDR posted again (a
retry) is answered 200 with the same URL, a different one under a stored id is refused (2001:
a correction is a credit CDR under a new id). A credit CDR (`credit`, `credit_reference_id`)
reverses the one it credits: its energy counts negative.

What Kubat reads from CDRs is energy: kWh per location and month (the month of the session's
start, UTC), the measured energy of the emissions figures (strategy.emissions) wherever an
operator has not uploaded a monthly figure for that location and month.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from kubat.core.errors import InvalidInput, NotFound
from kubat.ocpi.models import ChargeDetailRecord
from kubat.ocpi.receiver import parse, party_of
from kubat.ocpi.transport import Caller
from kubat.protocols.ocpi.v2_2_1 import cdrs as ocpi_cdrs
from kubat.registry import services as registry_services
from kubat.registry.models import Party


def post_cdr(*, caller: Caller, body: Any) -> tuple[ChargeDetailRecord, bool]:
    """Store a pushed CDR; returns it and whether it is new (False: the same CDR again).

    Raises InvalidInput naming the field for a malformed CDR or a different CDR under a stored
    id, PermissionDenied for a party the caller's credentials do not cover.
    """
    obj = parse(ocpi_cdrs.CDR, body)
    party_pk = party_of(caller, obj.country_code, obj.party_id)
    stored = obj.model_dump(mode="json", exclude_none=True)
    with transaction.atomic():
        # Lock the party row: two retries of one CDR racing each other store it once.
        party = Party.objects.select_for_update().get(pk=party_pk)
        existing = ChargeDetailRecord.objects.filter(party=party, ocpi_id=obj.id).first()
        if existing is not None:
            if existing.body != stored:
                raise InvalidInput(
                    _(
                        "CDR %(id)s is already stored and a CDR is never changed: send a "
                        "credit CDR and a new CDR under a new id"
                    )
                    % {"id": obj.id},
                    field="id",
                )
            return existing, False
        energy = obj.total_energy
        cdr = ChargeDetailRecord.objects.create(
            party=party,
            ocpi_id=obj.id,
            location_ref=obj.cdr_location.id,
            evse_uid=obj.cdr_location.evse_uid,
            start_date_time=obj.start_date_time,
            end_date_time=obj.end_date_time,
            total_energy_kwh=-energy if obj.credit else energy,
            credit=bool(obj.credit),
            body=stored,
            received_at=timezone.now(),
        )
    return cdr, True


def get_cdr(*, party_pk: int, cdr_id: str) -> dict[str, Any]:
    """The stored CDR as OCPI (NotFound → 2003)."""
    cdr = ChargeDetailRecord.objects.filter(party_id=party_pk, ocpi_id=cdr_id).first()
    if cdr is None:
        raise NotFound(_("unknown CDR %(id)s") % {"id": cdr_id}, field="cdr_id")
    return dict(cdr.body)


def energy_by_location_month(*, country_code: str, year: int) -> list[dict[str, Any]]:
    """kWh from CDRs per (party key, location id, month) in `year` for the parties of a
    country, with the location's region from the registry ("" when it is not registered).

    For strategy.emissions: the measured energy where no monthly upload exists.
    """
    rows = (
        ChargeDetailRecord.objects.filter(
            party__country_code=country_code.upper(),
            start_date_time__gte=datetime(year, 1, 1, tzinfo=UTC),
            start_date_time__lt=datetime(year + 1, 1, 1, tzinfo=UTC),
        )
        .annotate(m=TruncMonth("start_date_time", tzinfo=UTC))
        .values("party_id", "party__party_id", "location_ref", "m")
        .annotate(kwh=Sum("total_energy_kwh"))
        .order_by("party_id", "location_ref", "m")
    )
    regions: dict[tuple[int, str], str] = {}
    out: list[dict[str, Any]] = []
    for row in rows:
        key = (row["party_id"], row["location_ref"])
        if key not in regions:
            location = registry_services.find_location(party=key[0], location_id=key[1])
            regions[key] = location.region if location else ""
        month = row["m"]
        out.append(
            {
                "party": f"{country_code.upper()}*{row['party__party_id']}",
                "location_ref": row["location_ref"],
                "month": date(month.year, month.month, 1),
                "region": regions[key],
                "kwh": float(row["kwh"] or 0.0),
            }
        )
    return out
