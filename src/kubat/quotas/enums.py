"""Quota vocabularies; each value is the stored and wire string."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AllocationRule(models.TextChoices):
    WINDOW_PRO_RATA = (
        "fcfs_window_pro_rata",
        _("First come, first served; same-window requests share pro rata"),
    )
    STRICT_ORDER = "fcfs_strict", _("First come, first served in strict receipt order")


class DeclarantKind(models.TextChoices):
    PERSON = "person", _("Resident person")
    COMPANY = "company", _("Company")


class DeclarantClass(models.TextChoices):
    """Importer classes a period may give sub-quotas to (Armenia 2025 split dealers/others)."""

    AUTHORISED_DEALER = "authorised_dealer", _("Dealer with a manufacturer contract")
    OTHER = "other", _("Everyone else")


class PersonRule(models.TextChoices):
    """Which natural persons a period admits, as its legal act says."""

    CITIZEN_RESIDENT = "citizen_resident", _("Citizens permanently resident in the country")
    RESIDENT = "resident", _("Permanent residents of any citizenship")


class RequestKind(models.TextChoices):
    """A declaration draws the quota; a reservation holds units only where a period reserves."""

    DECLARATION = "declaration", _("Customs declaration (draws the quota)")
    RESERVATION = "reservation", _("Reservation before the declaration (where the policy allows)")


class SecurityStatus(models.TextChoices):
    HELD = "held", _("Security held until the period's outcome is confirmed")
    RELEASED = "released", _("Security released")


class Channel(models.TextChoices):
    API = "api", _("API")
    FORM = "form", _("Web form")
    CSV = "csv", _("CSV upload")
    DEMO = "demo", _("Demo data")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Received, waiting for its allocation window to close")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Decision(models.TextChoices):
    PENDING = "pending", _("Eligible, waiting for allocation")
    ALLOCATED = "allocated", _("Allocated")
    REFUSED = "refused", _("Refused")


class Reason(models.TextChoices):
    """Why a VIN was refused (or `allocated`); the wire string is stable for clients."""

    ALLOCATED = "allocated", _("Allocated from the quota")
    INVALID_VIN = "invalid_vin", _("Not a valid ISO 3779 VIN")
    REPEATED_IN_REQUEST = "repeated_in_request", _("VIN listed twice in this request")
    REPEATED_IN_WINDOW = "repeated_in_window", _("VIN requested twice in the same window")
    ALREADY_DRAWN = "already_drawn", _("VIN already drew a quota unit")
    POWERTRAIN = "powertrain_not_admitted", _("Powertrain not admitted by this period")
    TARIFF_CODE = "tariff_code_not_admitted", _("Tariff code not admitted by this period")
    UNKNOWN_MODEL = "unknown_model", _("Model not in the catalogue and no specs declared")
    MODEL_MISMATCH = "model_mismatch", _("Declared powertrain contradicts the catalogue")
    MODEL_YEAR = "model_year", _("Implausible model year")
    NOT_RESIDENT = "declarant_not_resident", _("Declarant not permanently resident in the country")
    NOT_CITIZEN = "declarant_not_citizen", _("Declarant not a citizen of the country")
    CAP = "declarant_cap", _("Declarant's cap reached")
    EXHAUSTED = "quota_exhausted", _("Quota exhausted")
    PRO_RATA = "pro_rata_share", _("Not within this request's pro-rata share")
    WITHDRAWN = "withdrawn", _("Request withdrawn before a decision")


class CertificateStatus(models.TextChoices):
    ISSUED = "issued", _("Issued, not yet cleared")
    CLEARED = "cleared", _("Cleared by customs")
    WITHDRAWN = "withdrawn", _("Withdrawn, unit returned")
    LAPSED = "lapsed", _("Lapsed uncleared, unit returned")
    USED = "used", _("Reservation used by a customs declaration")


LIVE_CERTIFICATE = (CertificateStatus.ISSUED, CertificateStatus.CLEARED)


class Source(models.TextChoices):
    PUBLISHED = "published", _("Published figure")
    MANUAL = "manual", _("Entered in Kubat")
    DEMO = "demo", _("Generated demo data")
