"""A permit case and what hangs off it: approvals, information requests, attachments, audit.

State lives in columns (status, timestamps, deadlines) so that queues, the tick and the
statistics are plain queries; the rules that move it are in `services`, never in save().
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, completeness check")
    RETURNED = "returned", _("Returned as incomplete")
    IN_REVIEW = "in_review", _("In review by the agencies")
    ISSUED = "issued", _("Permit issued")
    REJECTED = "rejected", _("Rejected")
    APPEALED = "appealed", _("Refusal appealed")
    CONSTRUCTION = "construction", _("Under construction")
    GRID_REQUESTED = "grid_requested", _("Grid acceptance requested")
    GRID_ACCEPTED = "grid_accepted", _("Grid accepted")
    IN_REGISTRY = "in_registry", _("Commissioned, in the registry")
    CHANGED = "changed", _("Decided, registry updated")


class ApprovalStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for prerequisites")
    PENDING = "pending", _("Pending")
    INFO_REQUESTED = "info_requested", _("Information requested, clock stopped")
    APPROVED = "approved", _("Approved")
    DEEMED_APPROVED = "deemed_approved", _("Deemed approved (silence is consent)")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled (case closed)")


OPEN_APPROVAL = (ApprovalStatus.PENDING, ApprovalStatus.INFO_REQUESTED)
GIVEN_APPROVAL = (ApprovalStatus.APPROVED, ApprovalStatus.DEEMED_APPROVED)


class LandRight(models.TextChoices):
    OWNERSHIP = "ownership", _("Ownership")
    LEASE = "lease", _("Lease")
    MUNICIPAL_PERMISSION = "municipal_permission", _("Municipal permission to use the land")
    SERVITUDE = "servitude", _("Servitude or easement")


class AgencyAssignment(models.Model):
    """Which agency plays an authority (municipality, distribution company...) in a region.

    An empty region is the country-wide default; a regional row (Bishkek's city architecture
    office, Almaty's distribution company) wins over it.
    """

    country_code = models.CharField(max_length=2)
    authority = models.CharField(max_length=30)
    region = models.CharField(max_length=60, blank=True)
    agency = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="permit_assignments"
    )

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["country_code", "authority", "region"], name="permits_assignment_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.country_code}/{self.region or '*'} {self.authority}: {self.agency}"


class CaseKind(models.TextChoices):
    NEW = "new", _("New station")
    MODIFICATION = "modification", _("Modification")
    TRANSFER = "transfer", _("Transfer to another operator")
    DECOMMISSION = "decommission", _("Decommissioning")


class PermitCase(models.Model):
    """One application for one charging site, from draft to its station in the registry.

    A case of another `kind` changes a commissioned station (`parent` is the permit it
    changes): its decision updates the parent's register entry and the registry.
    """

    applicant = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="permit_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT, db_index=True
    )
    source = models.CharField(max_length=10, default="portal", help_text="`demo` for demo data.")
    kind = models.CharField(
        max_length=16, choices=CaseKind.choices, default=CaseKind.NEW, db_index=True
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
        help_text="The permit a modification, transfer, decommissioning or resubmission follows.",
    )
    # The register: the permit's current holder (None: the applicant) and a state set after
    # commissioning by a decommissioning (`suspended`, `decommissioned`); see `register`.
    holder = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="permits_held",
    )
    register_state = models.CharField(max_length=16, blank=True)
    register_state_at = models.DateTimeField(null=True, blank=True)
    # A transfer: to whom, under which OCPI party, and when the recipient consented.
    transfer_to = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="permit_transfers_in",
    )
    transfer_party_id = models.CharField(max_length=3, blank=True)
    transfer_consented_at = models.DateTimeField(null=True, blank=True)
    # A decommissioning: `temporary` or `final`, and why.
    decommission_mode = models.CharField(max_length=10, blank=True)
    change_reason = models.TextField(blank=True)
    # After a refusal: the appeal window, the appeal and its outcome; the resubmission window.
    appeal_due_at = models.DateTimeField(null=True, blank=True)
    resubmission_due_at = models.DateTimeField(null=True, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_grounds = models.TextField(blank=True)
    appeal_decision_due_at = models.DateTimeField(null=True, blank=True)
    appeal_decided_at = models.DateTimeField(null=True, blank=True)
    appeal_outcome = models.CharField(max_length=10, blank=True)
    appeal_reason = models.TextField(blank=True)
    # The application.
    country_code = models.CharField(max_length=2)
    site_name = models.CharField(max_length=120)
    region = models.CharField(max_length=60)
    city = models.CharField(max_length=45)
    address = models.CharField(max_length=45)
    latitude = models.FloatField()
    longitude = models.FloatField()
    land_right = models.CharField(max_length=24, choices=LandRight.choices)
    land_document = models.CharField(max_length=120, help_text="Title or lease register number.")
    party_id = models.CharField(
        max_length=3, help_text="OCPI party id under which the station will be published."
    )
    planned_evses = models.JSONField(
        default=list, help_text="Groups of identical EVSEs: count, power_type, max_kw, standards."
    )
    grid_capacity_kw = models.FloatField()
    track = models.CharField(max_length=40, blank=True)
    # The fee, set from the track at submission (see `payments`).
    fee_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    fee_currency = models.CharField(max_length=3, blank=True)
    payment_reference = models.CharField(
        max_length=25, blank=True, db_index=True, help_text="ISO 11649 creditor reference (RF…)."
    )
    fee_paid_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    fee_paid_at = models.DateTimeField(null=True, blank=True)
    # The process, in order.
    created_at = models.DateTimeField()
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completeness_due_at = models.DateTimeField(null=True, blank=True)
    completeness_escalated_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    permit_number = models.CharField(max_length=24, blank=True)
    rejection_reason = models.TextField(blank=True)
    construction_started_at = models.DateTimeField(null=True, blank=True)
    grid_requested_at = models.DateTimeField(null=True, blank=True)
    grid_due_at = models.DateTimeField(null=True, blank=True)
    grid_escalated_at = models.DateTimeField(null=True, blank=True)
    grid_agency = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_acceptances",
    )
    grid_accepted_at = models.DateTimeField(null=True, blank=True)
    meter_number = models.CharField(max_length=40, blank=True)
    commissioned_at = models.DateTimeField(null=True, blank=True)
    location = models.ForeignKey(
        "registry.Location",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="permits",
        help_text="The registry location created at commissioning.",
    )

    class Meta:
        indexes = (models.Index(fields=["country_code", "status"], name="permits_case_cc_status"),)

    def __str__(self) -> str:
        return f"{self.reference} {self.site_name}"

    @property
    def reference(self) -> str:
        """The case reference shown to everyone, e.g. KG-2026-000042."""
        return f"{self.country_code}-{self.created_at:%Y}-{self.pk:06d}"

    @property
    def total_kw(self) -> float:
        return float(sum(g["count"] * g["max_kw"] for g in self.planned_evses))

    @property
    def has_dc(self) -> bool:
        return any(g["power_type"] == "DC" for g in self.planned_evses)

    @property
    def fee_outstanding(self) -> Decimal:
        """What is still to pay (0 before submission fixes the fee, or when paid in full)."""
        if self.fee_amount is None:
            return Decimal("0.00")
        return max(Decimal("0.00"), self.fee_amount - self.fee_paid_amount)


class Payment(models.Model):
    """One payment received for a case's fee: confirmed by the secretariat or a provider.

    (method, transaction_id) is unique, so a provider's callback delivered twice (providers
    retry) records the payment once.
    """

    case = models.ForeignKey(PermitCase, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=30, help_text="`secretariat` or a provider's code.")
    transaction_id = models.CharField(max_length=80)
    received_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["method", "transaction_id"], name="permits_payment_unique_txn"
            ),
        )

    def __str__(self) -> str:
        return f"{self.case_id}: {self.amount} {self.currency} ({self.method})"


class Approval(models.Model):
    """One agency's approval within a case, with its own clock."""

    case = models.ForeignKey(PermitCase, on_delete=models.CASCADE, related_name="approvals")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=120)
    authority = models.CharField(max_length=30)
    agency = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="permit_approvals"
    )
    requires = models.JSONField(default=list)
    days = models.PositiveSmallIntegerField()
    day_kind = models.CharField(max_length=10)
    silence_consent = models.BooleanField()
    status = models.CharField(
        max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.WAITING
    )
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    days_left_at_pause = models.PositiveSmallIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    within_deadline = models.BooleanField(null=True, blank=True)
    reason = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["case", "code"], name="permits_approval_unique"),
        )
        ordering = ("case", "pk")

    def __str__(self) -> str:
        return f"{self.case.reference} {self.code} ({self.status})"


