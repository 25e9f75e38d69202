from __future__ import annotations

from django.conf import settings
from django.db import models


class Organisation(models.Model):
    """A body a user acts for: an operator, importer, agency, investor or the secretariat."""

    class Kind(models.TextChoices):
        SECRETARIAT = "secretariat", "Secretariat or ministry"
        OPERATOR = "operator", "Charge point operator"
        AGENCY = "agency", "Permitting agency"
        IMPORTER = "importer", "Importer, dealer or customs broker"
        CUSTOMS = "customs", "Customs"
        INVESTOR = "investor", "Investor"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    country_code = models.CharField(max_length=2)
    tax_id = models.CharField(max_length=20, blank=True, help_text="INN (KG) or BIN (KZ).")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Ties a user to the one organisation they act for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class ApiToken(models.Model):
    """A bearer token for a machine client; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LanguagePreference(models.Model):
    """The language a person reads Kubat's e-mails in.

    E-mails go to people who are not in the request that causes them (a reviewer learns of a
    case the applicant submitted), so they are written in the recipient's language, not the
    sender's. `chosen` marks a language the person picked with the switcher (or an
    administrator set); otherwise it is the language they last used the site in, kept up to
    date by kubat.accounts.middleware.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    chosen = models.BooleanField(
        default=False,
        help_text="Picked by the person (kept); otherwise the language they last used.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"
