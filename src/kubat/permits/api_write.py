"""/api/v1/permits cases: reads and writes of cases, documents, answers, decisions, webhooks.

The same services as the pages, with the same rules: who may act, in which state, with
which deadlines. Auth as the rest of /api/v1 (a bearer token from `kubat accounts
issue-token`, or a session with CSRF). Each call is one transaction. A refused action is a
KubatError rendered as `{"code", "detail", "field"}` (400 invalid, 403, 404, 409 conflict);
a body of the wrong shape is django-ninja's 422 with the field's location. Every call that
changes a case answers with the case as `GET /cases/{id}` shows it.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as Reply
from pydantic import WithJsonSchema

from kubat.accounts.auth import token_or_session
from kubat.accounts.models import Organisation
from kubat.core import apischema
from kubat.core.errors import InvalidInput, NotFound
from kubat.permits import aftercare, delivery, payments, presenters, selectors, services, webhooks
from kubat.permits.models import Approval, AttachmentKind, CaseStatus, InfoRequest, PermitCase
from kubat.permits.schemas import Application, EvseGroup

router = Router(tags=["permits"])

Case = dict[str, Any]


ERRORS: dict[int, type[Schema]] = {
    400: apischema.ErrorOut,
    403: apischema.ErrorOut,
    404: apischema.ErrorOut,
    409: apischema.ErrorOut,
}


class CompletenessIn(apischema.Body):
    complete: bool
    reason: str = Field("", max_length=2000, description="what is missing, for a return")


class PaymentIn(apischema.Body):
    amount: str = Field(..., max_length=20, description='decimal string, e.g. "43250.00"')
    transaction_id: str = Field(..., max_length=80, description="the bank's or cashier's number")


class DecisionIn(apischema.Body):
    approve: bool
    reason: str = Field("", max_length=4000, description="required for a rejection")


class QuestionIn(apischema.Body):
    question: str = Field(..., max_length=4000)


class AnswerIn(apischema.Body):
    answer: str = Field(..., max_length=4000)


class GridIn(apischema.Body):
    meter_number: str = Field(..., max_length=40)


class WebhookIn(apischema.Body):
    url: str = Field(..., max_length=500)


# Multipart fields as services.add_attachment reads them: a kind it knows, an optional question
# id (a form field is text, so "absent" is the only way to give none).
Kind = Annotated[str, WithJsonSchema({"type": "string", "enum": list(AttachmentKind.values)})]
QuestionId = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1})]
StatusFilter = Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *CaseStatus.values]})]


def _case(request: HttpRequest, case_id: int) -> PermitCase:
    return selectors.visible_case(user=request.user, case_id=case_id)


def _approval(request: HttpRequest, approval_id: int) -> Approval:
    approval = Approval.objects.select_related("case", "agency").filter(pk=approval_id).first()
    if approval is None or not selectors.can_view(request.user, approval.case):
        raise NotFound(
            gettext("approval %(approval_id)s does not exist") % {"approval_id": approval_id},
            field="approval_id",
        )
    return approval


def _detail(case: PermitCase) -> Case:
    case.refresh_from_db()
    return presenters.case_detail(case)


def _application(payload: Application) -> Application:
    return services.parse_application(payload.model_dump())


@router.get("/cases", auth=token_or_session, summary="The permit cases the caller may see")
def list_cases(request: HttpRequest, status: StatusFilter | None = None) -> list[dict[str, Any]]:
    """An applicant sees their organisation's cases, a reviewer the cases their agency works
    on, the secretariat every case; `status` (empty: any) narrows them, and a status that no
    case can have is a 400 naming it rather than an empty list that looks like an answer."""
    cases = selectors.visible_cases(user=request.user)
    if status:
        if status not in CaseStatus.values:
            raise InvalidInput(
                gettext("status is one of %(values)s") % {"values": ", ".join(CaseStatus.values)},
                field="status",
            )
        cases = cases.filter(status=status)
    return [presenters.case_dict(c) for c in cases[:500]]


@router.get("/cases/{case_id}", auth=token_or_session, summary="One case with its timeline")
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return presenters.case_detail(selectors.visible_case(user=request.user, case_id=case_id))


@router.post(
    "/cases",
    auth=token_or_session,
    response={201: dict[str, Any], **ERRORS},
    summary="Create a draft application for the caller's organisation",
)
def create_case(request: HttpRequest, payload: Application) -> Reply[Case]:
    with transaction.atomic():
        case = services.create_draft(
            user=request.user, application=_application(payload), source="api"
        )
    return Reply(201, _detail(case))


@router.put(
    "/cases/{case_id}",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="Replace a draft's or returned case's application",
)
def update_case(request: HttpRequest, case_id: int, payload: Application) -> Case:
    with transaction.atomic():
        case = services.update_draft(
            user=request.user, case=_case(request, case_id), application=_application(payload)
        )
    return _detail(case)


@router.post(
    "/cases/{case_id}/attachments",
    auth=token_or_session,
    response={201: dict[str, Any], **ERRORS},
    summary="Attach a PDF, JPEG or PNG (multipart: file, kind, optional question)",
)
def attach(
    request: HttpRequest,
    case_id: int,
    file: File[UploadedFile],
    kind: Form[Kind],
    question: Form[QuestionId | None] = None,
) -> Reply[Case]:
    """`kind`: land_right, site_plan, single_line, photo or other. `question` attaches the
    document to an open information request instead of an editable case."""
    case = _case(request, case_id)
    info = None
    if question is not None:
        info = InfoRequest.objects.filter(pk=question, approval__case=case).first()
        if info is None:
            raise NotFound(
                gettext("question %(question)s is not on this case") % {"question": question},
                field="question",
            )
    with transaction.atomic():
        services.add_attachment(
            user=request.user, case=case, upload=file, kind=kind, info_request=info
        )
    return Reply(201, _detail(case))


@router.post(
    "/cases/{case_id}/submit",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="Submit a draft or returned case (fixes the fee and its payment reference)",
)
def submit(request: HttpRequest, case_id: int) -> Case:
    with transaction.atomic():
        case = services.submit_case(user=request.user, case=_case(request, case_id))
    return _detail(case)


@router.post(
    "/cases/{case_id}/completeness",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="The secretariat accepts a submitted case (fee paid) or returns it with a reason",
)
def completeness(request: HttpRequest, case_id: int, payload: CompletenessIn) -> Case:
    with transaction.atomic():
        case = services.check_completeness(
            user=request.user,
            case=_case(request, case_id),
            complete=payload.complete,
            reason=payload.reason,
        )
    return _detail(case)


@router.post(
    "/cases/{case_id}/payments",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="The secretariat confirms a fee payment it received",
)
def confirm_payment(request: HttpRequest, case_id: int, payload: PaymentIn) -> Case:
    case = _case(request, case_id)
    with transaction.atomic():
        payments.confirm_payment(
            user=request.user,
            case=case,
            amount=payload.amount,
            transaction_id=payload.transaction_id,
        )
    return _detail(case)


@router.post(
    "/approvals/{approval_id}/decision",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="An agency reviewer approves or rejects (with a reason) their approval",
)
def decide(request: HttpRequest, approval_id: int, payload: DecisionIn) -> Case:
    approval = _approval(request, approval_id)
    with transaction.atomic():
        services.decide_approval(
            user=request.user, approval=approval, approve=payload.approve, reason=payload.reason
        )
    return _detail(approval.case)


@router.post(
    "/approvals/{approval_id}/questions",
    auth=token_or_session,
    response={201: dict[str, Any], **ERRORS},
    summary="An agency reviewer asks the applicant (that agency's clock stops)",
)
def ask(request: HttpRequest, approval_id: int, payload: QuestionIn) -> Reply[Case]:
    approval = _approval(request, approval_id)
    with transaction.atomic():
        services.request_information(
            user=request.user, approval=approval, question=payload.question
        )
    return Reply(201, _detail(approval.case))


@router.post(
    "/questions/{question_id}/answer",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="The applicant answers a question (the agency's clock runs again)",
)
def answer(request: HttpRequest, question_id: int, payload: AnswerIn) -> Case:
    info = InfoRequest.objects.select_related("approval__case").filter(pk=question_id).first()
    if info is None or not selectors.can_view(request.user, info.approval.case):
        raise NotFound(
            gettext("question %(question_id)s does not exist") % {"question_id": question_id},
            field="question_id",
        )
    with transaction.atomic():
        services.answer_information(user=request.user, info_request=info, answer=payload.answer)
    return _detail(info.approval.case)


STEPS = {
    "construction": delivery.start_construction,
    "grid-request": delivery.request_grid_acceptance,
}


@router.post(
    "/cases/{case_id}/steps/{step}",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="The applicant's steps after the permit: construction, grid-request, commission",
)
def step(request: HttpRequest, case_id: int, step: str) -> Case:
    case = _case(request, case_id)
    with transaction.atomic():
        if step == "commission":
            delivery.commission_case(user=request.user, case=case)
        elif step in STEPS:
            STEPS[step](user=request.user, case=case)
        else:
            raise NotFound(
                gettext("no step %(step)s: construction, grid-request, commission")
                % {"step": repr(step)},
                field="step",
            )
    return _detail(case)


@router.post(
    "/cases/{case_id}/grid-acceptance",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="The distribution company accepts the built connection with the meter number",
)
def grid_acceptance(request: HttpRequest, case_id: int, payload: GridIn) -> Case:
    case = _case(request, case_id)
    with transaction.atomic():
        delivery.accept_grid(user=request.user, case=case, meter_number=payload.meter_number)
    return _detail(case)


# After a decision ----------------------------------------------------------------------------


class AppealIn(apischema.Body):
    grounds: str = Field(..., max_length=4000)


class AppealDecisionIn(apischema.Body):
    grant: bool
    reason: str = Field(..., max_length=4000)


class ChangeIn(apischema.Body):
    kind: str = Field(..., description="modification, transfer or decommission")
    reason: str = Field("", max_length=2000)
    planned_evses: list[EvseGroup] | None = Field(
        None, max_length=10, description="modification: the station's EVSE groups after it"
    )
    grid_capacity_kw: float | None = Field(None, ge=0, le=100000, description="modification")
    transfer_to: int | None = Field(None, description="transfer: the organisation's id")
    party_id: str = Field("", max_length=3, description="transfer: the recipient's OCPI party")
    decommission_mode: str = Field("", description="decommission: temporary or final")


@router.post(
    "/cases/{case_id}/appeal",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="The applicant appeals a refusal within its window",
)
def appeal(request: HttpRequest, case_id: int, payload: AppealIn) -> Case:
    with transaction.atomic():
        case = aftercare.appeal_refusal(
            user=request.user, case=_case(request, case_id), grounds=payload.grounds
        )
    return _detail(case)


@router.post(
    "/cases/{case_id}/appeal/decision",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="The appeals panel (secretariat) grants or dismisses an appeal",
)
def decide_appeal(request: HttpRequest, case_id: int, payload: AppealDecisionIn) -> Case:
    with transaction.atomic():
        case = aftercare.decide_appeal(
            user=request.user,
            case=_case(request, case_id),
            grant=payload.grant,
            reason=payload.reason,
        )
    return _detail(case)


@router.post(
    "/cases/{case_id}/resubmission",
    auth=token_or_session,
    response={201: dict[str, Any], **ERRORS},
    summary="A new draft from a refused case, within the resubmission window",
)
def resubmit(request: HttpRequest, case_id: int) -> Reply[Case]:
    with transaction.atomic():
        case = aftercare.resubmit_refused(user=request.user, case=_case(request, case_id))
    return Reply(201, _detail(case))


@router.post(
    "/cases/{case_id}/changes",
    auth=token_or_session,
    response={201: dict[str, Any], **ERRORS},
    summary="The holder opens a modification, transfer or decommissioning (a new draft case)",
)
def open_change(request: HttpRequest, case_id: int, payload: ChangeIn) -> Reply[Case]:
    recipient = None
    if payload.transfer_to is not None:
        recipient = Organisation.objects.filter(pk=payload.transfer_to).first()
        if recipient is None:
            raise NotFound(
                gettext("organisation %(transfer_to)s does not exist")
                % {"transfer_to": payload.transfer_to},
                field="transfer_to",
            )
    with transaction.atomic():
        case = aftercare.open_change(
            user=request.user,
            permit=_case(request, case_id),
            kind=payload.kind,
            reason=payload.reason,
            planned_evses=None
            if payload.planned_evses is None
            else [g.model_dump() for g in payload.planned_evses],
            grid_capacity_kw=payload.grid_capacity_kw,
            transfer_to=recipient,
            transfer_party_id=payload.party_id,
            decommission_mode=payload.decommission_mode,
        )
    return Reply(201, _detail(case))


@router.post(
    "/cases/{case_id}/transfer-consent",
    auth=token_or_session,
    response={200: dict[str, Any], **ERRORS},
    summary="The receiving organisation accepts a transfer",
)
def consent(request: HttpRequest, case_id: int) -> Case:
    with transaction.atomic():
        case = aftercare.consent_transfer(user=request.user, case=_case(request, case_id))
    return _detail(case)


# Webhooks ------------------------------------------------------------------------------------


def _hook(sub: Any, *, with_secret: bool = False) -> dict[str, Any]:
    body = {"id": sub.pk, "url": sub.url, "active": sub.active, "created_at": sub.created_at}
    if with_secret:
        body["secret"] = sub.secret
    return body


@router.post(
    "/webhooks",
    auth=token_or_session,
    response={201: dict[str, Any], **ERRORS},
    summary="Subscribe a URL to the caller's organisation's case changes (secret shown once)",
)
def add_webhook(request: HttpRequest, payload: WebhookIn) -> Reply[dict[str, Any]]:
    """Deliveries are signed: `Kubat-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
    "<t>." + body)>`; `Kubat-Delivery` is the same on every retry, so drop duplicates by it."""
    with transaction.atomic():
        sub = webhooks.subscribe(user=request.user, url=payload.url)
    return Reply(201, _hook(sub, with_secret=True))


@router.get("/webhooks", auth=token_or_session, summary="The organisation's webhooks")
def list_webhooks(request: HttpRequest) -> list[dict[str, Any]]:
    return [_hook(s) for s in webhooks.subscriptions(user=request.user)]


@router.delete(
    "/webhooks/{webhook_id}",
    auth=token_or_session,
    response={204: None, **ERRORS},
    summary="Stop a webhook (queued deliveries are given up)",
)
def delete_webhook(request: HttpRequest, webhook_id: int) -> Reply[None]:
    with transaction.atomic():
        webhooks.unsubscribe(user=request.user, subscription_id=webhook_id)
    return Reply(204, None)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    auth=token_or_session,
    response={200: list[dict[str, Any]], **ERRORS},
    summary="The latest deliveries of a webhook, with attempts and errors",
)
def webhook_deliveries(request: HttpRequest, webhook_id: int) -> list[dict[str, Any]]:
    sub = webhooks.own_subscription(user=request.user, subscription_id=webhook_id)
    return [
        {
            "delivery_id": str(d.delivery_id),
            "event": d.event,
            "case": d.case_id,
            "created_at": d.created_at,
            "attempts": d.attempts,
            "delivered_at": d.delivered_at,
            "next_attempt_at": d.next_attempt_at,
            "last_status": d.last_status,
            "last_error": d.last_error,
        }
        for d in sub.deliveries.order_by("-pk")[:100]
    ]
