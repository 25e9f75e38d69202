"""OCPI peers: the platforms Kubat exchanges credentials with, and the tokens between them.

Token naming follows the spec (chapter 7): Token A is issued out of band by the party being
registered with; B and C are exchanged by the credentials module. Whatever the peer presents to
Kubat (A issued by us, then B or C) is ours to verify and is stored only as a SHA-256 digest;
the token Kubat presents to the peer is the peer's to verify, so we must keep it in plain text.
"""

from __future__ import annotations

from django.db import models


class Peer(models.Model):
    """Another OCPI platform: an operator pushing to Kubat, or one Kubat pulls from."""

    class State(models.TextChoices):
        PENDING = "pending", "Token A issued, not registered yet"
        REGISTERED = "registered", "Registered"
        UNREGISTERED = "unregistered", "Unregistered"

    name = models.CharField(max_length=100)
    parties = models.ManyToManyField(
        "registry.Party",
        related_name="ocpi_peers",
        help_text="The parties this peer may write locations for (its credentials roles).",
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    token_a_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_digest = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text="Digest of the token the peer presents to Kubat (B or C).",
    )
    next_token_digest = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text="Digest of the token Kubat is rotating to while it renews its credentials "
        "with the peer: accepted beside the current one until the peer confirms.",
    )
    their_token = models.CharField(
        max_length=64, blank=True, help_text="The token Kubat presents to the peer (B or C)."
    )
    versions_url = models.URLField(max_length=255, blank=True)
    version = models.CharField(max_length=10, blank=True)
    endpoints = models.JSONField(
        default=list, blank=True, help_text="The peer's version details endpoints."
    )
    roles = models.JSONField(default=list, blank=True, help_text="The peer's credentials roles.")
    pull_from = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Resume point of `kubat ocpi pull`: the date_from of the next pull.",
    )
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    kubat_registered = models.BooleanField(
        default=False,
        help_text="Kubat registered with this peer (Kubat is its credentials client), so Kubat "
        "renews the credentials and may unregister.",
    )
    credentials_at = models.DateTimeField(
        null=True, blank=True, help_text="When the tokens were last exchanged (POST or PUT)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def endpoint(self, identifier: str, role: str) -> str | None:
        for item in self.endpoints:
            if item.get("identifier") == identifier and item.get("role") == role:
                return str(item["url"])
        return None


class ChargeDetailRecord(models.Model):
    """An OCPI CDR an operator pushed (spec chapter 10): one finished session, never changed.

    The whole object is kept as received (`body`); the columns beside it are what Kubat reads:
    energy per location and month for the emissions figures (ocpi.cdrs). A credit CDR reverses
    the one it names, so its energy counts negative.
    """

    party = models.ForeignKey(
        "registry.Party", on_delete=models.PROTECT, related_name="charge_detail_records"
    )
    ocpi_id = models.CharField(max_length=39)
    location_ref = models.CharField(max_length=36, help_text="cdr_location.id, the location.")
    evse_uid = models.CharField(max_length=36)
    start_date_time = models.DateTimeField()
    end_date_time = models.DateTimeField()
    total_energy_kwh = models.FloatField()
    credit = models.BooleanField(default=False)
    body = models.JSONField(help_text="The CDR object as received.")
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = "charge detail record"
        constraints = [
            models.UniqueConstraint(fields=["party", "ocpi_id"], name="ocpi_cdr_once_per_party")
        ]
        indexes = [models.Index(fields=["start_date_time"], name="ocpi_cdr_start")]

    def __str__(self) -> str:
        return f"CDR {self.ocpi_id} ({self.total_energy_kwh} kWh)"
