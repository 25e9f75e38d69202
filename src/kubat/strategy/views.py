"""Strategy pages: the public /strategy/ page, the secretariat's desk, energy and emissions,
the investor's view, and the kept quarterly reports. Thin: selectors read, services write,
one transaction per POST; a KubatError becomes a message on the desk (PermissionDenied a 403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.core.errors import InvalidInput, KubatError, PermissionDenied
from kubat.portal import labels
from kubat.strategy import emissions, indicators, progress, reports, selectors, services
from kubat.strategy.models import Action, ActionStatus, QuarterlyReport

COUNTRIES = ("KG", "KZ")


def _country(request: HttpRequest) -> str:
    value = (request.GET.get("country") or "KG").upper()
    return value if value in COUNTRIES else "KG"


def _countries() -> list[tuple[str, object]]:
    return [(c, labels.COUNTRIES.get(c, c)) for c in COUNTRIES]


def _download(body: str | bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def strategy_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "strategy/public.html",
        {
            "targets": selectors.target_rows(),
            "actions": selectors.action_rows(),
            "decisions": selectors.decisions(),
            "reports": QuarterlyReport.objects.defer("csv", "pdf")[:8],
            "is_secretariat": account_services.has_role(request.user, Role.SECRETARIAT),
            "at_risk_margin": round(100 * progress.AT_RISK_MARGIN),
            "section": "home",
        },
    )


@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("permits:login"))
    if not account_services.has_role(request.user, Role.SECRETARIAT):
        message = _("The strategy desk is the secretariat's.")
        return render(request, "permits/refused.html", {"message": message}, status=403)
    return render(
        request,
        "strategy/desk.html",
        {
            "indicators": indicators.INDICATORS.values(),
            "owners": selectors.owner_choices(),
            "actions": selectors.action_rows(),
            "targets": selectors.target_rows(),
            "countries": COUNTRIES,
            "statuses": ActionStatus.choices,
            "this_year": selectors.today().year,
            "is_secretariat": True,
        },
    )


def _post(request: HttpRequest, action: Callable[[], str]) -> HttpResponse:
    back = reverse("strategy:desk")
    if not request.user.is_authenticated:
        return redirect_to_login(back, reverse("permits:login"))
    try:
        services.require_secretariat(request.user)  # before any field is read
        with transaction.atomic():
            messages.success(request, action())
    except PermissionDenied as exc:
        return render(request, "permits/refused.html", {"message": exc.message}, status=403)
    except KubatError as exc:
        messages.error(request, exc.message)
    return redirect(back)


def _number(request: HttpRequest, name: str, kind: type[int] | type[float]) -> float:
    try:
        return kind(request.POST.get(name, "").replace(",", "."))
    except ValueError:
        raise InvalidInput(_("%(name)s must be a number") % {"name": name}, field=name) from None


def _date(request: HttpRequest, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(request.POST.get(name, ""))
    except ValueError:
        raise InvalidInput(
            _("%(name)s: a date (YYYY-MM-DD)") % {"name": name}, field=name
        ) from None


@require_POST
def add_target(request: HttpRequest) -> HttpResponse:
    def action() -> str:
        services.add_target(
            user=request.user,
            indicator=request.POST.get("indicator", ""),
            country_code=request.POST.get("country_code", ""),
            region=request.POST.get("region", ""),
            year=int(_number(request, "year", int)),
            value=_number(request, "value", float),
            legal_act=request.POST.get("legal_act", ""),
        )
        return _("Target added.")

    return _post(request, action)


@require_POST
def add_action(request: HttpRequest) -> HttpResponse:
    def action() -> str:
        services.add_action(
            user=request.user,
            country_code=request.POST.get("country_code", ""),
            title=request.POST.get("title", ""),
            owner=services.owner_agency(organisation_id=int(_number(request, "owner", int))),
            due_on=_date(request, "due_on"),
            evidence=request.POST.get("evidence", ""),
        )
        return _("Action added.")

    return _post(request, action)


@require_POST
def add_decision(request: HttpRequest) -> HttpResponse:
    def action() -> str:
        drafts = []
        if request.POST.get("action_title", "").strip():
            drafts.append(
                services.ActionDraft(
                    title=request.POST["action_title"],
                    owner=services.owner_agency(
                        organisation_id=int(_number(request, "owner", int))
                    ),
                    due_on=_date(request, "due_on"),
                )
            )
        services.record_decision(
            user=request.user,
            country_code=request.POST.get("country_code", ""),
            decided_on=_date(request, "decided_on"),
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            actions=drafts,
        )
        return _("Decision recorded.")

    return _post(request, action)


@require_POST
def action_status(request: HttpRequest, action_id: int) -> HttpResponse:
    def action() -> str:
        item = Action.objects.filter(pk=action_id).first()
        if item is None:
            raise InvalidInput(
                _("action %(action_id)s does not exist") % {"action_id": action_id}, field="action"
            )
        services.set_action_status(
            user=request.user,
            action=item,
            status=request.POST.get("status", ""),
            evidence=request.POST.get("evidence", ""),
        )
        return _("Action updated.")

    return _post(request, action)


EMISSION_COLUMNS = (
    "region",
    "year",
    "method",
    "bev",
    "kwh",
    "grid_kg_low",
    "grid_kg",
    "grid_kg_high",
    "petrol_kg",
    "avoided_kg_low",
    "avoided_kg",
    "avoided_kg_high",
)


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or emissions.this_year())
    except ValueError:
        return emissions.this_year()


@require_GET
def emissions_page(request: HttpRequest) -> HttpResponse:
    country, year = _country(request), _year(request)
    rows = emissions.by_region(country_code=country, year=year)
    params = emissions.parameters()
    return render(
        request,
        "strategy/emissions.html",
        {
            "country": country,
            "countries": _countries(),
            "year": year,
            "rows": rows,
            "factor": params.grid.get(country),
            "params": params,
            "total_avoided_t": round(sum(r["avoided_kg"] for r in rows) / 1000, 1),
            "section": "emissions",
        },
    )


@require_GET
def emissions_csv(request: HttpRequest) -> HttpResponse:
    country, year = _country(request), _year(request)
    rows = emissions.by_region(country_code=country, year=year)
    body = reports.csv_text(EMISSION_COLUMNS, ([r[c] for c in EMISSION_COLUMNS] for r in rows))
    return _download(body, name=f"emissions-{country}-{year}.csv", content_type="text/csv")


@require_GET
def investor_page(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    return render(
        request,
        "strategy/investors.html",
        {
            "country": country,
            "countries": _countries(),
            "view": selectors.investor_view(country_code=country),
            "section": "investors",
        },
    )


@require_GET
def investor_csv(request: HttpRequest) -> HttpResponse:
    view = selectors.investor_view(country_code=_country(request))
    body = reports.csv_text(selectors.INVESTOR_COLUMNS, reports.investor_rows(view))
    return _download(body, name=f"investors-{view['country']}.csv", content_type="text/csv")


@require_GET
def investor_pdf(request: HttpRequest) -> HttpResponse:
    view = selectors.investor_view(country_code=_country(request))
    body = reports.pdf_table(
        f"Investor's view: {view['country']} {view['year']}",
        "Kubat figures per region (generated demo data where the site says so)",
        selectors.INVESTOR_COLUMNS,
        reports.investor_rows(view),
    )
    return _download(body, name=f"investors-{view['country']}.pdf", content_type="application/pdf")


@require_GET
def report_file(request: HttpRequest, report_id: int, kind: str) -> HttpResponse:
    report = QuarterlyReport.objects.filter(pk=report_id).first()
    if report is None or kind not in ("csv", "pdf"):
        raise Http404("no such report")
    if kind == "csv":
        return _download(report.csv, name=f"strategy-{report.quarter}.csv", content_type="text/csv")
    return _download(
        bytes(report.pdf), name=f"strategy-{report.quarter}.pdf", content_type="application/pdf"
    )
