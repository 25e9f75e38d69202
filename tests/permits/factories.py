"""Small builders for permit tests: a country with its agencies, applicants and reviewers."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pypdf
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.permits import payments, services
from kubat.permits.models import AgencyAssignment, PermitCase
from kubat.permits.schemas import Application
from kubat.permits.tracks import Authority

# Thursday 1 October 2026, 04:00 UTC: a business day in both countries.
T0 = datetime(2026, 10, 1, 4, 0, tzinfo=UTC)


def _real_pdf() -> bytes:
    """A minimal PDF that parses (one blank A4 page), made by pypdf: uploads are parsed whole."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _real_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (0, 120, 60)).save(out, "PNG")
    return out.getvalue()


PDF = _real_pdf()
PNG = _real_png()


def make_user(
    username: str,
    *,
    organisation: Organisation | None = None,
    role: Role | None = None,
    password: str = "pw-for-tests-only",
) -> User:
    user = User.objects.create_user(
        username=username, email=f"{username}@example.test", password=password
    )
    if organisation is not None:
        account_services.join_organisation(user=user, organisation=organisation)
    if role is not None:
        account_services.grant_role(user=user, role=role)
    return user


@dataclass
class World:
    country: str
    applicant: User
    applicant_org: Organisation
    outsider: User
    secretariat: User
    agencies: dict[str, Organisation] = field(default_factory=dict)
    reviewers: dict[str, User] = field(default_factory=dict)


def make_world(country: str = "KZ") -> World:
    """Agencies for every authority, a reviewer each, an applicant, a rival, the secretariat."""
    cc = country.lower()
    applicant_org = Organisation.objects.create(
        name=f"Charge {country} LLP", kind=Organisation.Kind.INVESTOR, country_code=country
    )
    rival_org = Organisation.objects.create(
        name=f"Rival {country} LLP", kind=Organisation.Kind.OPERATOR, country_code=country
    )
    secretariat_org = Organisation.objects.create(
        name=f"E-mobility secretariat {country}",
        kind=Organisation.Kind.SECRETARIAT,
        country_code=country,
    )
    world = World(
        country=country,
        applicant=make_user(f"applicant-{cc}", organisation=applicant_org, role=Role.OPERATOR),
        applicant_org=applicant_org,
        outsider=make_user(f"rival-{cc}", organisation=rival_org, role=Role.OPERATOR),
        secretariat=make_user(
            f"secretariat-{cc}", organisation=secretariat_org, role=Role.SECRETARIAT
        ),
    )
    for authority in Authority:
        agency = Organisation.objects.create(
            name=f"{authority.value} {country}", kind=Organisation.Kind.AGENCY, country_code=country
        )
        AgencyAssignment.objects.create(
            country_code=country, authority=authority.value, region="", agency=agency
        )
        world.agencies[authority.value] = agency
        world.reviewers[authority.value] = make_user(
            f"{authority.value}-{cc}", organisation=agency, role=Role.AGENCY_REVIEWER
        )
    return world


def application(country: str = "KZ", **overrides: Any) -> Application:
    """A 2 x 60 kW DC station: the simplified (KG) or permit (KZ) track, three approvals."""
    data: dict[str, Any] = {
        "country_code": country,
        "site_name": "Mall parking",
        "region": "Almaty" if country == "KZ" else "Bishkek",
        "city": "Almaty" if country == "KZ" else "Bishkek",
        "address": "Al-Farabi Ave 77" if country == "KZ" else "Chui Ave 100",
        "latitude": 43.2389 if country == "KZ" else 42.8746,
        "longitude": 76.8897 if country == "KZ" else 74.5698,
        "land_right": "lease",
        "land_document": "LEASE-2026-17",
        "party_id": "CHG",
        "planned_evses": [
            {
                "count": 2,
                "power_type": "DC",
                "max_kw": 60,
                "standards": ["GBT_DC", "IEC_62196_T2_COMBO"],
            }
        ],
        "grid_capacity_kw": 150,
    }
    data.update(overrides)
    return Application.model_validate(data)


def upload(content: bytes = PDF, name: str = "lease.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def draft(world: World, *, now: datetime = T0, **overrides: Any) -> PermitCase:
    case = services.create_draft(
        user=world.applicant, application=application(world.country, **overrides), now=now
    )
    services.add_attachment(
        user=world.applicant, case=case, upload=upload(), kind="land_right", now=now
    )
    return case


def pay(world: World, case: PermitCase, *, now: datetime = T0) -> PermitCase:
    """The secretariat confirms the submitted case's fee as received (if it has one)."""
    case.refresh_from_db()
    if case.fee_outstanding > 0:
        payments.confirm_payment(
            user=world.secretariat,
            case=case,
            amount=case.fee_outstanding,
            transaction_id=f"BANK-{case.pk}-{now:%Y%m%d%H%M%S}",
            now=now,
        )
        case.refresh_from_db()
    return case


def in_review(world: World, *, now: datetime = T0, **overrides: Any) -> PermitCase:
    case = draft(world, now=now, **overrides)
    services.submit_case(user=world.applicant, case=case, now=now)
    later = now + timedelta(hours=5)
    pay(world, case, now=later)
    return services.check_completeness(user=world.secretariat, case=case, complete=True, now=later)
