"""PPP pages: the public list and call pages, the secretariat's publish and award forms, the
investor's expression of interest. Thin: each POST runs one service in one transaction; a
KubatError becomes a message on the call's page (PermissionDenied a 403, NotFound a 404)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

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
from kubat.core.errors import InvalidInput, KubatError, NotFound, PermissionDenied
from kubat.ppp import selectors, services
from kubat.ppp.models import Call


def _float(request: HttpRequest, name: str) -> float:
    try:
        return float(request.POST.get(name, "").replace(",", "."))
    except ValueError:
        raise InvalidInput(_("%(name)s must be a number") % {"name": name}, field=name) from None


def _deadline(request: HttpRequest) -> datetime:
    raw = request.POST.get("deadline_at", "")
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(_("deadline_at: a date and time (UTC)"), field="deadline_at") from None


@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    rows = [
        {"call": call, "count": selectors.public_count(call), "open": services.is_open(call)}
        for call in selectors.calls()
    ]
    return render(
        request,
        "ppp/list.html",
        {
            "rows": rows,
            "is_secretariat": account_services.has_role(request.user, Role.SECRETARIAT),
            "countries": services.COUNTRIES,
        },
    )


def _call(call_id: int) -> Call:
    try:
        return selectors.get_call(call_id=call_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_GET
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(call_id)
    user = request.user
    return render(
        request,
        "ppp/call.html",
        {
            "call": call,
            "open": services.is_open(call),
            "count": selectors.public_count(call),
            "expressions": selectors.visible_expressions(user=user, call=call),
            "is_secretariat": account_services.has_role(user, Role.SECRETARIAT),
            "is_investor": services.investor_organisation(user) is not None,
        },
    )


def _run(request: HttpRequest, back: str, action: object) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(back, reverse("permits:login"))
    try:
        with transaction.atomic():
            action()  # type: ignore[operator]
    except PermissionDenied as exc:
        return render(request, "permits/refused.html", {"message": exc.message}, status=403)
    except KubatError as exc:
        messages.error(request, exc.message)
    return redirect(back)


@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    def action() -> None:
        post = request.POST
        data = services.CallData(
            country_code=post.get("country_code", ""),
            region=post.get("region", ""),
            city=post.get("city", ""),
            place=post.get("place", ""),
            address=post.get("address", ""),
            latitude=_float(request, "latitude"),
            longitude=_float(request, "longitude"),
            land_owner=post.get("land_owner", ""),
            grid_capacity_kw=_float(request, "grid_capacity_kw"),
            terms=post.get("terms", ""),
            documents=post.get("documents", ""),
            deadline_at=_deadline(request),
        )
        call = services.publish_call(user=request.user, data=data)
        messages.success(request, _("Call %(ref)s published.") % {"ref": call.reference})

    return _run(request, reverse("ppp:list"), action)


@require_POST
def express(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(call_id)

    def action() -> None:
        services.submit_expression(
            user=request.user,
            call=call,
            planned_kw=_float(request, "planned_kw"),
            proposal=request.POST.get("proposal", ""),
        )
        messages.success(request, _("Your expression of interest is recorded."))

    return _run(request, reverse("ppp:call", args=[call.pk]), action)


@require_POST
def award(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(call_id)

    def action() -> None:
        try:
            investor_id = int(request.POST.get("investor", ""))
        except ValueError:
            raise InvalidInput(_("choose the winner"), field="investor") from None
        services.award_call(user=request.user, call=call, investor_id=investor_id)
        messages.success(request, _("Awarded; the winner's permit case is open as a draft."))

    return _run(request, reverse("ppp:call", args=[call.pk]), action)


CSV_COLUMNS = (
    "reference",
    "country_code",
    "region",
    "place",
    "land_owner",
    "grid_capacity_kw",
    "deadline_at",
    "open",
    "expressions",
    "awarded_to",
)


@require_GET
def calls_csv(request: HttpRequest) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for call in selectors.calls():
        row = selectors.public_call(call)
        writer.writerow(
            [
                f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v
                for v in (row[c] for c in CSV_COLUMNS)
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ppp-calls.csv"'
    return response
