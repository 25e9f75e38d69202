"""Locations, sender role (spec 8.2.1): the national dataset as any OCPI client mirrors it.

Only published locations are sent. EVSEs set to REMOVED are still sent, with that status: it is
how OCPI tells a mirror that an EVSE is gone (they are out of Kubat's own search and statistics).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Max, Prefetch, Q
from django.db.models.functions import Coalesce, Greatest

from kubat.core.errors import InvalidInput, NotFound
from kubat.registry import publicity, wire
from kubat.registry import services as registry_services
from kubat.registry.models import EVSE, EVSEStatusEvent, Location, Tariff

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


def list_locations(
    *,
    date_from: datetime | None,
    date_to: datetime | None,
    offset: int,
    limit: int,
    version: str = wire.V2_2_1,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the locations the sender sends (registry.publicity.SENT) as OCPI `version`
    defines them, and the total.

    Pages follow the primary key, which never changes: a location updated while a client pages
    keeps its place, so the client neither skips it nor gets it twice (paging by the mutable
    last_updated skipped a location updated mid-way for good). last_updated only filters:
    date_from is inclusive and date_to exclusive, as the spec defines them, on the OCPI
    last_updated (the newest of the location's own and its EVSEs'). A client that pages from
    scratch, then asks again from the time it started, ends with every location at its newest.
    """
    rows = Location.objects.filter(publicity.SENT)
    if date_from is not None:
        # A location's OCPI last_updated is the newest of its own and its EVSEs' (see
        # registry.services). Writes other than status reports move the location's own; a status
        # report leaves an event, found through the history's time index: an event reporting
        # a time >= date_from was received no earlier than date_from - MAX_CLOCK_AHEAD.
        changed = EVSEStatusEvent.objects.filter(
            received_at__gte=date_from - registry_services.MAX_CLOCK_AHEAD,
            reported_at__gte=date_from,
        ).values("evse__location_id")
        rows = rows.filter(Q(last_updated__gte=date_from) | Q(pk__in=changed))
    if date_to is not None:
        rows = rows.alias(
            newest=Greatest("last_updated", Coalesce(Max("evses__last_updated"), "last_updated"))
        ).filter(newest__lt=date_to)
    total = rows.count()
    page = (
        rows.select_related("party")
        .prefetch_related(
            Prefetch("evses", EVSE.objects.order_by("pk").prefetch_related("connectors"))
        )
        .order_by("pk")[offset : offset + limit]
    )
    return [
        wire.location_to_ocpi(loc, evses=list(loc.evses.all()), version=version) for loc in page
    ], total


def list_tariffs(
    *,
    date_from: datetime | None,
    date_to: datetime | None,
    offset: int,
    limit: int,
    version: str = wire.V2_2_1,
) -> tuple[list[dict[str, Any]], int]:
    """One page of every operator's tariffs (all are public prices) as OCPI `version` defines
    them, by primary key, and the total; date_from inclusive and date_to exclusive on
    last_updated, as for locations."""
    rows = Tariff.objects.all()
    if date_from is not None:
        rows = rows.filter(last_updated__gte=date_from)
    if date_to is not None:
        rows = rows.filter(last_updated__lt=date_to)
    total = rows.count()
    page = rows.order_by("pk").values_list("body", flat=True)[offset : offset + limit]
    return [wire.tariff_to_ocpi(body, version=version) for body in page], total


def published_location(*, location_id: str, party: tuple[str, str] | None) -> Location:
    """The published location with this id; `party` (from the OCPI-to-* routing headers) picks
    one when several operators use the same id. Raises NotFound (2003), InvalidInput (2001)."""
    rows = Location.objects.select_related("party").filter(publicity.SENT)
    if party is not None:
        rows = rows.filter(party__country_code=party[0].upper(), party__party_id=party[1].upper())
    found = list(rows.filter(ocpi_id=location_id)[:2]) or list(
        rows.filter(ocpi_id__iexact=location_id)[:2]
    )
    if not found:
        raise NotFound(f"unknown location {location_id}", field="location_id")
    if len(found) > 1:
        raise InvalidInput(
            f"several operators publish location {location_id}: name one with the "
            "OCPI-to-country-code and OCPI-to-party-id headers",
            field="OCPI-to-party-id",
        )
    return found[0]
