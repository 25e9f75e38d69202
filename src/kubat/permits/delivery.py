"""After the permit: construction, grid acceptance by the distribution company, commissioning.

Commissioning publishes the station in the registry through `registry.services.save_location`
with every EVSE PLANNED (its operator switches them to AVAILABLE over OCPI once live), so the
registry knows each station from the day it was permitted, linked back to its permit.
Same conventions as `services`: `now` for the clock, PermissionDenied, Conflict.
"""

from __future__ import annotations

import math
from datetime import datetime

from django.utils.translation import gettext, gettext_lazy

from kubat.core.countries import to_alpha3
from kubat.core.errors import InvalidInput, PermissionDenied
from kubat.core.phrases import Phrase
from kubat.permits import notifications, selectors
from kubat.permits.models import AuditAction, CaseStatus, PermitCase
from kubat.permits.schemas import EvseGroup
from kubat.permits.services import (
    AnyUser,
    assigned_agency,
    audit,
    lock_case,
    moment,
    require_applicant,
    require_status,
)
from kubat.permits.tracks import rules_for
from kubat.permits.workdays import deadline
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import services as registry_services
from kubat.registry.enums import ConnectorFormat, PowerType, Source, Status
from kubat.registry.models import Location


def start_construction(
    *, user: AnyUser, case: PermitCase, now: datetime | None = None
) -> PermitCase:
    """The applicant reports that building has started under the issued permit."""
    case = lock_case(case)
    require_applicant(user, case)
    require_status(case, CaseStatus.ISSUED)
    at = moment(now)
    case.status = CaseStatus.CONSTRUCTION
    case.construction_started_at = at
    case.save()
    audit(case=case, action=AuditAction.CONSTRUCTION, at=at, user=user)
    return case


def request_grid_acceptance(
    *, user: AnyUser, case: PermitCase, now: datetime | None = None
) -> PermitCase:
    """The station is built: the distribution company's acceptance clock starts."""
    case = lock_case(case)
    require_applicant(user, case)
    require_status(case, CaseStatus.CONSTRUCTION)
    at = moment(now)
    term = rules_for(case.country_code).grid_acceptance
    case.grid_agency = assigned_agency(case, term.authority).agency
    case.status = CaseStatus.GRID_REQUESTED
    case.grid_requested_at = at
    case.grid_due_at = deadline(
        start=at, days=term.days, kind=term.day_kind, country_code=case.country_code
    )
    case.save()
    audit(case=case, action=AuditAction.GRID_REQUESTED, at=at, user=user)
    notifications.notify(
        to=notifications.agency_addresses(case.grid_agency),
        case=case,
        subject=Phrase(gettext_lazy("Grid acceptance and meter installation requested")),
        body=Phrase(
            gettext_lazy("Accept the connection by %(when)s UTC."), {"when": case.grid_due_at}
        ),
    )
    return case


def accept_grid(
    *, user: AnyUser, case: PermitCase, meter_number: str, now: datetime | None = None
) -> PermitCase:
    """The distribution company confirms acceptance of the connection and the meter installed."""
    case = lock_case(case)
    agency = selectors.reviewer_agency(user)
    if agency is None or agency.pk != case.grid_agency_id:
        raise PermissionDenied(gettext("only the distribution company's reviewers accept the grid"))
    require_status(case, CaseStatus.GRID_REQUESTED)
    if not meter_number.strip():
        raise InvalidInput(gettext("give the meter number installed"), field="meter_number")
    at = moment(now)
    case.status = CaseStatus.GRID_ACCEPTED
    case.grid_accepted_at = at
    case.meter_number = meter_number.strip()[:40]
    case.save()
    audit(case=case, action=AuditAction.GRID_ACCEPTED, at=at, user=user, note=case.meter_number)
    notifications.notify(
        to=notifications.applicant_addresses(case),
        case=case,
        subject=Phrase(gettext_lazy("Grid connection accepted")),
        body=Phrase(
            gettext_lazy("Meter %(meter)s is installed; you can commission the station."),
            {"meter": case.meter_number},
        ),
    )
    return case


