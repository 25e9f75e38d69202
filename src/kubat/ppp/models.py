from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CallStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AWARDED = "awarded", _("Awarded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Call(models.Model):
    """A site the secretariat offers for a public-private partnership.

    The call is open for expressions until `deadline_at` (UTC); after it the count of
    expressions is public; `awarded_to` is public once awarded, with the permit case it opened.
    """

    reference = models.CharField(max_length=20, unique=True)
    country_code = models.CharField(max_length=2)
    region = models.CharField(max_length=60)
    city = models.CharField(max_length=45)
    place = models.CharField(max_length=120, help_text="The site: what and where.")
    address = models.CharField(max_length=45)
    latitude = models.FloatField()
    longitude = models.FloatField()
    land_owner = models.CharField(max_length=200)
    grid_capacity_kw = models.FloatField(help_text="Grid capacity available at the site, kW.")
    terms = models.TextField(help_text="Lease or concession terms offered.")
    documents = models.TextField(blank=True, help_text="One document reference or URL a line.")
    deadline_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=CallStatus.choices, default=CallStatus.OPEN)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    awarded_to = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ppp_awards",
    )
    awarded_at = models.DateTimeField(null=True, blank=True)
    permit_case = models.OneToOneField(
        "permits.PermitCase",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ppp_call",
    )
    source = models.CharField(max_length=10, default="portal", help_text="`demo` for demo data.")

    class Meta:
        ordering = ["deadline_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reference} {self.place}"

    @property
    def document_list(self) -> list[str]:
        return [line.strip() for line in self.documents.splitlines() if line.strip()]


class Expression(models.Model):
    """An investor organisation's expression of interest in a call: one per organisation,
    replaced while the call is open. Its contents are seen by its organisation and the
    secretariat only."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="expressions")
    investor = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="ppp_expressions"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    planned_kw = models.FloatField(help_text="Charging power the investor would install, kW.")
    proposal = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "investor"], name="ppp_one_expression_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.call.reference} / {self.investor}"