class InfoRequest(models.Model):
    """A reviewer's question; the approval's clock stands still until it is answered."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="info_requests")
    question = models.TextField()
    asked_at = models.DateTimeField()
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("asked_at", "pk")

    def __str__(self) -> str:
        return f"{self.approval}: {self.question[:40]}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # Never the uploaded name: a random name under the case's folder, with a checked suffix.
    return f"permits/{instance.case_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class AttachmentKind(models.TextChoices):
    LAND_RIGHT = "land_right", _("Land right document")
    SITE_PLAN = "site_plan", _("Site plan")
    SINGLE_LINE = "single_line", _("Single-line electrical diagram")
    PHOTO = "photo", _("Photo of the site")
    OTHER = "other", _("Other")


class Attachment(models.Model):
    """An uploaded PDF, JPEG or PNG, stored under MEDIA_ROOT and served only to case parties."""

    case = models.ForeignKey(PermitCase, on_delete=models.CASCADE, related_name="attachments")
    info_request = models.ForeignKey(
        InfoRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    kind = models.CharField(max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.original_name


class AuditAction(models.TextChoices):
    CREATED = "created", _("Draft created")
    UPDATED = "updated", _("Draft updated")
    ATTACHED = "attached", _("Document attached")
    SUBMITTED = "submitted", _("Submitted")
    FEE_PAID = "fee_paid", _("Fee paid")
    RETURNED = "returned", _("Returned as incomplete")
    ACCEPTED = "accepted", _("Completeness accepted")
    APPROVAL_STARTED = "approval_started", _("Approval clock started")
    APPROVED = "approved", _("Approved")
    DEEMED_APPROVED = "deemed_approved", _("Deemed approved by silence")
    REJECTED = "rejected", _("Rejected")
    INFO_REQUESTED = "info_requested", _("Information requested")
    INFO_ANSWERED = "info_answered", _("Information given")
    ESCALATED = "escalated", _("Overdue, escalated to the secretariat")
    ISSUED = "issued", _("Permit issued")
    CONSTRUCTION = "construction", _("Construction started")
    GRID_REQUESTED = "grid_requested", _("Grid acceptance requested")
    GRID_ACCEPTED = "grid_accepted", _("Grid accepted, meter installed")
    COMMISSIONED = "commissioned", _("Commissioned")
    REGISTERED = "registered", _("Published in the registry")
    APPEALED = "appealed", _("Refusal appealed")
    APPEAL_GRANTED = "appeal_granted", _("Appeal granted, review reopened")
    APPEAL_DISMISSED = "appeal_dismissed", _("Appeal dismissed")
    RESUBMITTED = "resubmitted", _("Resubmitted as a new application")
    TRANSFER_CONSENTED = "transfer_consented", _("Transfer accepted by the recipient")
    CHANGED = "changed", _("Change applied to the registry")


class AuditEntry(models.Model):
    """Who did what to a case and when; written by every service, never edited."""

    case = models.ForeignKey(PermitCase, on_delete=models.CASCADE, related_name="audit")
    at = models.DateTimeField()
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=200, help_text="Organisation, or `Kubat` for the tick."
    )
    approval = models.ForeignKey(
        Approval, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )
    note = models.TextField(blank=True)
    data: Any = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("at", "pk")
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class DecisionKind(models.TextChoices):
    APPROVAL = "approval", _("Approval")
    REFUSAL = "refusal", _("Refusal")
    PERMIT = "permit", _("Permit")
    APPEAL = "appeal", _("Appeal decision")
    MODIFICATION = "modification", _("Modification")
    TRANSFER = "transfer", _("Transfer")
    DECOMMISSION = "decommission", _("Decommissioning")


class Decision(models.Model):
    """A signed decision: the canonical JSON that was signed, its signature and certificate.

    Never edited: the stored `canonical` text is exactly the bytes signed (UTF-8), so the
    file served later verifies as it did on the day; the certificate is kept with it so a
    rotated key does not orphan old decisions.
    """

    case = models.ForeignKey(PermitCase, on_delete=models.CASCADE, related_name="decisions")
    approval = models.ForeignKey(
        Approval, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    kind = models.CharField(max_length=16, choices=DecisionKind.choices)
    number = models.CharField(max_length=40, unique=True)
    decided_at = models.DateTimeField()
    canonical = models.TextField(help_text="The canonical JSON signed (kubat-jcs-1).")
    algorithm = models.CharField(max_length=10)
    signature = models.TextField(help_text="Base64 of the detached signature.")
    certificate_pem = models.TextField()
    certificate_sha256 = models.CharField(max_length=64)
    public = models.BooleanField(
        default=False, help_text="Shown in the public register (permits and what changes them)."
    )

    class Meta:
        ordering = ("decided_at", "pk")

    def __str__(self) -> str:
        return self.number


class WebhookSubscription(models.Model):
    """An operator's system that wants to hear when one of its organisation's cases changes."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="permit_webhooks"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=64, help_text="HMAC key, shown once at creation.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.organisation}: {self.url}"


class WebhookDelivery(models.Model):
    """One event for one subscription; retried until delivered or given up, same delivery id."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True)
    case = models.ForeignKey(PermitCase, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=40)
    payload: Any = models.JSONField()
    created_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.event}"