def _connector(n: int, standard: str, group: EvseGroup, at: datetime) -> ocpi.Connector:
    watts = int(group.max_kw * 1000)
    if group.power_type == PowerType.DC:
        volts = 1000 if group.max_kw > 150 else 750
    elif group.power_type == PowerType.AC_3_PHASE:
        volts = 230  # OCPI: line-to-neutral voltage; power = 3 * V * A
    else:
        volts = 230
    phases = 3 if group.power_type == PowerType.AC_3_PHASE else 1
    amps = math.ceil(watts / (volts * phases))
    return ocpi.Connector(
        id=str(n),
        standard=standard,  # type: ignore[arg-type]
        format=ConnectorFormat.CABLE
        if group.power_type == PowerType.DC
        else ConnectorFormat.SOCKET,
        power_type=group.power_type,
        max_voltage=volts,
        max_amperage=amps,
        max_electric_power=watts,
        last_updated=at,
    )


def planned_location(case: PermitCase, at: datetime) -> ocpi.Location:
    """The OCPI Location a permit becomes: its site and every planned EVSE, status PLANNED."""
    evses: list[ocpi.EVSE] = []
    for group in (EvseGroup.model_validate(g) for g in case.planned_evses):
        for _ in range(group.count):
            n = len(evses) + 1
            evses.append(
                ocpi.EVSE(
                    uid=f"{case.pk}-{n}",
                    evse_id=f"{case.country_code}*{case.party_id}*EP{case.pk:05d}{n:02d}",
                    status=Status.PLANNED,
                    connectors=[
                        _connector(i, s, group, at) for i, s in enumerate(group.standards, 1)
                    ],
                    last_updated=at,
                )
            )
    return ocpi.Location(
        country_code=case.country_code,
        party_id=case.party_id,
        id=f"permit-{case.pk}",
        publish=True,
        name=case.site_name[:255],
        address=case.address[:45],
        city=case.city[:45],
        country=to_alpha3(case.country_code),
        coordinates=ocpi.GeoLocation(
            latitude=f"{case.latitude:.6f}", longitude=f"{case.longitude:.6f}"
        ),
        evses=evses,
        time_zone=rules_for(case.country_code).time_zone,
        last_updated=at,
    )


def enter_pipeline(*, case: PermitCase, at: datetime) -> Location:
    """Write the permitted station into the registry with every EVSE PLANNED (the pipeline)
    and link it to the case; the case's state does not change.

    Commissioning calls it; so does a PPP award's permit at its issue (kubat.ppp), so that an
    awarded site is pipeline from its permit on. The location id is `permit-<case>`, so a
    second call (commissioning after the issue) updates the same location, never a copy.
    """
    party = registry_services.get_or_create_party(
        country_code=case.country_code,
        party_id=case.party_id,
        name=case.applicant.name[:100],
        source=Source.DEMO if case.source == "demo" else Source.PERMIT,
        organisation=case.applicant,
    )
    location, _ = registry_services.save_location(
        party=party,
        data=planned_location(case, at),
        source=Source.DEMO if case.source == "demo" else Source.PERMIT,
        region=case.region,
    )
    case.location = location
    case.save(update_fields=["location"])
    return location


def commission_case(*, user: AnyUser, case: PermitCase, now: datetime | None = None) -> Location:
    """The applicant commissions the station; it enters the registry, linked to the permit.

    The location is published under the case's OCPI party (created on first sight, named
    after the applicant) with every EVSE PLANNED; it turns AVAILABLE when its operator
    reports status over OCPI.
    """
    case = lock_case(case)
    require_applicant(user, case)
    require_status(case, CaseStatus.GRID_ACCEPTED)
    at = moment(now)
    location = enter_pipeline(case=case, at=at)
    party = location.party
    case.status = CaseStatus.IN_REGISTRY
    case.commissioned_at = at
    case.location = location
    case.save()
    audit(case=case, action=AuditAction.COMMISSIONED, at=at, user=user)
    audit(
        case=case,
        action=AuditAction.REGISTERED,
        at=at,
        user=user,
        note=f"{party.key}/{location.ocpi_id}",
    )
    return location
