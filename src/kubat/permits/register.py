"""The public register of permits: what was permitted, where, to which operator, its state.

One entry per issued permit (a case with a permit number). It carries no personal data:
organisations by name only (no tax id, no people), the site as the application states it,
dates and the state. The same entry feeds the register page, `GET /api/v1/permits/register`
and the open-data CSV (`/open-data/permits.csv`), so the three always agree.

States, from the case and what happened after commissioning:

| state | meaning |
|---|---|
| `issued` | permit issued, construction not started |
| `construction` | being built or waiting for grid acceptance |
| `in_service` | commissioned, in the charging registry |
| `suspended` | temporarily decommissioned (a decommissioning case) |
| `decommissioned` | finally decommissioned; its EVSEs are REMOVED in the registry |
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from kubat.core.errors import InvalidInput, NotFound
from kubat.permits.models import CaseStatus, Decision, DecisionKind, PermitCase
from kubat.permits.tracks import rules_for

STATES = ("issued", "construction", "in_service", "suspended", "decommissioned")
_BUILDING = (CaseStatus.CONSTRUCTION, CaseStatus.GRID_REQUESTED, CaseStatus.GRID_ACCEPTED)

CSV_COLUMNS = [
    "permit_number",
    "country_code",
    "track",
    "track_title",
    "site_name",
    "address",
    "city",
    "region",
    "latitude",
    "longitude",
    "operator",
    "total_kw",
    "evse_count",
    "issued_at",
    "commissioned_at",
    "state",
    "state_since",
    "registry_location",
    "decision",
    "source",
]


def state_of(case: PermitCase) -> str:
    """The register state of a permitted case (see the module docstring)."""
    if case.register_state:
        return case.register_state
    if case.status in _BUILDING:
        return "construction"
    if case.status == CaseStatus.IN_REGISTRY:
        return "in_service"
    return "issued"


def _state_since(case: PermitCase) -> datetime | None:
    if case.register_state_at:
        return case.register_state_at
    if case.status == CaseStatus.IN_REGISTRY:
        return case.commissioned_at
    if case.status in _BUILDING:
        return case.construction_started_at
    return case.decided_at


def _state_filter(state: str) -> Q:
    if state not in STATES:
        raise InvalidInput(
            gettext("state is one of %(value1)s") % {"value1": ", ".join(STATES)}, field="state"
        )
    if state in ("suspended", "decommissioned"):
        return Q(register_state=state)
    unchanged = Q(register_state="")
    if state == "construction":
        return unchanged & Q(status__in=_BUILDING)
    if state == "in_service":
        return unchanged & Q(status=CaseStatus.IN_REGISTRY)
    return unchanged & Q(status=CaseStatus.ISSUED)


def entries(
    *,
    q: str = "",
    country: str | None = None,
    state: str | None = None,
    track: str | None = None,
) -> QuerySet[PermitCase]:
    """Permitted cases matching a text (number, site, city, region, operator) and filters,
    newest permit first. InvalidInput names a wrong filter."""
    cases = (
        PermitCase.objects.exclude(permit_number="")
        .filter(kind="new")
        .select_related("applicant", "holder", "location__party")
        .order_by("-decided_at", "-pk")
    )
    if country:
        code = country.strip().upper()
        if len(code) != 2 or not (code.isascii() and code.isalpha()):
            raise InvalidInput(
                gettext("country is an ISO 3166-1 alpha-2 code such as KG"), field="country"
            )
        cases = cases.filter(country_code=code)
    if state:
        cases = cases.filter(_state_filter(state))
    if track:
        cases = cases.filter(track=track)
    text = q.strip()
    if text:
        if len(text) > 100:
            raise InvalidInput(gettext("search text is at most 100 characters"), field="q")
        cases = cases.filter(
            Q(permit_number__icontains=text)
            | Q(site_name__icontains=text)
            | Q(city__icontains=text)
            | Q(region__icontains=text)
            | Q(applicant__name__icontains=text, holder__isnull=True)
            | Q(holder__name__icontains=text)
        )
    return cases


def get_entry(*, number: str) -> PermitCase:
    """The permitted case with this permit number; NotFound otherwise."""
    case = entries().filter(permit_number=number).first()
    if case is None:
        raise NotFound(
            gettext("no permit %(number)s in the register") % {"number": number}, field="number"
        )
    return case


def permit_decision(case: PermitCase) -> Decision | None:
    return case.decisions.filter(kind=DecisionKind.PERMIT).order_by("pk").first()


def operator_of(case: PermitCase) -> str:
    """The permit's current holder: the applicant, or whoever it was transferred to."""
    return (case.holder or case.applicant).name


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at else None


