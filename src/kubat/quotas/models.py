"""Quota tables. Counters live on `PeriodBalance`, the one row every allocation locks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kubat.quotas.enums import (
    LIVE_CERTIFICATE,
    AllocationRule,
    CertificateStatus,
    Channel,
    Decision,
    DeclarantClass,
    DeclarantKind,
    PersonRule,
    RequestKind,
    RequestStatus,
    SecurityStatus,
    Source,
)


def _bev_only() -> list[str]:
    return ["BEV"]


def _bev_tariff() -> list[str]:
    return ["8703 80"]


def _persons() -> list[str]:
    return [DeclarantKind.PERSON.value]


class QuotaPeriod(models.Model):
    """One country's duty-free volume for one year, and the rules it is drawn under."""

    country_code = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    volume = models.PositiveIntegerField(help_text=_("Units that may be drawn, at most."))
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    validity_days = models.PositiveSmallIntegerField(
        default=90, help_text=_("Days an allocation may wait for clearance before it lapses.")
    )
    tariff_codes = models.JSONField(default=_bev_tariff, help_text=_("EAEU CN FEA headings."))
    powertrains = models.JSONField(default=_bev_only)
    declarant_kinds = models.JSONField(default=_persons)
    per_declarant_cap = models.PositiveIntegerField(null=True, blank=True)
    critical_threshold_pct = models.PositiveSmallIntegerField(default=90)
    allocation_rule = models.CharField(
        max_length=24, choices=AllocationRule.choices, default=AllocationRule.WINDOW_PRO_RATA
    )
    allocation_window_ms = models.PositiveIntegerField(default=1000)
    tie_break_seed = models.CharField(
        max_length=64, help_text=_("Published; tie-break keys are SHA-256(seed:request id).")
    )
    exhausted_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    # Issue 14: the law as data, per period.
    legal_act = models.CharField(
        max_length=500, blank=True, help_text=_("The legal act that sets this quota, cited.")
    )
    person_rule = models.CharField(
        max_length=20, choices=PersonRule.choices, default=PersonRule.CITIZEN_RESIDENT
    )
    reservation_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Days an importer's reservation holds units before the declaration; "
            "empty: the policy reserves nothing (the quota is drawn at the declaration)."
        ),
    )
    duty_rate_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("15"),
        help_text=_("The duty outside the quota in per cent of customs value (the duty forgone)."),
    )
    security_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("15"),
        help_text=_(
            "Security for the duty forgone on draws once critical, in per cent of customs value."
        ),
    )
    critical_at = models.DateTimeField(null=True, blank=True)
    outcome_confirmed_at = models.DateTimeField(null=True, blank=True)
    resale_years = models.PositiveSmallIntegerField(default=3)
    resale_barred = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Per powertrain, the buyer countries a quota vehicle may not be sold to."),
    )

    class Meta:
        ordering = ("-year", "country_code", "name")
        constraints = (
            models.UniqueConstraint(
                fields=("country_code", "year", "name"), name="quotas_period_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(critical_threshold_pct__gte=1, critical_threshold_pct__lte=100),
                name="quotas_period_critical_pct",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="quotas_period_dates"
            ),
        )

    def __str__(self) -> str:
        return self.name


class PeriodBalance(models.Model):
    """The counters of a period; every allocation locks this row (SELECT ... FOR UPDATE).

    `volume` mirrors the period's volume so that the database itself refuses an over-allocation
    (check constraint), whatever a future bug in the services does.
    """

    period = models.OneToOneField(
        QuotaPeriod, primary_key=True, on_delete=models.CASCADE, related_name="balance"
    )
    volume = models.PositiveIntegerField()
    allocated = models.PositiveIntegerField(default=0, help_text=_("Drawn: issued + cleared."))
    cleared = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0, help_text=_("Withdrawn or lapsed, total."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=Q(allocated__lte=models.F("volume")),
                name="quotas_balance_never_over_volume",
            ),
            models.CheckConstraint(
                condition=Q(cleared__lte=models.F("allocated")),
                name="quotas_balance_cleared_within_allocated",
            ),
        )

    @property
    def remaining(self) -> int:
        return self.volume - self.allocated


class SubQuota(models.Model):
    """A share of a period reserved for one declarant class; counters kept under the lock."""

    period = models.ForeignKey(QuotaPeriod, on_delete=models.CASCADE, related_name="sub_quotas")
    declarant_class = models.CharField(max_length=20, choices=DeclarantClass.choices)
    volume = models.PositiveIntegerField()
    allocated = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("period", "declarant_class"), name="quotas_subquota_unique"
            ),
            models.CheckConstraint(
                condition=Q(allocated__lte=models.F("volume")), name="quotas_subquota_within"
            ),
        )

    def __str__(self) -> str:
        return f"{self.period} / {self.declarant_class}"


