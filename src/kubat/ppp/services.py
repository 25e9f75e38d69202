"""PPP call rules: who publishes, who may express interest and until when, who awards.

Every service relies on the caller's transaction (one per request or command), raises
PermissionDenied for the wrong actor, Conflict for the wrong state and InvalidInput naming the
field for a wrong value, and takes `now` so that the demo and tests can run on a set clock.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.core.errors import Conflict, InvalidInput, PermissionDenied
from kubat.permits import services as permit_services
from kubat.ppp.models import Call, CallStatus, Expression

AnyUser = account_services.AnyUser
COUNTRIES = ("KG", "KZ")


def moment(now: datetime | None) -> datetime:
    return now or timezone.now()


def require_secretariat(user: AnyUser) -> None:
    if not account_services.has_role(user, Role.SECRETARIAT):
        raise PermissionDenied(gettext("only the secretariat publishes and awards PPP calls"))


def investor_organisation(user: AnyUser) -> Organisation | None:
    """The organisation `user` expresses interest for: the investor role and a membership."""
    if not account_services.has_role(user, Role.INVESTOR):
        return None
    return account_services.organisation_of(user)


@dataclass(frozen=True, slots=True)
class CallData:
    """What the secretariat fills in; `validate` names the first wrong field."""

    country_code: str
    region: str
    city: str
    place: str
    address: str
    latitude: float
    longitude: float
    land_owner: str
    grid_capacity_kw: float
    terms: str
    deadline_at: datetime
    documents: str = ""

    def validate(self, *, now: datetime) -> None:
        if self.country_code not in COUNTRIES:
            raise InvalidInput(gettext("country_code is KG or KZ"), field="country_code")
        for name, limit in (("region", 60), ("city", 45), ("place", 120), ("address", 45)):
            value = getattr(self, name).strip()
            if not value or len(value) > limit:
                raise InvalidInput(
                    gettext("%(name)s: 1 to %(limit)s characters") % {"name": name, "limit": limit},
                    field=name,
                )
        if not self.land_owner.strip():
            raise InvalidInput(gettext("land_owner is required"), field="land_owner")
        if not self.terms.strip():
            raise InvalidInput(gettext("terms are required"), field="terms")
        if not -90 <= self.latitude <= 90:
            raise InvalidInput(gettext("latitude: -90 to 90"), field="latitude")
        if not -180 <= self.longitude <= 180:
            raise InvalidInput(gettext("longitude: -180 to 180"), field="longitude")
        if not 0 < self.grid_capacity_kw <= 100_000:
            raise InvalidInput(
                gettext("grid_capacity_kw: above 0, at most 100000"), field="grid_capacity_kw"
            )
        if self.deadline_at <= now:
            raise InvalidInput(gettext("the deadline must be in the future"), field="deadline_at")


def publish_call(
    *, user: AnyUser, data: CallData, now: datetime | None = None, source: str = "portal"
) -> Call:
    """The secretariat publishes a site; it is public at once and open until its deadline."""
    require_secretariat(user)
    at = moment(now)
    data.validate(now=at)
    number = Call.objects.filter(country_code=data.country_code).count() + 1
    call = Call.objects.create(
        reference=f"PPP-{data.country_code}-{at:%Y}-{number:03d}",
        country_code=data.country_code,
        region=data.region.strip(),
        city=data.city.strip(),
        place=data.place.strip(),
        address=data.address.strip(),
        latitude=data.latitude,
        longitude=data.longitude,
        land_owner=data.land_owner.strip(),
        grid_capacity_kw=data.grid_capacity_kw,
        terms=data.terms.strip(),
        documents=data.documents.strip(),
        deadline_at=data.deadline_at,
        published_at=at,
        published_by=user if isinstance(user, User) else None,
        source=source,
    )
    return call


def is_open(call: Call, *, now: datetime | None = None) -> bool:
    """Open for expressions: not awarded or withdrawn, and before the deadline."""
    return call.status == CallStatus.OPEN and moment(now) < call.deadline_at


def submit_expression(
    *,
    user: AnyUser,
    call: Call,
    planned_kw: float,
    proposal: str,
    now: datetime | None = None,
) -> Expression:
    """An investor's expression of interest, one per organisation (a second replaces the
    first) and only before the deadline: a late one is refused, never stored."""
    organisation = investor_organisation(user)
    if organisation is None:
        raise PermissionDenied(
            gettext("expressing interest needs the investor role and an organisation")
        )
    at = moment(now)
    call = Call.objects.select_for_update().get(pk=call.pk)  # the deadline and the award race
    if not is_open(call, now=at):
        raise Conflict(
            gettext("call %(reference)s is closed for expressions of interest")
            % {"reference": call.reference}
        )
    if not 0 < planned_kw <= call.grid_capacity_kw:
        raise InvalidInput(
            gettext("planned_kw: above 0, at most the site's %(grid_capacity_kw)s kW")
            % {"grid_capacity_kw": f"{call.grid_capacity_kw:g}"},
            field="planned_kw",
        )
    proposal = proposal.strip()
    if not proposal or len(proposal) > 5000:
        raise InvalidInput(gettext("proposal: 1 to 5000 characters"), field="proposal")
    expression, _ = Expression.objects.update_or_create(
        call=call,
        investor=organisation,
        defaults={
            "submitted_by": user if isinstance(user, User) else None,
            "submitted_at": at,
            "planned_kw": planned_kw,
            "proposal": proposal,
        },
    )
    return expression


def party_for(organisation: Organisation) -> str:
    """A 3-character OCPI party id proposed for the winner (its name's first letters); the
    applicant may change it in the draft before submitting."""
    letters = re.sub(r"[^A-Za-z0-9]", "", organisation.name).upper()
    return (letters + "PPP")[:3]


def award_call(*, user: AnyUser, call: Call, investor_id: int, now: datetime | None = None) -> Call:
    """The secretariat awards a call after its deadline to an organisation that expressed
    interest; a permit case opens for the winner, pre-filled with the site (a draft the
    winner completes and submits). When that permit is issued the site becomes pipeline."""
    require_secretariat(user)
    at = moment(now)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status != CallStatus.OPEN:
        raise Conflict(
            gettext("call %(reference)s is %(status)s")
            % {"reference": call.reference, "status": call.get_status_display()}
        )
    if at < call.deadline_at:
        raise Conflict(
            gettext("call %(reference)s is open until %(deadline_at)s UTC")
            % {"reference": call.reference, "deadline_at": f"{call.deadline_at:%Y-%m-%d %H:%M}"}
        )
    expression = call.expressions.select_related("investor").filter(investor_id=investor_id).first()
    if expression is None:
        raise InvalidInput(gettext("the winner must have expressed interest"), field="investor")
    winner = expression.investor
    dc_points = max(1, math.floor(expression.planned_kw / 60))
    application = permit_services.parse_application(
        {
            "country_code": call.country_code,
            "site_name": call.place,
            "region": call.region,
            "city": call.city,
            "address": call.address,
            "latitude": call.latitude,
            "longitude": call.longitude,
            "land_right": "lease",
            "land_document": f"PPP {call.reference}: {call.land_owner}"[:120],
            "party_id": party_for(winner),
            "grid_capacity_kw": call.grid_capacity_kw,
            "planned_evses": [
                {
                    "count": min(dc_points, 100),
                    "power_type": "DC",
                    "max_kw": 60,
                    "standards": ["GBT_DC", "IEC_62196_T2_COMBO"],
                }
            ],
        }
    )
    case = permit_services.create_draft_for(
        organisation=winner,
        application=application,
        user=user,
        now=at,
        source="demo" if call.source == "demo" else "portal",
        note=f"opened by the award of {call.reference}",
    )
    call.status = CallStatus.AWARDED
    call.awarded_to = winner
    call.awarded_at = at
    call.permit_case = case
    call.save()
    return call
