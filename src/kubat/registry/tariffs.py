"""Operators' tariffs (OCPI Tariffs module): the write path for Tariff rows and their history.

A tariff is replaced whole (OCPI PUT) or deleted; `last_updated` orders writes as it does for
locations (registry.services.OutOfOrder), so an older tariff never overwrites a newer one.
Every accepted version is appended to TariffVersion with the period it was valid, so the price
a driver saw on a given day can be told later. Runs inside the caller's transaction.

A tariff arrives as a 2.2.1 or a 2.3.0 object (the 2.3.0 one subclasses the 2.2.1 one) and its
body is kept in the shape it came in; `tax_included` (2.3.0's YES, NO, N/A) is a column for
both, read from a 2.2.1 tariff as registry.wire.tariff_tax_included says, so prices can tell
whether tax is in them whatever version the operator speaks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from kubat.core.errors import InvalidInput, NotFound
from kubat.protocols.ocpi.v2_2_1 import tariffs as ocpi
from kubat.protocols.ocpi.v2_2_1.types import format_datetime
from kubat.registry.models import Party, Tariff, TariffVersion
from kubat.registry.services import OutOfOrder, road_of
from kubat.registry.wire import tariff_tax_included


def find_tariff(*, party: Party | int, tariff_id: str, lock: bool = False) -> Tariff | None:
    """The party's tariff with this id (CiString), optionally locked FOR UPDATE."""
    rows = Tariff.objects.filter(party=party)
    if lock:
        rows = rows.select_for_update()
    return rows.filter(ocpi_id=tariff_id).first() or rows.filter(ocpi_id__iexact=tariff_id).first()


def _body(data: ocpi.Tariff, ocpi_id: str) -> dict[str, Any]:
    body = data.model_dump(mode="json", exclude_none=True)
    body["id"] = ocpi_id
    body["country_code"] = body["country_code"].upper()
    body["party_id"] = body["party_id"].upper()
    body["last_updated"] = format_datetime(data.last_updated)
    for name in ("start_date_time", "end_date_time"):
        value = getattr(data, name)
        if value is not None:
            body[name] = format_datetime(value)
    return body


def put_tariff(*, party: Party, data: ocpi.Tariff, source: str) -> tuple[Tariff, bool]:
    """Create or replace the party's tariff `data.id`; returns it and whether it is new.

    Raises InvalidInput when the object names another party, OutOfOrder when it is older than
    the stored one (ordered roads).
    """
    road = road_of(source)
    if (data.country_code.upper(), data.party_id.upper()) != (party.country_code, party.party_id):
        raise InvalidInput(
            gettext("tariff %(id)s belongs to %(country_code)s*%(party_id)s, not %(party)s")
            % {
                "id": data.id,
                "country_code": data.country_code,
                "party_id": data.party_id,
                "party": party.key,
            },
            field="party_id",
        )
    # Lock the party first, as save_location does: two first writes of one id would both insert.
    Party.objects.select_for_update().filter(pk=party.pk).first()
    tariff = find_tariff(party=party, tariff_id=data.id, lock=True)
    if tariff is not None and road.ordered and data.last_updated < tariff.last_updated:
        raise OutOfOrder(
            gettext(
                "tariff last_updated %(pushed)s is older than the stored "
                "%(stored)s; older data never overwrites newer"
            )
            % {"pushed": data.last_updated.isoformat(), "stored": tariff.last_updated.isoformat()},
            field="last_updated",
        )
    created = tariff is None
    ocpi_id = data.id if tariff is None else tariff.ocpi_id
    body = _body(data, ocpi_id)
    fields = {
        "currency": data.currency,
        "type": data.type or "",
        "tax_included": tariff_tax_included(body),
        "start_date_time": data.start_date_time,
        "end_date_time": data.end_date_time,
        "body": body,
        "source": source,
        "last_updated": data.last_updated,
    }
    if tariff is None:
        tariff = Tariff.objects.create(party=party, ocpi_id=ocpi_id, **fields)
    else:
        for name, value in fields.items():
            setattr(tariff, name, value)
        tariff.save()
    # The previous version was valid until this one began, so the periods neither overlap nor
    # leave a gap (an unordered road may push an older time: then it ends when received).
    ends = data.last_updated if road.ordered else timezone.now()
    _close_versions(party=party, ocpi_id=ocpi_id, at=ends)
    TariffVersion.objects.create(
        party=party,
        ocpi_id=ocpi_id,
        body=tariff.body,
        source=source,
        valid_from=data.last_updated,
    )
    return tariff, created


def _close_versions(*, party: Party | int, ocpi_id: str, at: datetime) -> None:
    TariffVersion.objects.filter(party=party, ocpi_id=ocpi_id, valid_until__isnull=True).update(
        valid_until=at
    )


def delete_tariff(*, party: Party | int, tariff_id: str) -> None:
    """Delete the party's tariff (OCPI DELETE); its history stays, closed now. NotFound."""
    tariff = find_tariff(party=party, tariff_id=tariff_id, lock=True)
    if tariff is None:
        raise NotFound(
            gettext("unknown tariff %(tariff_id)s") % {"tariff_id": tariff_id}, field="tariff_id"
        )
    _close_versions(party=party, ocpi_id=tariff.ocpi_id, at=timezone.now())
    tariff.delete()


def tariff_history(*, party: Party | int, tariff_id: str) -> QuerySet[TariffVersion]:
    """Every version of a tariff, oldest first, with the period each was valid."""
    return TariffVersion.objects.filter(party=party, ocpi_id__iexact=tariff_id).order_by(
        "valid_from", "pk"
    )


def tariff_objects(*, party: Party | int) -> dict[str, dict[str, Any]]:
    """The party's tariffs as upper-cased id (CiString) → OCPI object, for pricing."""
    rows = Tariff.objects.filter(party=party).values_list("ocpi_id", "body")
    return {ocpi_id.upper(): dict(body) for ocpi_id, body in rows}


def tariff_types(*, party: Party | int) -> dict[str, str]:
    """The party's tariffs as upper-cased id (CiString) → type ("" when the tariff has none),
    for resolving Connector.tariff_ids."""
    rows = Tariff.objects.filter(party=party).values_list("ocpi_id", "type")
    return {ocpi_id.upper(): kind for ocpi_id, kind in rows}
