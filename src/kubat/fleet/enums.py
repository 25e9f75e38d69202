"""Fleet vocabularies; each value is the stored string."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Powertrain(models.TextChoices):
    """How a vehicle is driven; the quota periods admit some of these by name."""

    BEV = "BEV", _("Battery electric")
    EREV = "EREV", _("Series hybrid (range-extended electric)")
    PHEV = "PHEV", _("Plug-in hybrid")
    HEV = "HEV", _("Hybrid (no plug)")


class Origin(models.TextChoices):
    QUOTA_IMPORT = "quota_import", _("Duty-free quota import")
    DOMESTIC = "domestic", _("Domestic production")
    OTHER = "other", _("Other import")


class Source(models.TextChoices):
    PUBLISHED = "published", _("Published specification or statistic")
    IMPORT = "import", _("Imported file")
    MANUAL = "manual", _("Entered by hand")
    DEMO = "demo", _("Generated demo data")
