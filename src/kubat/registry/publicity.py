"""Which locations the public sees: one definition for the API, the portal, the open data, OCPI.

- public: published, with at least one EVSE in service (neither PLANNED nor REMOVED): a station
  people can charge at. Listed, mapped, counted as a location in the national figures.
- planned: published, no EVSE in service, at least one PLANNED: the pipeline (a permitted
  station not yet built). Counted apart (`planned_locations`), listed when PLANNED is asked
  for, in the open data with `publicity` = planned.
- retired: published, with every EVSE REMOVED (or none at all): gone from the public dataset.
  Only the OCPI sender still sends it, with its REMOVED EVSEs, so that mirrors learn of the
  removal (OCPI never deletes a Location).
- hidden: not published (OCPI `publish` false): never shown, never sent.

The derived columns make each a column test (`registry.derived.summarise`): `evse_count`
counts EVSEs in service and `charging_class` is empty exactly when no EVSE is left.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q

from kubat.registry.models import Location


class Publicity(StrEnum):
    PUBLIC = "public"
    PLANNED = "planned"
    RETIRED = "retired"
    HIDDEN = "hidden"


PUBLIC = Q(publish=True, evse_count__gt=0)
PLANNED = Q(publish=True, evse_count=0) & ~Q(charging_class="")
LISTED = PUBLIC | PLANNED  # the open data; the API and the map when PLANNED is asked for
SENT = Q(publish=True)  # the OCPI sender: retired locations tell mirrors of their removal


def of(location: Location) -> Publicity:
    return classify(
        publish=location.publish,
        evse_count=location.evse_count,
        charging_class=location.charging_class,
    )


def classify(*, publish: bool, evse_count: int, charging_class: str) -> Publicity:
    """The publicity of a location with these column values (`of` for a row read as values)."""
    if not publish:
        return Publicity.HIDDEN
    if evse_count > 0:
        return Publicity.PUBLIC
    return Publicity.PLANNED if charging_class else Publicity.RETIRED
