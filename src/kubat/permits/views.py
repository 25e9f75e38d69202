"""Pages of the single window: the applicant's cases, reviewers' queues, the secretariat's
completeness check and the public transparency page. Thin: forms in, services out.

Every page runs in one transaction. A KubatError from a service becomes a message on the
page it came from (or the HTMX fragment), NotFound a 404, PermissionDenied a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kubat.core.errors import KubatError, NotFound, PermissionDenied
from kubat.permits import (
    aftercare,
    decisions,
    delivery,
    payments,
    register,
    selectors,
    services,
    signing,
    statistics,
)
from kubat.permits.forms import ApplicationForm, AttachmentForm, ChangeForm
from kubat.permits.models import Approval, Decision, InfoRequest, PermitCase
from kubat.permits.pdf import render_permit
from kubat.permits.tracks import rules_for

View = Callable[..., HttpResponseBase]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def signed_in(view: View) -> View:
    """Log-in required; the view runs in one transaction; Kubat errors become pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("permits:login"))
        try:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except PermissionDenied as exc:
            return render(request, "permits/refused.html", {"message": exc.message}, status=403)

    return wrapper


def _back(request: HttpRequest, exc: KubatError, url: str) -> HttpResponse:
    """A refused action: say why on the page the user came from."""
    if _is_htmx(request):
        return HttpResponse(format_html('<p class="error" role="alert">{}</p>', exc.message))
    messages.error(request, exc.message)
    return redirect(url)


class LoginView(auth_views.LoginView):
    template_name = "permits/login.html"

    def get_default_redirect_url(self) -> str:
        return reverse("permits:home")


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own work: applicant cases, agency queue or secretariat."""
    user = request.user
    if selectors.is_secretariat(user):
        return redirect("permits:secretariat")
    if selectors.reviewer_agency(user) is not None:
        return redirect("permits:queue")
    if selectors.applicant_organisation(user) is not None:
        return redirect("permits:cases")
    return render(
        request, "permits/refused.html", {"message": _("Your account has no permit role.")}
    )


# The applicant ---------------------------------------------------------------------------


@signed_in
def case_list(request: HttpRequest) -> HttpResponse:
    organisation = selectors.applicant_organisation(request.user)
    if organisation is None:
        raise PermissionDenied(_("Applying needs an investor or operator organisation."))
    cases = selectors.applicant_cases(user=request.user)
    return render(request, "permits/case_list.html", {"cases": cases, "organisation": organisation})


@signed_in
def case_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """New draft or edit of a draft/returned case; `Save draft` or `Submit`."""
    case = selectors.visible_case(user=request.user, case_id=pk) if pk else None
    if case is not None and not selectors.is_applicant_of(request.user, case):
        raise PermissionDenied(_("Only the applicant edits a case."))
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    application = services.parse_application(form.application_data())
                    if case is None:
                        case = services.create_draft(user=request.user, application=application)
                    else:
                        case = services.update_draft(
                            user=request.user, case=case, application=application
                        )
                messages.success(request, _("Draft saved."))
                return redirect("permits:case", pk=case.pk)
            except KubatError as exc:
                form.add_error(None, exc.message)
    else:
        initial = ApplicationForm.initial_for(case) if case else {"country_code": "KG"}
        form = ApplicationForm(initial=initial)
    return render(request, "permits/case_form.html", {"form": form, "case": case})


@signed_in
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """HTMX: which track the form's project would take, and what blocks submission."""
    form = ApplicationForm(request.POST)
    context: dict[str, Any] = {"problems": [], "track": None}
    if form.is_valid():
        try:
            application = services.parse_application(form.application_data())
            context.update(services.preview_application(application=application))
        except KubatError as exc:
            context["problems"] = [exc.message]
    else:
        context["problems"] = [_("Fill in the site and at least one EVSE group.")]
    return render(request, "permits/_preview.html", context)


@signed_in
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.visible_case(user=request.user, case_id=pk)
    return render(request, "permits/case_detail.html", _case_context(request, case))


