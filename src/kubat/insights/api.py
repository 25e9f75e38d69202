"""/api/v1/insights: adequacy, compatibility, corridors, siting, reliability (public reads).

Every answer is JSON computed from the registry and fleet at the time of the request;
`contains_demo_data` says when generated demo rows are part of it. Bad values get 400 naming
the field (the one /api/v1 handler renders `KubatError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import GetJsonSchemaHandler, Strict, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from kubat.accounts import services as account_services
from kubat.accounts.auth import token_or_session
from kubat.accounts.roles import Role
from kubat.core import apischema
from kubat.core.errors import InvalidInput, PermissionDenied
from kubat.insights import projection as projection_model
from kubat.insights import selectors, services, sources
from kubat.insights.models import SitingRun
from kubat.registry import services as registry_services
from kubat.registry.reliability import Period
from kubat.registry.selectors import MAX_ID

router = Router(tags=["insights"])

# The ranges the handlers and services below check themselves (400 naming the field), declared
# for the OpenAPI document.
Year = Annotated[int, apischema.integer(1990, 2100)]


@dataclass(frozen=True, slots=True)
class YearsAhead:
    """An integer from this year to `years` ahead, the year taken when the document is built."""

    years: int

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        this_year = sources.today().year
        schema.update(minimum=this_year, maximum=this_year + self.years)
        return schema


def _year(value: int | None) -> int | None:
    if value is not None and not 1990 <= value <= 2100:
        raise InvalidInput(gettext("year must be between 1990 and 2100"), field="year")
    return value


@router.get("/adequacy/{country}")
def adequacy(
    request: HttpRequest, country: apischema.Country, year: Year | None = None
) -> dict[str, Any]:
    """Need (fleet-based rule of the profile) against public kW in service, per region and year.

    `gap_kw` = need - installed (positive: short). PLANNED and REMOVED EVSEs and unpublished
    locations are not supply; `pipeline_kw` is PLANNED EVSEs plus permits in progress.
    Computed live from the counters the registry and the fleet maintain on every write
    (`computed_at` says when); with a year, at the end of that year.
    """
    if year is None:
        return selectors.published_report(kind="adequacy", country=country)
    return selectors.adequacy_for(country=country, year=_year(year))


@router.get("/compatibility/{country}")
def compatibility(
    request: HttpRequest,
    country: apischema.Country,
    top: Annotated[int, apischema.integer(1, 500)] = 10,
) -> dict[str, Any]:
    """Per region: share of the fleet that can fast-charge at public DC stations, the cohorts
    left out, each station's reach, and the connector additions that would serve most cars."""
    if not 1 <= top <= 500:
        raise InvalidInput(gettext("top must be between 1 and 500"), field="top")
    if top == 10:  # the national report as published (see adequacy), 50 stations a region
        return selectors.published_report(kind="compatibility", country=country)
    return selectors.compatibility_for(country=country, top_additions=top)


class CorridorOut(Schema):
    code: str
    name: str
    countries: list[str]
    nominal_km: float | None
    traffic_weight: float
    source: str


class CorridorQuery(Schema):
    country: apischema.CountryOrBlank | None = None


@router.get("/corridors", response=list[CorridorOut])
def corridors(request: HttpRequest, filters: Query[CorridorQuery]) -> Any:
    """The corridors known to Kubat (shipped approximate lines and imported ones)."""
    return [
        {
            "code": c.code,
            "name": c.name,
            "countries": c.country_list,
            "nominal_km": c.nominal_km,
            "traffic_weight": c.traffic_weight,
            "source": c.source,
        }
        for c in selectors.corridor_list(country=filters.country)
    ]