class CustomsPost(models.Model):
    """A customs office that accepts declarations; its code opens the declaration number."""

    country_code = models.CharField(max_length=2)
    code = models.CharField(max_length=8, unique=True, help_text=_("8-digit customs body code."))
    name = models.CharField(max_length=120)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ("country_code", "code")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Declarant(models.Model):
    """The person or company a declaration is made for, keyed by country and tax number."""

    country_code = models.CharField(max_length=2)
    kind = models.CharField(max_length=8, choices=DeclarantKind.choices)
    tax_id = models.CharField(max_length=14, help_text=_("KG PIN/INN (14 digits), KZ IIN/BIN."))
    name = models.CharField(max_length=200, blank=True)
    declarant_class = models.CharField(
        max_length=20, choices=DeclarantClass.choices, default=DeclarantClass.OTHER
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("country_code", "tax_id"), name="quotas_declarant_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.country_code} {self.tax_id}"


class QuotaRequest(models.Model):
    """A customs declaration that draws the quota (or, where a period reserves, a reservation).

    The class keeps its pre-issue-14 name so that the audit log's `object_type` stays one
    vocabulary across the history. `received_at` is the acceptance time that orders the draw.
    """

    period = models.ForeignKey(QuotaPeriod, on_delete=models.PROTECT, related_name="requests")
    declarant = models.ForeignKey(Declarant, on_delete=models.PROTECT, related_name="requests")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quota_requests"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT
    )
    channel = models.CharField(max_length=4, choices=Channel.choices)
    kind = models.CharField(
        max_length=12, choices=RequestKind.choices, default=RequestKind.DECLARATION
    )
    declaration_number = models.CharField(max_length=40, blank=True)
    customs_post = models.ForeignKey(
        CustomsPost, null=True, blank=True, on_delete=models.PROTECT, related_name="declarations"
    )
    declarant_citizenship = models.CharField(max_length=2, blank=True)
    declarant_residence = models.CharField(
        max_length=2, blank=True, help_text=_("Country of permanent residence (or registration).")
    )
    received_at = models.DateTimeField(db_index=True)
    window = models.BigIntegerField(help_text=_("Allocation window index since opening."))
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    tie_break_key = models.CharField(max_length=64, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        indexes = (models.Index(fields=("period", "status", "window")),)
        constraints = (
            models.UniqueConstraint(
                fields=("declaration_number",),
                condition=Q(kind=RequestKind.DECLARATION),
                name="quotas_declaration_number_unique",
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.declaration_number or self.pk}"


class RequestedVehicle(models.Model):
    """A vehicle of a request, with its own decision and reason."""

    request = models.ForeignKey(QuotaRequest, on_delete=models.PROTECT, related_name="vehicles")
    position = models.PositiveSmallIntegerField()
    vin = models.CharField(max_length=40, db_index=True)
    make = models.CharField(max_length=60)
    model = models.CharField(max_length=80)
    powertrain = models.CharField(max_length=8)
    model_year = models.PositiveSmallIntegerField(null=True, blank=True)
    battery_kwh = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    tariff_code = models.CharField(max_length=16, blank=True)
    customs_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text=_("ISO 4217."))
    origin_country = models.CharField(max_length=2, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.CharField(max_length=30)
    reason_detail = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("request", "position")

    def __str__(self) -> str:
        return self.vin


class Certificate(models.Model):
    """The proof of one allocated VIN; at most one live (issued or cleared) per VIN."""

    number = models.CharField(max_length=24, unique=True)
    vehicle = models.OneToOneField(
        RequestedVehicle, on_delete=models.PROTECT, related_name="certificate"
    )
    period = models.ForeignKey(QuotaPeriod, on_delete=models.PROTECT, related_name="certificates")
    vin = models.CharField(max_length=17)
    status = models.CharField(
        max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.ISSUED
    )
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    customs_declaration = models.CharField(max_length=40, blank=True)
    restricted_until = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text=_("Withdrawn or lapsed."))
    security_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    security_currency = models.CharField(max_length=3, blank=True)
    security_status = models.CharField(max_length=10, choices=SecurityStatus.choices, blank=True)
    security_released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("vin",),
                condition=Q(status__in=LIVE_CERTIFICATE),
                name="quotas_one_live_certificate_per_vin",
            ),
        )
        indexes = (models.Index(fields=("period", "status", "valid_until")),)

    def __str__(self) -> str:
        return self.number


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("the quota audit log is append-only")

    def delete(self) -> NoReturn:
        raise TypeError("the quota audit log is append-only")


class AuditEvent(models.Model):
    """One state change: who, what, when, before and after. Append-only.

    `allocated_delta` and `cleared_delta` are the change to the period's balance, so that the
    sum over a period's events equals its balance (checked by the rush benchmark and tests).
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    period = models.ForeignKey(QuotaPeriod, null=True, blank=True, on_delete=models.PROTECT)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    allocated_delta = models.IntegerField(default=0)
    cleared_delta = models.IntegerField(default=0)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("the quota audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("the quota audit log is append-only")
