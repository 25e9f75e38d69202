"""A driver's report about a location (optionally one EVSE) and the operator's answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NOT_WORKING = "NOT_WORKING", _("A charging point does not work")
    WRONG_DETAIL = "WRONG_DETAIL", _("A detail is wrong")


class State(models.TextChoices):
    OPEN = "OPEN", _("Open")
    ANSWERED = "ANSWERED", _("Answered by the operator")
    FIXED = "FIXED", _("Fixed")
    DISMISSED = "DISMISSED", _("Dismissed")


# Open reports show on the location's page and count as open in the scorecards.
OPEN_STATES = (State.OPEN, State.ANSWERED)


class DriverReport(models.Model):
    location = models.ForeignKey(
        "registry.Location", on_delete=models.CASCADE, related_name="driver_reports"
    )
    evse = models.ForeignKey(
        "registry.EVSE", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    message = models.TextField(max_length=1000)
    # The photo is kept in the database (small, checked image), so a backup holds it.
    photo = models.BinaryField(null=True, blank=True, editable=False)
    photo_type = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField(max_length=1000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    source = models.CharField(max_length=10, default="public", help_text="public or demo")

    class Meta:
        indexes = [models.Index(fields=["location", "state"], name="driverreport_loc_state")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.location_id} ({self.state})"
