"""GET /api/v1/locations, /locations/{id} and /stats: the registry's public, read-only API.

Handlers parse and validate the query, call the selectors and shape the answer; every rule
lives in the selectors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as Reply
from pydantic import WithJsonSchema

from kubat.accounts.auth import token_or_session
from kubat.core import apischema, geo
from kubat.core.countries import to_alpha2
from kubat.core.errors import InvalidInput
from kubat.core.jsonguard import TooLarge
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import bounds, compliance, presenters, reliability, selectors, services
from kubat.registry.enums import ConnectorType, Source, Status
from kubat.registry.imports import ImportRejected, assert_may_import, import_locations

router = Router(tags=["registry"])

# Path values as services.parse_party_key and the OCPI objects read them (CiStrings, any case).
PARTY_KEY = services.PARTY_KEY_PATTERN.removeprefix("^").removesuffix("$")
PartyKey = Annotated[
    str,
    apischema.pattern(f"{apischema.SPACE}{PARTY_KEY}{apischema.SPACE}", "a party key: KG*KUB"),
]
CountryCode = Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{2}$"})]
PartyId = Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[A-Za-z0-9]{3}$"})]
LocationId = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": 36, "pattern": "^[\\x20-\\x7e]*$"}
    ),
]


class ConnectorOut(Schema):
    id: str
    standard: str
    format: str
    power_type: str
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None
    power_kw: float
    last_updated: datetime


class PriceOut(Schema):
    session: str = Field(description="The reference session priced, e.g. DC: 30 kWh in 45 min")
    currency: str = Field(description="ISO 4217, as the tariff states it")
    excl_vat: float
    incl_vat: float
    vat_stated: bool = Field(description="False when the tariff states no VAT at all")
    tax_included: str = Field(
        description="OCPI 2.3.0 TaxIncluded of the tariff: YES (its amounts include tax), NO "
        "(tax is added on top), N/A (no tax applies); a 2.2.1 tariff is NO when it states VAT, "
        "N/A when it states none"
    )
    includes_tax: bool = Field(
        description="Whether incl_vat is what a driver pays, tax included; false only when tax "
        "is added at a rate the tariff does not state"
    )
    tariff_id: str
    tariff_type: str | None


class EvseOut(Schema):
    uid: str
    evse_id: str | None
    status: str
    max_power_kw: float
    capabilities: list[str]
    physical_reference: str | None
    floor_level: str | None
    connectors: list[ConnectorOut]
    accepted_service_providers: list[str] = Field(
        default_factory=list,
        description="OCPI 2.3.0: the eMSPs whose contract-based payment this EVSE accepts",
    )
    price: PriceOut | None = Field(
        None, description="Ad-hoc price of the reference session (docs/open-data.md)"
    )
    last_updated: datetime


class LocationOut(Schema):
    id: int
    ocpi_id: str
    party: str = Field(description="OCPI party key, e.g. KG*KUB")
    operator: str
    name: str
    address: str
    city: str
    postal_code: str
    region: str
    country: str = Field(description="ISO 3166-1 alpha-3, as in OCPI")
    country_code: str = Field(description="ISO 3166-1 alpha-2")
    latitude: float
    longitude: float
    max_power_kw: float
    charging_class: str | None = Field(description="AC, DC (below 150 kW) or HPC (150 kW up)")
    evse_count: int
    status_counts: dict[str, int]
    connector_standards: list[str]
    publicity: str = Field(
        description="public (in service) or planned (pipeline: every EVSE PLANNED); "
        "see docs/open-data.md"
    )
    source: str = Field(description='"demo" marks generated demo data')
    last_updated: datetime
    distance_km: float | None = Field(None, description="Only with near=")


class ContactOut(Schema):
    website: str | None
    email: str | None
    phone: str | None


class ViolationOut(Schema):
    rule: str
    message: str
    evse_uid: str | None


class ComplianceOut(Schema):
    profile: str | None = Field(description="Country whose profile applies; null when none")
    profile_version: str | None
    compliant: bool
    violations: list[ViolationOut]


class LocationDetailOut(LocationOut):
    parking_type: str | None
    facilities: list[str]
    time_zone: str
    opening_times: dict[str, object] | None
    help_phone: str | None = Field(
        None, description="OCPI 2.3.0: a phone number drivers at the location may call for help"
    )
    contact: ContactOut
    evses: list[EvseOut]
    compliance: ComplianceOut


class LocationPageOut(Schema):
    total: int = Field(
        description="How many locations match, over all pages: exact when total_kind is "
        "`exact`; an estimate from the registry's grid cells (two significant digits) when "
        "`about`; the bound the exact count passed when `more_than`"
    )
    total_kind: Literal["exact", "about", "more_than"] = Field(
        description=f"Totals are exact up to {selectors.EXACT_TOTAL_UP_TO:,}; past it they are "
        "estimated (a place and at most one connector) or only bounded (other filters)"
    )
    total_label: str = Field(
        description="The total as shown to people, in the request's language: "
        "'1,234', 'about 23,000', 'more than 1,000'"
    )
    count: int
    next_cursor: str | None = Field(description="Pass as cursor= for the next page")
    items: list[LocationOut]


class LocationQuery(Schema):
    country: apischema.CountryOrBlank | None = Field(
        None, description="ISO 3166-1 alpha-2 or alpha-3"
    )
    region: str | None = None
    city: str | None = Field(None, description="Case-insensitive, Latin script: Bishkek")
    connector: list[ConnectorType] = Field(
        [], description="OCPI connector standard; repeat for any of several"
    )
    min_kw: float | None = Field(None, ge=0, le=2000)
    status: list[Status] = Field(
        [],
        description="Locations with an EVSE in this status. Locations not yet in service (all "
        "EVSEs PLANNED, e.g. from a permit) are left out unless PLANNED is asked for.",
    )
    text: str | None = Field(
        None, max_length=100, description="Words in the name, address or city (any case)"
    )
    operator: str | None = Field(None, description="Party key (KG*KUB) or operator name")
    bbox: apischema.BBoxOrBlank | None = Field(
        None,
        description="minlon,minlat,maxlon,maxlat, each minimum at most its maximum: without "
        "near=, results come nearest the box's centre first, with distance_km from it",
    )
    near: apischema.LatLonOrBlank | None = Field(
        None, description="lat,lon: sort by distance, add distance_km"
    )
    radius_km: float | None = Field(
        None, gt=0, le=20000, description="Only with near= (400 without it); default 50"
    )
    max_price: float | None = Field(
        None,
        ge=0,
        description="Price up to: locations with an EVSE whose reference session (DC 30 kWh in "
        "45 min, AC 11 kWh in 2 h) costs at most this, VAT included, in `currency` (required "
        "with it; prices are never converted, so stations priced in another currency and "
        "unpriced ones do not match)",
    )
    currency: str | None = Field(
        None,
        pattern="^([A-Za-z]{3})?$",
        description="ISO 4217 currency of max_price: KGS, KZT (only with max_price, 400 without)",
    )
    limit: int = Field(100, ge=1, le=selectors.MAX_LIMIT)
    cursor: str | None = Field(
        None,
        description="next_cursor of the previous page of the same query (with near= or without "
        "it: a cursor of the other kind is a 400)",
    )


def filters_from_query(query: LocationQuery) -> selectors.LocationFilters:
    if query.radius_km is not None and query.near is None:
        raise InvalidInput(gettext("radius_km needs near=lat,lon"), field="radius_km")
    if query.max_price is not None and not query.currency:
        raise InvalidInput(
            gettext("max_price needs currency (ISO 4217, e.g. KGS)"), field="currency"
        )
    if query.currency and query.max_price is None:
        raise InvalidInput(gettext("currency is only used with max_price"), field="max_price")
    return selectors.LocationFilters(
        country_code=to_alpha2(query.country, field="country") if query.country else None,
        region=query.region or None,
        city=query.city or None,
        standards=tuple(c.value for c in query.connector),
        min_kw=query.min_kw,
        statuses=tuple(s.value for s in query.status),
        operator=query.operator or None,
        bbox=geo.parse_bbox(query.bbox) if query.bbox else None,
        near=geo.parse_lat_lon(query.near, field="near") if query.near else None,
        radius_km=query.radius_km,
        text=query.text or None,
        max_price=(query.max_price, query.currency.upper())
        if query.max_price is not None and query.currency
        else None,
    )


@router.get("/locations", response=LocationPageOut, summary="Search public charging locations")
def list_locations(request: HttpRequest, query: Query[LocationQuery]) -> dict[str, object]:
    page = selectors.search_location_rows(
        filters=filters_from_query(query), limit=query.limit, cursor=query.cursor
    )
    return {
        "total": page.total,
        "total_kind": page.total_kind.value,
        "total_label": presenters.total_label(selectors.Total(page.total, page.total_kind)),
        "count": len(page.items),
        "next_cursor": page.next_cursor,
        "items": [
            presenters.row_summary(row, page.distances_km.get(row.values["id"]))
            for row in page.items
        ],
    }


@router.get("/locations/{location_id}", response=LocationDetailOut, summary="One public location")
def get_location(request: HttpRequest, location_id: int) -> dict[str, object]:
    selectors.get_public_location(location_id=location_id)
    return _detail(location_id)


class OperatorCount(Schema):
    party: str
    name: str
    locations: int


class StatsOut(Schema):
    country: str | None
    last_updated: datetime | None = Field(description="Newest change among public locations")
    locations: int = Field(description="Published locations with at least one EVSE in service")
    planned_locations: int = Field(description="Published locations with only PLANNED EVSEs")
    evses: int
    connectors: int
    connectors_by_standard: dict[str, int]
    evses_by_power_class: dict[str, int]
    locations_by_region: dict[str, int]
    locations_by_operator: list[OperatorCount]


@router.get("/stats", response=StatsOut, summary="National figures of the public registry")
def stats(
    request: HttpRequest, country: apischema.CountryOrBlank | None = None
) -> dict[str, object]:
    code = to_alpha2(country, field="country") if country else None
    return selectors.national_stats(country_code=code)


class OperatorComplianceOut(Schema):
    party: str
    name: str
    locations: int
    compliant: int
    non_compliant: int
    violations_by_rule: dict[str, int]
    non_compliant_locations: list[dict[str, object]] = Field(
        description="id, ocpi_id, name and the compliance result of each failing location"
    )
    network_violations: list[dict[str, object]] = Field(
        default_factory=list,
        description="rules the operator's network breaks as a whole (rapid-reliability: its "
        "rapid points' reliability this calendar year below the profile's target)",
    )


@router.get(
    "/operators/{party}/compliance",
    response=OperatorComplianceOut,
    summary="An operator's locations against its country's charging-standard profile",
)
def operator_compliance(request: HttpRequest, party: PartyKey) -> dict[str, object]:
    found = services.get_party(key=party)
    report = selectors.compliance_report(party=found, public_only=True)
    network = reliability.network_violations(
        party=found, period=reliability.Period(timezone.now().year)
    )
    return {
        **report.operators[0].as_dict(),
        "non_compliant_locations": report.failing,
        "network_violations": [{"rule": v.rule, "message": v.message} for v in network],
    }


def _detail(location_id: int) -> dict[str, object]:
    location = selectors.get_location(location_id=location_id)
    return {
        **presenters.location_detail(location),
        "compliance": compliance.check_location(location, now=timezone.now()).as_dict(),
    }


@router.put(
    "/locations/{country_code}/{party_id}/{location_id}",
    auth=token_or_session,
    response={
        200: LocationDetailOut,
        201: LocationDetailOut,
        400: apischema.ErrorOut,
        403: apischema.ErrorOut,
        404: apischema.ErrorOut,
        409: apischema.ErrorOut,
    },
    summary="Create or replace a location (operator of the party, or the secretariat)",
)
def put_location(
    request: HttpRequest,
    country_code: CountryCode,
    party_id: PartyId,
    location_id: LocationId,
    payload: ocpi.Location,
) -> Reply[dict[str, object]]:
    """The body is an OCPI 2.2.1 Location; the path must name the same party and id (400
    otherwise), a registered party (404)."""
    if (payload.country_code.upper(), payload.party_id.upper()) != (
        country_code.upper(),
        party_id.upper(),
    ):
        raise InvalidInput(
            gettext("body country_code/party_id differ from the path"), field="party_id"
        )
    if payload.id != location_id:
        raise InvalidInput(gettext("body id differs from the path"), field="id")
    party = services.get_party(key=f"{country_code}*{party_id}")
    services.assert_can_write(user=request.user, party=party)
    bounds.check_location(payload.model_dump(mode="json"))
    with transaction.atomic():
        location, created = services.save_location(party=party, data=payload, source=Source.API)
    return Reply(201 if created else 200, _detail(location.pk))


class RejectionOut(Schema):
    where: str = Field(description='"row 12" (the CSV line) or "object 3" (the JSON index)')
    field: str = Field(description="the CSV column or the OCPI field")
    reason: str


class ImportReportOut(Schema):
    created: int
    updated: int
    rejected: list[RejectionOut]


ImportFormat = Annotated[str, WithJsonSchema({"type": "string", "enum": ["csv", "json"]})]


class ImportRefusedOut(apischema.ErrorOut):
    """A refused import: the file as a whole (`field` names what, `rejected` is empty) or its
    rows (each in `rejected`); either way nothing was written."""

    created: int = 0
    updated: int = 0
    rejected: list[RejectionOut] = Field(default_factory=list)


@router.post(
    "/imports",
    auth=token_or_session,
    response={200: ImportReportOut, 400: ImportRefusedOut},
    summary="Import a CSV or OCPI JSON file of locations, all or nothing",
)
def post_import(
    request: HttpRequest,
    file: File[UploadedFile],
    file_format: Form[ImportFormat] = "csv",
) -> Reply[dict[str, object]]:
    """Each party in the file must be the caller's to write; any rejection writes nothing.

    Who may import is checked before the file is read, and a file over KUBAT_IMPORT_MAX_BYTES
    is refused (413) from its size, unread.
    """
    assert_may_import(actor=request.user)
    limit = int(settings.KUBAT_IMPORT_MAX_BYTES)
    if file.size is not None and file.size > limit:
        raise TooLarge(
            gettext("the file is %(size)s bytes, more than %(limit)s accepted")
            % {"size": file.size, "limit": limit},
            field="file",
        )
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(gettext("the file is not UTF-8 text"), field="file") from exc
    try:
        with transaction.atomic():
            report = import_locations(
                text=text, fmt=file_format, source=Source.IMPORT, actor=request.user
            )
    except ImportRejected as exc:
        return Reply(400, {**exc.as_dict(), **exc.report.as_dict()})
    return Reply(200, report.as_dict())
