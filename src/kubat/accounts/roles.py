"""The roles Kubat knows; each is a Django group of the same name."""

from django.db import models


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", "E-mobility secretariat"
    OPERATOR = "operator", "Charge point operator"
    AGENCY_REVIEWER = "agency_reviewer", "Agency reviewer"
    IMPORTER = "importer", "Importer or customs broker"
    CUSTOMS = "customs", "Customs officer"
    INVESTOR = "investor", "Investor (PPP calls)"