def entry(case: PermitCase) -> dict[str, Any]:
    """One register entry as data (the API's and the CSV's shape)."""
    decision = permit_decision(case)
    return {
        "permit_number": case.permit_number,
        "country_code": case.country_code,
        "track": case.track,
        "track_title": rules_for(case.country_code).track(case.track).title,
        "site": {
            "name": case.site_name,
            "address": case.address,
            "city": case.city,
            "region": case.region,
            "latitude": round(case.latitude, 6),
            "longitude": round(case.longitude, 6),
        },
        "operator": operator_of(case),
        "total_kw": case.total_kw,
        "evse_count": sum(int(g["count"]) for g in case.planned_evses),
        "issued_at": _iso(case.decided_at),
        "commissioned_at": _iso(case.commissioned_at),
        "state": state_of(case),
        "state_since": _iso(_state_since(case)),
        "registry_location": (
            {
                "id": case.location_id,
                "party": case.location.party.key,
                "ocpi_id": case.location.ocpi_id,
            }
            if case.location
            else None
        ),
        "decision": decision.number if decision else None,
        "source": case.source,
    }


def _cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV
    injection advice); numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _row(item: dict[str, Any]) -> list[object]:
    site, location = item["site"], item["registry_location"]
    return [_cell(v) for v in _values(item, site, location)]


def _values(item: dict[str, Any], site: dict[str, Any], location: Any) -> list[object]:
    return [
        item["permit_number"],
        item["country_code"],
        item["track"],
        item["track_title"],
        site["name"],
        site["address"],
        site["city"],
        site["region"],
        site["latitude"],
        site["longitude"],
        item["operator"],
        f"{item['total_kw']:g}",
        item["evse_count"],
        item["issued_at"] or "",
        item["commissioned_at"] or "",
        item["state"],
        item["state_since"] or "",
        f"{location['party']}/{location['ocpi_id']}" if location else "",
        item["decision"] or "",
        item["source"],
    ]


def provenance(generated_at: datetime) -> str:
    return (
        f"Kubat public register of charging-station permits. Licence: "
        f"{settings.KUBAT_DATA_LICENCE}. Generated at {_iso(generated_at)}. Rows with "
        "source=demo are generated demonstration data, not real permits."
    )


def stream_csv(cases: Iterable[PermitCase], *, generated_at: datetime) -> Iterator[str]:
    """The register as an RFC 4180 CSV, streamed like the registry's open data: the header
    first, then one row per permit. The licence and generation time are in the data package
    (data_resource) and the response headers, not in the file, so that every CSV reader takes
    the first line for the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for case in cases:
        writer.writerow(_row(entry(case)))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


_DATETIME = {"type": "datetime", "format": "%Y-%m-%dT%H:%M:%S%z"}
_TEXT = {"type": "string"}
# Column → (type, constraints, description): the Table Schema of permits.csv.
FIELDS: dict[str, tuple[dict[str, str], dict[str, Any], str]] = {
    "permit_number": (_TEXT, {"required": True, "unique": True}, "The permit's number"),
    "country_code": (_TEXT, {"required": True, "pattern": "[A-Z]{2}"}, "ISO 3166-1 alpha-2"),
    "track": (_TEXT, {"required": True}, "The permit track (docs/permits.md)"),
    "track_title": (_TEXT, {}, "The track's title"),
    "site_name": (_TEXT, {}, "The site as the application names it"),
    "address": (_TEXT, {}, "Street address of the site"),
    "city": (_TEXT, {}, "City or town"),
    "region": (_TEXT, {}, "Administrative region"),
    "latitude": ({"type": "number"}, {"minimum": -90, "maximum": 90}, "WGS 84 degrees"),
    "longitude": ({"type": "number"}, {"minimum": -180, "maximum": 180}, "WGS 84 degrees"),
    "operator": (_TEXT, {"required": True}, "The permit's holder (an organisation)"),
    "total_kw": ({"type": "number"}, {"minimum": 0}, "Total charging power permitted, kW"),
    "evse_count": ({"type": "integer"}, {"minimum": 0}, "Charging points permitted"),
    "issued_at": (_DATETIME, {}, "When the permit was issued, RFC 3339 UTC"),
    "commissioned_at": (_DATETIME, {}, "When it entered the charging registry, RFC 3339 UTC"),
    "state": (_TEXT, {"required": True, "enum": list(STATES)}, "Register state (docs/permits.md)"),
    "state_since": (_DATETIME, {}, "Since when the state holds, RFC 3339 UTC"),
    "registry_location": (_TEXT, {}, "The registry location, PARTY/LOCATION_ID (KG*ABC/BSK1)"),
    "decision": (_TEXT, {}, "Number of the signed permit decision"),
    "source": (_TEXT, {"required": True}, "demo marks generated demonstration data"),
}


def data_resource(generated_at: datetime, country: str | None) -> dict[str, Any]:
    """permits.csv as a Frictionless Tabular Data Resource for the open-data package (added to
    registry.datapackage by PermitsConfig.ready): path, dialect, provenance, Table Schema."""
    fields = []
    for name in CSV_COLUMNS:
        kind, constraints, description = FIELDS[name]
        field: dict[str, Any] = {"name": name, **kind, "description": description}
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {
        "name": "permits",
        "path": "permits.csv" + (f"?country={country}" if country else ""),
        "profile": "tabular-data-resource",
        "title": "Public register of charging-station permits, one row per permit",
        "description": provenance(generated_at)
        + " Takes the country filter; updated_since does not apply to it.",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
        "schema": {"fields": fields, "primaryKey": ["permit_number"], "missingValues": [""]},
    }
