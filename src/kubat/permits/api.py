"""/api/v1/permits: public permit statistics and the country track rules (no personal data)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from kubat.permits import statistics
from kubat.permits.tracks import rules_for

router = Router(tags=["permits"])


@router.get("/statistics", summary="How long permits take, per country, track, agency and stage")
def permit_statistics(request: HttpRequest, country: str | None = None) -> dict[str, Any]:
    """Median and 90th-percentile calendar days to permit per country, per track, per agency
    and per stage; each agency's share of decisions within its deadline; counts by status.
    `country` (KG, KZ) narrows it to one country. `contains_demo_data` says whether generated
    demo cases are counted."""
    return statistics.permit_statistics(country_code=country)


@router.get("/tracks/{country}", summary="A country's permit tracks and statutory deadlines")
def permit_tracks(request: HttpRequest, country: str) -> dict[str, Any]:
    return rules_for(country).model_dump(mode="json")