@router.get("/corridors/{code}")
def corridor(
    request: HttpRequest,
    code: str,
    max_distance_km: Annotated[float, apischema.number(exclusive_minimum=0, maximum=50)]
    | None = None,
) -> Any:
    """DC pools along the corridor (linear referencing in UTM metres), gaps per direction
    longer than the profile's rule, pools below the power rule, passes with range factors."""
    if max_distance_km is not None and not 0 < max_distance_km <= 50:
        raise InvalidInput(
            gettext("max_distance_km must be above 0 and at most 50"), field="max_distance_km"
        )
    return selectors.corridor_report(
        corridor=selectors.get_corridor(code=code), max_distance_km=max_distance_km
    )


class SitingIn(apischema.Body):
    model: Literal["covering", "p_median"] = "covering"
    stations: Annotated[int, apischema.integer(1, 500)] = 10
    radius_km: Annotated[float, apischema.number(minimum=1, maximum=300)] = 30.0
    batch: str | None = Field(None, description="only the candidates uploaded as this batch")
    time_limit_s: Annotated[float, apischema.number(minimum=0.1, maximum=120)] = 30.0


def _run_out(run: SitingRun, *, full: bool) -> dict[str, Any]:
    result = run.result
    out = {
        "id": run.pk,
        "country": run.country_code,
        "model": run.model,
        "created_at": run.created_at,
        "source": run.source,
        "parameters": run.parameters,
        "greedy": result.get("greedy"),
        "milp": result.get("milp"),
        "demand": result.get("demand"),
        "csv": f"/insights/siting/runs/{run.pk}.csv",
    }
    if full:
        out["candidates"] = result.get("candidates", [])
    return out


@router.get("/siting/{country}")
def siting_runs(request: HttpRequest, country: apischema.Country) -> list[dict[str, Any]]:
    """The newest stored run of each model (covering, p_median) for a country, without the
    candidate list (see /siting/runs/{id})."""
    return [_run_out(r, full=False) for r in selectors.latest_runs(country=country)]


@router.get("/siting/runs/{run_id}")
def siting_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    """One run: parameters, the greedy and MILP answers (objective, bound, gap, seconds) and
    every candidate with whether each answer chose it."""
    return _run_out(selectors.get_run(run_id=run_id), full=True)


@router.post("/siting/{country}", auth=token_or_session, response={201: dict[str, Any]})
def run_siting(request: HttpRequest, country: apischema.Country, body: SitingIn) -> Any:
    """Solve a siting model now (greedy, then HiGHS within `time_limit_s`) and store the run.

    Maximal covering: at most `stations` new stations, demand within `radius_km` counts as
    covered. p-median: exactly `stations`, minimise vehicle-weighted km to the nearest.
    """
    with transaction.atomic():
        run = services.run_siting(
            country=country,
            model=body.model,
            stations=body.stations,
            radius_km=body.radius_km,
            batch=body.batch,
            time_limit_s=body.time_limit_s,
        )
    return Status(201, _run_out(run, full=True))


@router.post("/candidates/{country}", auth=token_or_session, response={201: dict[str, Any]})
def upload_candidates(
    request: HttpRequest,
    country: apischema.Country,
    batch: Form[apischema.Slug],
    file: File[UploadedFile],
) -> Any:
    """Candidate sites from a CSV (columns name, lat, lon in WGS84 degrees), all or none; a
    batch of the same name is replaced. A bad line is a 400 naming the line and field."""
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(gettext("the CSV must be UTF-8"), field="file") from None
    with transaction.atomic():
        return Status(201, services.import_candidates(text=text, country=country, batch=batch))


@router.get("/projection/{country}")
def projection(
    request: HttpRequest,
    country: apischema.Country,
    horizon: Annotated[int, YearsAhead(30)] = 2035,
) -> dict[str, Any]:
    """The stock-flow fleet projection under the low, central and high scenarios: stock,
    additions, retirements, kW needed and the supply if nothing changes, per year, and the
    year the network falls below its target."""
    return selectors.projection_for(country=country, horizon=horizon)


