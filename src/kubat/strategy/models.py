from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Target(models.Model):
    """A target of the strategy: an indicator's value to reach in a country (or a region) by
    the end of `year`, from a legal act. `baseline` is the indicator's value when the target
    was set (taken live), the start of the line the status rule measures progress along."""

    indicator = models.CharField(max_length=40)
    country_code = models.CharField(max_length=2)
    region = models.CharField(max_length=60, blank=True, help_text="Blank: the whole country.")
    year = models.PositiveSmallIntegerField()
    value = models.FloatField()
    baseline = models.FloatField(null=True, blank=True)
    set_at = models.DateTimeField()
    legal_act = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, default="portal", help_text="`demo` for demo data.")

    class Meta:
        ordering = ["country_code", "year", "indicator", "pk"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.country_code} {self.year}: {self.value:g}"


class Decision(models.Model):
    """A decision of the interdepartmental working group; the actions it creates point to it."""

    country_code = models.CharField(max_length=2)
    decided_on = models.DateField()
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    source = models.CharField(max_length=10, default="portal")

    class Meta:
        ordering = ["-decided_on", "pk"]

    def __str__(self) -> str:
        return f"{self.decided_on} {self.title}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ACTION = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class Action(models.Model):
    """A measure an agency owns, due by a date; overdue while open after `due_on`."""

    country_code = models.CharField(max_length=2)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="strategy_actions"
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    evidence = models.TextField(blank=True, help_text="What shows it is done: act, link, report.")
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    target = models.ForeignKey(
        Target, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    source = models.CharField(max_length=10, default="portal")

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class EnergyReport(models.Model):
    """Energy one location delivered in one month, as its operator uploaded it (kWh)."""

    country_code = models.CharField(max_length=2)
    region = models.CharField(max_length=60)
    location_ref = models.CharField(max_length=80, help_text="The operator's OCPI location id.")
    party = models.CharField(max_length=6, help_text="OCPI party, e.g. KG*ECH.")
    month = models.DateField(help_text="The first day of the month.")
    kwh = models.FloatField()
    uploaded_at = models.DateTimeField()
    source = models.CharField(max_length=10, default="upload")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["party", "location_ref", "month"], name="strategy_energy_once_a_month"
            )
        ]
        ordering = ["month", "party", "location_ref"]


class QuarterlyReport(models.Model):
    """A generated quarterly report, kept as it was: the CSV and the PDF of that moment."""

    quarter = models.CharField(max_length=7, help_text="e.g. 2026Q4")
    generated_at = models.DateTimeField()
    csv = models.TextField()
    pdf = models.BinaryField()

    class Meta:
        ordering = ["-generated_at"]

    def __str__(self) -> str:
        return f"{self.quarter} ({self.generated_at:%Y-%m-%d})"
