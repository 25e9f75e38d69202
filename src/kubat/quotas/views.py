"""Quota pages: the public balance per period, certificate verification, the broker's desk."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.core.errors import InvalidInput, KubatError, NotFound, PermissionDenied
from kubat.quotas import allocation, certificates, declarations, selectors, services, uploads
from kubat.quotas.api import application_out
from kubat.quotas.enums import Channel, DeclarantClass, DeclarantKind

LOGIN_URL = "/quotas/login/"
CHART_W, CHART_H = 640, 180

View = Callable[..., HttpResponse]


def not_found_is_404(view: View) -> View:
    """A NotFound from a service is Django's 404 page, not a 500: the object is simply absent."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


def _chart(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar geometry for the requests-per-day SVG (VINs requested and allocated per day)."""
    top = max((d["vins_requested"] for d in days), default=0) or 1
    step = CHART_W / max(len(days), 1)
    bars = []
    for i, d in enumerate(days):
        req_h = CHART_H * d["vins_requested"] / top
        alloc_h = CHART_H * d["vins_allocated"] / top
        bars.append(
            {
                **d,
                "x": round(i * step, 1),
                "w": round(max(step * 0.8, 1), 1),
                "req_y": round(CHART_H - req_h, 1),
                "req_h": round(req_h, 1),
                "alloc_y": round(CHART_H - alloc_h, 1),
                "alloc_h": round(alloc_h, 1),
            }
        )
    return {"bars": bars, "width": CHART_W, "height": CHART_H, "top": top}


def period_list(request: HttpRequest) -> HttpResponse:
    rows = [selectors.period_summary(period=p) for p in selectors.periods()]
    return render(request, "quotas/period_list.html", {"periods": rows})


@not_found_is_404
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    period = services.get_period(period_id=pk)
    days = selectors.requests_per_day(period=period)
    return render(
        request,
        "quotas/period_detail.html",
        {
            "p": selectors.period_summary(period=period),
            "chart": _chart(days),
            "days": days,
            "api_url": reverse("api-v1:get_period", args=[pk]),
        },
    )


@not_found_is_404
def certificate(request: HttpRequest, number: str) -> HttpResponse:
    cert = services.get_certificate(number=number)
    verify = request.build_absolute_uri(reverse("quotas:certificate", args=[cert.number]))
    return render(
        request,
        "quotas/certificate.html",
        {"cert": cert, "qr": certificates.qr_svg(data=verify), "verify_url": verify},
    )


@not_found_is_404
def certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    cert = services.get_certificate(number=number)
    verify = request.build_absolute_uri(reverse("quotas:certificate", args=[cert.number]))
    response = HttpResponse(
        certificates.certificate_pdf(certificate=cert, verify_url=verify),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="{cert.number}.pdf"'
    return response


def vehicle_lookup(request: HttpRequest) -> HttpResponse:
    vin = request.GET.get("vin", "").strip()
    result = selectors.vehicle_status(vin=vin) if vin else None
    return render(request, "quotas/vehicle.html", {"vin": vin, "result": result})


def _broker(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not (
        account_services.has_role(user, Role.IMPORTER)
        or account_services.has_role(user, Role.CUSTOMS)
    ):
        raise PermissionDenied(_("The broker desk is for importer and customs accounts."))
    return user


def _period_id(text: str) -> int:
    """The chosen period's id from the form (a positive integer), else InvalidInput."""
    text = text.strip()
    if not (text.isascii() and text.isdecimal()):
        raise InvalidInput(_("Choose a quota period."), field="period")
    return int(text)


def _declarant_from(post: Any) -> services.DeclarantIn:
    return services.DeclarantIn(
        kind=post.get("declarant_kind", ""),
        tax_id=post.get("declarant_tax_id", ""),
        name=post.get("declarant_name", ""),
        declarant_class=post.get("declarant_class", DeclarantClass.OTHER.value),
        citizenship=post.get("declarant_citizenship", ""),
        residence_country=post.get("declarant_residence", ""),
    )


def _open_periods() -> list[dict[str, Any]]:
    return [
        s
        for s in (selectors.period_summary(period=p) for p in selectors.periods())
        if s["state"] == "open"
    ]


@login_required(login_url=LOGIN_URL)
def broker_desk(request: HttpRequest) -> HttpResponse:
    """The broker's desk: pre-check vehicles by form or CSV (nothing is recorded or reserved:
    the quota is drawn when customs accepts the declaration), and follow their own requests."""
    try:
        user = _broker(request)
    except PermissionDenied as exc:
        return render(request, "quotas/message.html", {"message": exc.message}, status=403)
    problems: list[str] = []
    results: list[dict[str, Any]] = []
    if request.method == "POST":
        # Only Kubat's own refusals become a message: anything else is a bug and stays a 500.
        try:
            period_id = _period_id(request.POST.get("period", ""))
            period = services.get_period(period_id=period_id)
            if request.POST.get("action") == "csv":
                upload = request.FILES.get("file")
                if upload is None:
                    raise InvalidInput(_("Choose a CSV file."), field="file")
                parsed = uploads.parse_csv(
                    text=uploads.decode_csv_upload(upload.read()),
                    country_code=period.country_code,
                )
                problems = parsed.problems
                batch = [(d, v) for d, _number, v in parsed.requests.values()]
            else:
                vehicles, problems = uploads.parse_vehicle_lines(request.POST.get("vehicles", ""))
                batch = [(_declarant_from(request.POST), vehicles)]
            if not problems:
                results = [
                    {
                        "declarant": declarant,
                        **declarations.precheck(
                            user=user, period_id=period_id, declarant=declarant, vehicles=vehicles
                        ),
                    }
                    for declarant, vehicles in batch
                ]
        except KubatError as exc:
            problems = [f"{exc.field}: {exc.message}" if exc.field else exc.message]
    mine = services.requests_of(user=user).order_by("-received_at")[:50]
    return render(
        request,
        "quotas/broker.html",
        {
            "periods": _open_periods(),
            "requests": mine,
            "problems": problems,
            "results": results,
            "kinds": DeclarantKind.choices,
            "classes": DeclarantClass.choices,
            "organisation": account_services.organisation_of(user),
            "post": request.POST,
        },
        status=400 if problems else 200,
    )


@login_required(login_url=LOGIN_URL)
def customs_desk(request: HttpRequest) -> HttpResponse:
    """Customs registers a goods declaration; the quota is drawn in the order of acceptance."""
    user = cast(User, request.user)
    if not account_services.has_role(user, Role.CUSTOMS):
        message = _("The customs desk is for customs accounts.")
        return render(request, "quotas/message.html", {"message": message}, status=403)
    problems: list[str] = []
    if request.method == "POST":
        try:
            period_id = _period_id(request.POST.get("period", ""))
            vehicles, problems = uploads.parse_declared_lines(request.POST.get("vehicles", ""))
            if not problems:
                with transaction.atomic():
                    received = declarations.register_declaration(
                        user=user,
                        period_id=period_id,
                        number=request.POST.get("number", ""),
                        declarant=_declarant_from(request.POST),
                        vehicles=vehicles,
                        channel=Channel.FORM,
                    )
                allocation.wait_for_decision(request=received, period=received.period)
                messages.success(request, _("Declaration registered and decided."))
                return redirect("quotas:broker-request", pk=received.pk)
        except KubatError as exc:
            problems = [f"{exc.field}: {exc.message}" if exc.field else exc.message]
    return render(
        request,
        "quotas/customs.html",
        {
            "periods": _open_periods(),
            "posts": selectors.customs_posts(),
            "requests": services.requests_of(user=user).order_by("-received_at")[:50],
            "problems": problems,
            "kinds": DeclarantKind.choices,
            "post": request.POST,
        },
        status=400 if problems else 200,
    )


@login_required(login_url=LOGIN_URL)
def broker_request(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    try:
        req = services.get_request(user=user, request_id=pk)
    except KubatError as exc:
        return render(request, "quotas/message.html", {"message": exc.message}, status=404)
    return render(request, "quotas/request.html", {"req": req, "app": application_out(req)})


@login_required(login_url=LOGIN_URL)
@require_POST
def broker_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    try:
        with transaction.atomic():
            services.withdraw_request(user=user, request_id=pk)
        messages.success(request, _("Request withdrawn; its units are back in the quota."))
    except KubatError as exc:
        messages.error(request, exc.message)
    return redirect("quotas:broker-request", pk=pk)