class ScenarioIn(apischema.Body):
    parameters: Annotated[
        dict[str, Annotated[float, Strict()]],
        WithJsonSchema(
            {
                "type": "object",
                "properties": {
                    key: {"type": "number", "minimum": low, "maximum": high}
                    for key, (low, high) in projection_model.LIMITS.items()
                },
                "additionalProperties": False,
            }
        ),
    ]


ScenarioName = Annotated[
    str, WithJsonSchema({"type": "string", "enum": list(services.SCENARIO_NAMES)})
]


@router.put("/projection/{country}/{name}", auth=token_or_session)
def edit_scenario(
    request: HttpRequest, country: apischema.Country, name: ScenarioName, body: ScenarioIn
) -> Any:
    """The secretariat edits one scenario's parameters (see the projection model's limits)."""
    if not account_services.has_role(request.user, Role.SECRETARIAT):
        raise PermissionDenied(gettext("only the secretariat edits projection scenarios"))
    with transaction.atomic():
        scenario = services.save_scenario(
            country=country,
            name=name,
            parameters=body.parameters,
            updated_by=request.user.get_username(),
        )
    return {
        "country": scenario.country_code,
        "name": scenario.name,
        "parameters": scenario.parameters,
    }


# registry.reliability.Period's ranges; a party key as registry.services.parse_party_key reads it.
ReliabilityYear = Annotated[int, apischema.integer(2000, 2100)]
EvseId = Annotated[int, apischema.integer(1, MAX_ID)]
Month = Annotated[int, apischema.integer(1, 12)]
PartyKeyOrBlank = Annotated[
    str,
    apischema.pattern(
        apischema.SPACE
        + registry_services.PARTY_KEY_PATTERN.removeprefix("^").removesuffix("$")
        + apischema.SPACE,
        "a party key: KG*ECH",
        blank=True,
    ),
]


def _period(year: int | None, month: int | None) -> Period:
    if year is None:
        year = sources.today().year
    return Period(year, month)


@router.get("/reliability/{country}")
def reliability_scorecards(
    request: HttpRequest,
    country: apischema.Country,
    year: ReliabilityYear | None = None,
    month: Month | None = None,
) -> dict[str, Any]:
    """Operator scorecards: reliability by UK PCPR 2023 reg. 7 (UNKNOWN, BLOCKED and time
    without data count as reliable), the strict figure (only working time), utilisation (share
    of open time CHARGING), the shares working / ineligible / without data / not reliable
    (fractions 0-1, null when nothing was measured), the rapid network (the profile's kW
    threshold) against the profile's target, and the drivers' reports of the period beside it.
    A year (default this one) or one month of it; only opening hours count.
    """
    period = _period(year, month)
    cc = selectors.country_code(country)
    return {
        "country": cc,
        "period": period.label,
        "method": "UK Public Charge Point Regulations 2023, reg. 7",
        "operators": selectors.scorecards(country=cc, period=period),
        "national": selectors.reliability_for(period=period, country=cc),
        "national_rapid": selectors.reliability_for(period=period, country=cc, rapid_only=True),
    }


@router.get("/reliability")
def reliability_figure(
    request: HttpRequest,
    year: ReliabilityYear | None = None,
    month: Month | None = None,
    operator: PartyKeyOrBlank | None = None,
    country: apischema.CountryOrBlank | None = None,
    region: str | None = None,
    evse: EvseId | None = None,
    rapid: bool = False,
) -> dict[str, Any]:
    """One figure for an operator (`KG*ECH`), a country and region, an EVSE (its id) or all."""
    if evse is not None and not 1 <= evse <= MAX_ID:  # no EVSE has it; SQL would overflow
        raise InvalidInput(
            gettext("an EVSE id is from 1 to %(max)s") % {"max": MAX_ID}, field="evse"
        )
    return selectors.reliability_for(
        period=_period(year, month),
        operator=operator,
        country=country,
        region=region,
        evse=evse,
        rapid_only=rapid,
    )
