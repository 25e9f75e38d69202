"""The public fleet page: the model catalogue, registrations per year, domestic production."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kubat.fleet import services
from kubat.fleet.models import EVModel


def fleet(request: HttpRequest) -> HttpResponse:
    by_country = {cc: services.fleet_by_year(country_code=cc) for cc in ("KG", "KZ")}
    for rows in by_country.values():
        running = 0
        for row in rows:
            running += row["total"]
            row["cumulative"] = running
    return render(
        request,
        "fleet/fleet.html",
        {
            "models": EVModel.objects.all(),
            "by_country": by_country,
            "production": services.production_report(),
        },
    )