def _case_context(request: HttpRequest, case: PermitCase) -> dict[str, Any]:
    user = request.user
    approvals = list(case.approvals.select_related("agency").prefetch_related("info_requests"))
    return {
        "case": case,
        "now": timezone.now(),
        "next_steps": selectors.next_steps(case),
        "track": rules_for(case.country_code).track(case.track) if case.track else None,
        "approvals": approvals,
        "attachments": case.attachments.order_by("uploaded_at"),
        "audit": case.audit.select_related("approval"),
        "is_applicant": selectors.is_applicant_of(user, case),
        "is_recipient": case.transfer_to_id is not None
        and getattr(selectors.applicant_organisation(user), "pk", None) == case.transfer_to_id,
        "is_holder": getattr(selectors.applicant_organisation(user), "pk", None)
        == (case.holder_id or case.applicant_id),
        "is_secretariat": selectors.is_secretariat(user),
        "editable": case.status in services.EDITABLE,
        "problems": services.submission_problems(case) if case.status in services.EDITABLE else [],
        "attachment_form": AttachmentForm(),
        "decisions": [(d, decisions.verify_decision(d)) for d in case.decisions.all()],
        "open_questions": [
            q for a in approvals for q in a.info_requests.all() if q.answered_at is None
        ],
    }


def _act_on_case(
    request: HttpRequest, pk: int, act: Callable[[PermitCase], object], done: str = ""
) -> HttpResponse:
    """The shape of every one-click case action: the case as the user may see it, the service
    call in one transaction, `done` as the success message, and a refusal shown on the case."""
    case = selectors.visible_case(user=request.user, case_id=pk)
    try:
        with transaction.atomic():
            act(case)
        if done:
            messages.success(request, done)
    except KubatError as exc:
        return _back(request, exc, reverse("permits:case", args=[pk]))
    return redirect("permits:case", pk=pk)


@signed_in
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_on_case(
        request,
        pk,
        lambda case: services.submit_case(user=request.user, case=case),
        _("Submitted to the secretariat for the completeness check."),
    )


@signed_in
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.visible_case(user=request.user, case_id=pk)
    form = AttachmentForm(request.POST, request.FILES)
    question_id = request.POST.get("question", "").strip()
    if question_id and not (question_id.isascii() and question_id.isdecimal()):
        # Only a tampered form sends this: refuse it plainly rather than fail on the lookup.
        return render(
            request,
            "permits/refused.html",
            {
                "title": _("Invalid input"),
                "message": "question: " + _("the question is given by its number"),
            },
            status=400,
        )
    try:
        if not form.is_valid():
            raise KubatError(_("Choose a document kind and a file."))
        info = None
        if question_id:
            info = get_object_or_404(InfoRequest, pk=question_id, approval__case=case)
        with transaction.atomic():
            services.add_attachment(
                user=request.user,
                case=case,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                info_request=info,
            )
        messages.success(request, _("Document attached."))
    except KubatError as exc:
        messages.error(request, exc.message)
    return redirect("permits:case", pk=pk)


@signed_in
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    info = get_object_or_404(InfoRequest.objects.select_related("approval__case"), pk=pk)
    case = selectors.visible_case(user=request.user, case_id=info.approval.case_id)
    try:
        with transaction.atomic():
            services.answer_information(
                user=request.user, info_request=info, answer=request.POST.get("answer", "")
            )
        messages.success(request, _("Answer sent; the agency's clock runs again."))
    except KubatError as exc:
        return _back(request, exc, reverse("permits:case", args=[case.pk]))
    return redirect("permits:case", pk=case.pk)


STEPS = {
    "construction": delivery.start_construction,
    "grid": delivery.request_grid_acceptance,
    "commission": delivery.commission_case,
}


