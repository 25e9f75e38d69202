"""Pages of the drivers' reports: the public form and the operator's queue.

Each POST runs in one transaction; a KubatError from a service is shown on the form (400 or
403), never a 500. Submissions are limited per address (accounts.ratelimit, scope "reports").
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kubat.accounts import ratelimit
from kubat.core.errors import KubatError, NotFound, PermissionDenied
from kubat.registry import selectors as registry_selectors
from kubat.reports import selectors, services
from kubat.reports.forms import AnswerForm, ReportForm


def _location_or_404(location_id: int) -> Any:
    try:
        return registry_selectors.get_public_location(location_id=location_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_http_methods(["GET", "POST"])
def new_report(request: HttpRequest, location_id: int) -> HttpResponse:
    """Anyone reports that a point does not work or a detail is wrong (no account)."""
    location = _location_or_404(location_id)
    evses = [(e.uid, e.evse_id or e.uid) for e in location.evses.all()]
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, evses=evses)
        limit = int(getattr(settings, "KUBAT_REPORT_RATE_LIMIT", 5) or 0)
        wait = ratelimit.over_limit(request, limit=limit, scope="reports") if limit else None
        if wait is not None:
            form.add_error(
                None, _("Too many reports from your address: try again in %(s)d s.") % {"s": wait}
            )
            status = 429
        elif form.is_valid():
            photo = form.cleaned_data.get("photo")
            try:
                with transaction.atomic():
                    services.submit_report(
                        location_id=location.pk,
                        kind=form.cleaned_data["kind"],
                        message=form.cleaned_data["message"],
                        evse_uid=form.cleaned_data.get("evse") or "",
                        photo=photo.read() if photo else None,
                    )
            except KubatError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.http_status
            else:
                messages.success(request, _("Thank you: the operator sees your report now."))
                return redirect(reverse("portal:location", args=[location.pk]) + "#reports")
        else:
            status = 400
    else:
        form = ReportForm(evses=evses, initial={"kind": request.GET.get("kind", "NOT_WORKING")})
    return render(request, "reports/new.html", {"location": location, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    """The operator's queue of open reports, each with an answer form."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("permits:login"))
    errors: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST)
        report_id = int(request.POST.get("report") or 0)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.answer_report(
                        user=request.user,
                        report_id=report_id,
                        state=form.cleaned_data["state"],
                        answer=form.cleaned_data["answer"],
                    )
            except PermissionDenied as exc:
                errors[report_id], status = exc.message, 403
            except KubatError as exc:
                errors[report_id], status = exc.message, exc.http_status
            else:
                messages.success(request, _("Your answer is on the location's page."))
                return redirect("reports:queue")
        else:
            errors[report_id], status = _("Choose an outcome and write an answer."), 400
    show_all = request.GET.get("all") == "1"
    reports = list(selectors.queue_for(user=request.user, only_open=not show_all)[:200])
    return render(
        request,
        "reports/queue.html",
        {
            "reports": reports,
            "errors": errors,
            "answer_form": AnswerForm(auto_id=False),
            "show_all": show_all,
        },
        status=status,
    )


def photo(request: HttpRequest, report_id: int) -> HttpResponse:
    """A report's photo, for the operator who answers it (photos may show people or plates)."""
    if not request.user.is_authenticated:
        raise Http404("no such photo")
    try:
        report = services.get_report(report_id=report_id)
        services.assert_can_read(user=request.user, report=report)
    except (NotFound, PermissionDenied):
        raise Http404("no such photo") from None
    if not report.photo:
        raise Http404("no such photo")
    response = HttpResponse(bytes(report.photo), content_type=report.photo_type)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