@signed_in
@require_POST
def step(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant's steps after the permit: construction, grid request, commissioning."""
    action = STEPS.get(request.POST.get("step", ""))
    if action is None:
        raise Http404("unknown step")
    return _act_on_case(request, pk, lambda case: action(user=request.user, case=case))


@signed_in
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a document to the case's parties only; anyone else gets a 404."""
    item = selectors.visible_attachment(user=request.user, attachment_id=pk)
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=True,
        filename=item.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in
@require_GET
def permit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.visible_case(user=request.user, case_id=pk)
    if not case.permit_number:
        raise Http404("no permit yet")
    register_url = request.build_absolute_uri(
        reverse("permits:register_entry", args=[case.permit_number])
    )
    response = HttpResponse(
        render_permit(case, register_url=register_url), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{case.permit_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in
@require_POST
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant appeals a refusal, or (`resubmit`) starts a new application from it."""
    case = selectors.visible_case(user=request.user, case_id=pk)
    try:
        with transaction.atomic():
            if request.POST.get("action") == "resubmit":
                draft = aftercare.resubmit_refused(user=request.user, case=case)
                messages.success(request, _("A new application is drafted from the refused one."))
                return redirect("permits:case", pk=draft.pk)
            aftercare.appeal_refusal(
                user=request.user, case=case, grounds=request.POST.get("grounds", "")
            )
        messages.success(request, _("Appeal lodged."))
    except KubatError as exc:
        return _back(request, exc, reverse("permits:case", args=[pk]))
    return redirect("permits:case", pk=pk)


@signed_in
@require_POST
def decide_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat's appeals panel grants or dismisses an appeal, with its reasons."""
    return _act_on_case(
        request,
        pk,
        lambda case: aftercare.decide_appeal(
            user=request.user,
            case=case,
            grant=request.POST.get("action") == "grant",
            reason=request.POST.get("reason", ""),
        ),
        _("Appeal decided."),
    )


CHANGE_KINDS = ("modification", "transfer", "decommission")


@signed_in
def change(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The holder opens a modification, transfer or decommissioning of a station in service."""
    permit = selectors.visible_case(user=request.user, case_id=pk)
    if kind not in CHANGE_KINDS:
        raise Http404("unknown change")
    form = ChangeForm(request.POST or None, permit=permit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                case = aftercare.open_change(
                    user=request.user,
                    permit=permit,
                    kind=kind,
                    reason=data.get("reason") or "",
                    planned_evses=form.planned_evses(),
                    grid_capacity_kw=data.get("grid_capacity_kw"),
                    transfer_to=data.get("transfer_to"),
                    transfer_party_id=data.get("party_id") or "",
                    decommission_mode=data.get("decommission_mode") or "",
                )
            messages.success(request, _("Change drafted: submit it to the secretariat."))
            return redirect("permits:case", pk=case.pk)
        except KubatError as exc:
            form.add_error(None, f"{exc.field}: {exc.message}" if exc.field else exc.message)
    return render(
        request, "permits/change_form.html", {"form": form, "permit": permit, "kind": kind}
    )


@signed_in
@require_POST
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving organisation accepts a transfer."""
    return _act_on_case(
        request,
        pk,
        lambda case: aftercare.consent_transfer(user=request.user, case=case),
        _("Transfer accepted."),
    )


# Agencies ----------------------------------------------------------------------------------


@signed_in
def queue(request: HttpRequest) -> HttpResponse:
    agency = selectors.reviewer_agency(request.user)
    if agency is None:
        raise PermissionDenied(_("The work queue is for agency reviewers."))
    return render(
        request,
        "permits/queue.html",
        {
            "agency": agency,
            "approvals": selectors.reviewer_queue(user=request.user),
            "grid_cases": selectors.grid_queue(user=request.user),
            "now": timezone.now(),
        },
    )


@signed_in
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve, reject with a reason, or request information; HTMX swaps the queue row."""
    approval = get_object_or_404(Approval.objects.select_related("case", "agency"), pk=pk)
    agency = selectors.reviewer_agency(request.user)
    if agency is None or agency.pk != approval.agency_id:
        raise Http404("not in your queue")
    action = request.POST.get("action")
    text = request.POST.get("text", "")
    error = ""
    try:
        with transaction.atomic():
            if action == "approve":
                services.decide_approval(user=request.user, approval=approval, approve=True)
            elif action == "reject":
                services.decide_approval(
                    user=request.user, approval=approval, approve=False, reason=text
                )
            elif action == "info":
                services.request_information(user=request.user, approval=approval, question=text)
            else:
                raise KubatError(_("Choose approve, reject or request information."))
    except KubatError as exc:
        error = exc.message
    approval.refresh_from_db()
    if _is_htmx(request):
        return render(
            request,
            "permits/_approval_row.html",
            {"approval": approval, "error": error, "now": timezone.now()},
        )
    if error:
        messages.error(request, error)
    return redirect("permits:queue")


@signed_in
@require_POST
def accept_grid(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.visible_case(user=request.user, case_id=pk)
    try:
        with transaction.atomic():
            delivery.accept_grid(
                user=request.user, case=case, meter_number=request.POST.get("meter_number", "")
            )
        messages.success(request, _("Grid connection accepted."))
    except KubatError as exc:
        messages.error(request, exc.message)
    return redirect("permits:queue")


# The secretariat ---------------------------------------------------------------------------


@signed_in
def secretariat(request: HttpRequest) -> HttpResponse:
    if not selectors.is_secretariat(request.user):
        raise PermissionDenied(_("This page is the secretariat's."))
    return render(
        request,
        "permits/secretariat.html",
        {
            "cases": selectors.completeness_queue(),
            "escalated": selectors.escalated_approvals(),
            "overdue_cases": selectors.overdue_cases(),
            "appeals": selectors.open_appeals(),
            "now": timezone.now(),
        },
    )


@signed_in
@require_POST
def completeness(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.is_secretariat(request.user):
        raise Http404("not the secretariat")
    case = get_object_or_404(PermitCase, pk=pk)
    error = ""
    try:
        with transaction.atomic():
            case = services.check_completeness(
                user=request.user,
                case=case,
                complete=request.POST.get("action") == "accept",
                reason=request.POST.get("reason", ""),
            )
    except KubatError as exc:
        error = exc.message
    if _is_htmx(request):
        return render(request, "permits/_completeness_row.html", {"case": case, "error": error})
    if error:
        messages.error(request, error)
    return redirect("permits:secretariat")


@signed_in
@require_POST
def record_payment(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat confirms a fee it saw arrive; HTMX swaps the completeness row."""
    if not selectors.is_secretariat(request.user):
        raise Http404("not the secretariat")
    case = get_object_or_404(PermitCase, pk=pk)
    error = ""
    try:
        with transaction.atomic():
            payments.confirm_payment(
                user=request.user,
                case=case,
                amount=case.fee_outstanding,
                transaction_id=request.POST.get("transaction_id", ""),
            )
    except KubatError as exc:
        error = exc.message
    case.refresh_from_db()
    if _is_htmx(request):
        return render(request, "permits/_completeness_row.html", {"case": case, "error": error})
    if error:
        messages.error(request, error)
    return redirect("permits:secretariat")


# The public --------------------------------------------------------------------------------


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    """Public: how long permits really take, from the cases themselves; no personal data."""
    return render(request, "permits/transparency.html", {"stats": statistics.permit_statistics()})


@require_GET
def signing_certificate(request: HttpRequest) -> HttpResponse:
    """Public: the certificate that verifies Kubat's signed decisions (PEM)."""
    response = HttpResponse(
        signing.get_signer().certificate_pem(), content_type="application/x-pem-file"
    )
    response["Content-Disposition"] = 'inline; filename="kubat-signing-certificate.pem"'
    return response


@require_GET
def decision_file(request: HttpRequest, number: str) -> HttpResponse:
    """A signed decision as JSON: public for permits (the register), else the case's parties.

    Anyone else gets 404, as for the case itself.
    """
    decision = Decision.objects.select_related("case").filter(number=number).first()
    if decision is None:
        raise Http404("no such decision")
    if not decision.public and not (
        request.user.is_authenticated and selectors.can_view(request.user, decision.case)
    ):
        raise Http404("no such decision")
    response = JsonResponse(decisions.signed_file(decision), json_dumps_params={"indent": 1})
    response["Content-Disposition"] = f'attachment; filename="{decision.number}.json"'
    return response


REGISTER_PAGE = 50


@require_GET
def register_page(request: HttpRequest) -> HttpResponse:
    """Public: the register of permits, searchable by text, country, state and track."""
    params = {k: request.GET.get(k, "").strip() for k in ("q", "country", "state", "track")}
    error = ""
    try:
        cases = register.entries(
            q=params["q"],
            country=params["country"] or None,
            state=params["state"] or None,
            track=params["track"] or None,
        )
        raw = request.GET.get("page", "1")
        page = int(raw) if raw.isdecimal() and 0 < int(raw) < 10**6 else 1
        total = cases.count()
        rows = [register.entry(c) for c in cases[(page - 1) * REGISTER_PAGE : page * REGISTER_PAGE]]
    except KubatError as exc:
        error, rows, total, page = f"{exc.field}: {exc.message}", [], 0, 1
    return render(
        request,
        "permits/register.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "has_next": page * REGISTER_PAGE < total,
            "params": params,
            "states": register.STATES,
            "error": error,
        },
        status=400 if error else 200,
    )


@require_GET
def register_entry(request: HttpRequest, number: str) -> HttpResponse:
    """Public: one permit's entry, with its signed decision checked against the certificate."""
    try:
        case = register.get_entry(number=number)
    except NotFound:
        raise Http404("no such permit") from None
    decision = register.permit_decision(case)
    return render(
        request,
        "permits/register_entry.html",
        {
            "entry": register.entry(case),
            "case": case,
            "decision": decision,
            "check": decisions.verify_decision(decision) if decision else None,
            "changes": case.changes.exclude(decided_at=None).order_by("decided_at"),
        },
    )


@require_GET
def register_csv(request: HttpRequest) -> HttpResponseBase:
    """Open data: the whole register as CSV (same conventions as the registry's files)."""
    try:
        cases = register.entries(country=request.GET.get("country") or None)
    except KubatError as exc:
        return HttpResponse(
            f"{exc.field}: {exc.message}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    now = timezone.now()
    response = StreamingHttpResponse(
        register.stream_csv(cases.iterator(chunk_size=500), generated_at=now),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="kubat-permits.csv"'
    response["X-Kubat-Generated-At"] = now.isoformat()
    response["Link"] = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    return response
