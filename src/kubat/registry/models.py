"""The national charging registry, shaped like OCPI 2.2.1: Party → Location → EVSE → Connector.

Field names follow OCPI so that mapping to and from the wire is mechanical. Kubat adds the
administrative region, the data source and values derived from the connectors (maximum power,
charging class), kept up to date by `registry.services`, the one module that writes these
rows, never by save() overrides.
"""

from __future__ import annotations

from django.db import models

from kubat.registry.enums import (
    CONNECTOR_FORMAT_CHOICES,
    CONNECTOR_TYPE_CHOICES,
    PARKING_TYPE_CHOICES,
    POWER_TYPE_CHOICES,
    STATUS_CHOICES,
    ChargingClass,
    Source,
    Status,
)


class Party(models.Model):
    """An OCPI party (mostly a charge point operator), keyed by country_code and party_id."""

    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    name = models.CharField(max_length=100)
    website = models.URLField(blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parties",
        help_text="Operator accounts of this organisation may write the party's locations.",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ADMIN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "parties"
        constraints = [
            models.UniqueConstraint(fields=["country_code", "party_id"], name="party_key_unique")
        ]
        ordering = ["country_code", "party_id"]

    def __str__(self) -> str:
        return f"{self.key} {self.name}"

    @property
    def key(self) -> str:
        """The `KG*KUB` form used in commands and eMI3 identifiers."""
        return f"{self.country_code}*{self.party_id}"


class Location(models.Model):
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="locations")
    ocpi_id = models.CharField(max_length=36, help_text="OCPI Location.id, unique per party.")
    publish = models.BooleanField(default=True)
    publish_allowed_to = models.JSONField(null=True, blank=True)
    name = models.CharField(max_length=255, blank=True)
    address = models.CharField(max_length=45)
    city = models.CharField(max_length=45)
    postal_code = models.CharField(max_length=10, blank=True)
    state = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=3, help_text="ISO 3166-1 alpha-3, as OCPI sends it.")
    country_code = models.CharField(
        max_length=2, db_index=True, help_text="ISO 3166-1 alpha-2 of `country`, for filters."
    )
    region = models.CharField(max_length=60, blank=True, db_index=True)
    # The wire strings are kept so that an OCPI object round-trips byte for byte;
    # lat/lon are their float values for queries.
    latitude = models.CharField(max_length=11)
    longitude = models.CharField(max_length=12)
    lat = models.FloatField()
    lon = models.FloatField()
    related_locations = models.JSONField(null=True, blank=True)
    parking_type = models.CharField(
        max_length=20, choices=PARKING_TYPE_CHOICES, null=True, blank=True
    )
    directions = models.JSONField(null=True, blank=True)
    operator = models.JSONField(null=True, blank=True, help_text="OCPI BusinessDetails.")
    suboperator = models.JSONField(null=True, blank=True)
    owner = models.JSONField(null=True, blank=True)
    facilities = models.JSONField(null=True, blank=True)
    time_zone = models.CharField(max_length=255)
    opening_times = models.JSONField(null=True, blank=True)
    charging_when_closed = models.BooleanField(null=True, blank=True)
    images = models.JSONField(null=True, blank=True)
    energy_mix = models.JSONField(null=True, blank=True)
    # OCPI 2.3.0 additions (the registry holds the union of the versions' fields; each
    # version's wire mapping, registry.wire, sends only what that version defines).
    help_phone = models.CharField(
        max_length=25, blank=True, help_text="OCPI 2.3.0: a phone number drivers may call."
    )
    parking_places = models.JSONField(
        null=True, blank=True, help_text="OCPI 2.3.0 Parking objects, as sent."
    )
    last_updated = models.DateTimeField(db_index=True)

    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ADMIN)
    max_power_kw = models.FloatField(default=0)
    charging_class = models.CharField(max_length=3, choices=ChargingClass.choices, blank=True)
    evse_count = models.PositiveIntegerField(default=0)
    # The location as a public DC station (registry.derived.Summary): in-service DC EVSEs of a
    # published location, kept by the write path so insights reads stations without a scan.
    dc_standards = models.CharField(max_length=200, blank=True)
    dc_kw = models.FloatField(default=0)
    dc_max_kw = models.FloatField(default=0)
    dc_points = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "ocpi_id"], name="location_party_id_unique")
        ]
        indexes = [
            models.Index(fields=["country_code", "city"], name="location_country_city"),
            # Ending in id, so that "the first N stations of a region with these standards"
            # (insights' compatibility) is an ordered index range on PostgreSQL, not a sort of
            # every match (SQLite's indexes end in the rowid anyway).
            models.Index(
                fields=["country_code", "region", "dc_standards", "id"],
                name="location_dc_station_by_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party.key}/{self.ocpi_id} {self.name}"


class EVSE(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="evses")
    uid = models.CharField(max_length=36)
    evse_id = models.CharField(max_length=48, null=True, blank=True)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=Status.UNKNOWN)
    status_schedule = models.JSONField(null=True, blank=True)
    capabilities = models.JSONField(null=True, blank=True)
    floor_level = models.CharField(max_length=4, null=True, blank=True)
    latitude = models.CharField(max_length=11, null=True, blank=True)
    longitude = models.CharField(max_length=12, null=True, blank=True)
    physical_reference = models.CharField(max_length=16, null=True, blank=True)
    directions = models.JSONField(null=True, blank=True)
    parking_restrictions = models.JSONField(null=True, blank=True)
    images = models.JSONField(null=True, blank=True)
    parking = models.JSONField(
        null=True, blank=True, help_text="OCPI 2.3.0 EVSEParking links to parking_places."
    )
    accepted_service_providers = models.JSONField(
        null=True, blank=True, help_text="OCPI 2.3.0: eMSPs whose contracts this EVSE accepts."
    )
    last_updated = models.DateTimeField()
    status_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When live status was last reported, for freshness rules."
    )
    max_power_kw = models.FloatField(default=0)

    class Meta:
        verbose_name = "EVSE"
        constraints = [
            models.UniqueConstraint(fields=["location", "uid"], name="evse_location_uid_unique")
        ]

    def __str__(self) -> str:
        return self.evse_id or self.uid


class Connector(models.Model):
    evse = models.ForeignKey(EVSE, on_delete=models.CASCADE, related_name="connectors")
    ocpi_id = models.CharField(max_length=36)
    standard = models.CharField(max_length=24, choices=CONNECTOR_TYPE_CHOICES)
    format = models.CharField(max_length=6, choices=CONNECTOR_FORMAT_CHOICES)
    power_type = models.CharField(max_length=16, choices=POWER_TYPE_CHOICES)
    max_voltage = models.PositiveIntegerField()
    max_amperage = models.PositiveIntegerField()
    max_electric_power = models.PositiveIntegerField(null=True, blank=True, help_text="W")
    tariff_ids = models.JSONField(null=True, blank=True)
    terms_and_conditions = models.URLField(null=True, blank=True)
    capabilities = models.JSONField(null=True, blank=True, help_text="OCPI 2.3.0.")
    last_updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evse", "ocpi_id"], name="connector_evse_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.standard} {self.ocpi_id}"


class SearchPoint(models.Model):
    """One row per (public location, connector standard) plus one for "any standard" (code 0).

    The spatial index lives beside this table (an R*Tree on SQLite, a GiST expression index on
    PostgreSQL; see docs/decisions/0002-spatial-index.md); services rebuild a location's rows
    whenever its connectors or publication change.
    """

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    code = models.PositiveSmallIntegerField()
    lat = models.FloatField()
    lon = models.FloatField()
    max_kw = models.FloatField()
    # The location has an EVSE in service (evse_count > 0): the default search reads only these,
    # from the index alone (docs/decisions/0006-box-search.md).
    in_service = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["location"], name="searchpoint_location")]


class SearchCell(models.Model):
    """Public locations per (connector standard, grid cell): the "about N" of a dense box.

    The cell of a point is (floor(lon * CELLS_PER_DEGREE), floor(lat * CELLS_PER_DEGREE)), a
    1/50-degree square (about 2.2 km × 1.6 km at 43° N); `code` is a standard's code or 0 for
    any standard, as in SearchPoint. A public location (registry.publicity) counts once in its
    cell for each code it has a search row for. Kept by the write path from each location's
    summary (registry.derived, registry.index) and equal to a rebuild; search reads it only
    when an exact count passes its bound (registry.spatial, docs/decisions/0006-box-search.md).
    """

    code = models.PositiveSmallIntegerField()
    cell_y = models.IntegerField()
    cell_x = models.IntegerField()
    locations = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "cell_y", "cell_x"], name="searchcell_unique")
        ]


class StatCounter(models.Model):
    """Maintained national aggregates, so /stats reads a few dozen rows instead of scanning."""

    country_code = models.CharField(max_length=2)
    dimension = models.CharField(max_length=40)
    key = models.CharField(max_length=300, blank=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "dimension", "key"], name="statcounter_unique"
            )
        ]


class EVSEStatusEvent(models.Model):
    """One accepted status report of an EVSE: append-only, never updated or deleted by Kubat.

    The raw material for uptime and utilisation. On PostgreSQL the table is partitioned by month
    of `received_at` with a BRIN index on time and a B-tree on (evse, received_at) per partition;
    see docs/decisions/0003-status-events.md. There is no database foreign key to the EVSE, so the
    hot status path pays no constraint check and history outlives a deleted location.
    """

    evse = models.ForeignKey(
        EVSE, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    status = models.CharField(max_length=12, choices=STATUS_CHOICES)
    reported_at = models.DateTimeField(help_text="The operator's last_updated for this status.")
    received_at = models.DateTimeField(help_text="When Kubat accepted it; the partition key.")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.OCPI)

    class Meta:
        verbose_name = "EVSE status event"
        indexes = [models.Index(fields=["evse", "received_at"], name="evsestatus_evse_time")]

    def __str__(self) -> str:
        return f"{self.evse_id} {self.status} @ {self.reported_at:%Y-%m-%d %H:%M:%S}"


class Tariff(models.Model):
    """An operator's OCPI Tariff as it stands now; what it was before is in TariffVersion.

    The whole object is kept as received (validated, in `body`), with the columns Kubat
    queries by beside it. Connectors name tariffs by id in `tariff_ids` (registry.compliance
    checks that each resolves).
    """

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="tariffs")
    ocpi_id = models.CharField(max_length=36)
    currency = models.CharField(max_length=3)
    type = models.CharField(max_length=16, blank=True)
    tax_included = models.CharField(
        max_length=3,
        choices=[("YES", "YES"), ("NO", "NO"), ("N/A", "N/A")],
        default="NO",
        help_text="OCPI 2.3.0 TaxIncluded: whether the amounts include tax (a 2.2.1 tariff's "
        "exclude VAT: NO when it states VAT, N/A when it states none).",
    )
    start_date_time = models.DateTimeField(null=True, blank=True)
    end_date_time = models.DateTimeField(null=True, blank=True)
    body = models.JSONField(
        help_text="The OCPI Tariff object as received, in its version's shape (2.2.1 or 2.3.0)."
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ADMIN)
    last_updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "ocpi_id"], name="tariff_party_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.party.key}/{self.ocpi_id} ({self.currency})"


class TariffVersion(models.Model):
    """A tariff as it was, and when: the price history, appended on every change.

    `valid_from` is the version's own last_updated; `valid_until` is the next version's
    last_updated, or the time of the tariff's deletion (None while it is current).
    """

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    ocpi_id = models.CharField(max_length=36)
    body = models.JSONField()
    source = models.CharField(max_length=10, choices=Source.choices)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["party", "ocpi_id", "valid_from"], name="tariffversion_key_time")
        ]


# The columns of a status rollup row: open seconds in each OCPI status, and without data (the
# last status was older than the profile's freshness limit). registry.rollups maintains them.
ROLLUP_COLUMNS = (
    "available_s",
    "blocked_s",
    "charging_s",
    "inoperative_s",
    "outoforder_s",
    "planned_s",
    "removed_s",
    "reserved_s",
    "unknown_s",
    "nodata_s",
)


class _StatusSeconds(models.Model):
    """Seconds within opening hours spent in each status (docs/decisions/0004-status-rollups.md)."""

    evse = models.ForeignKey(
        EVSE, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    available_s = models.BigIntegerField(default=0)
    blocked_s = models.BigIntegerField(default=0)
    charging_s = models.BigIntegerField(default=0)
    inoperative_s = models.BigIntegerField(default=0)
    outoforder_s = models.BigIntegerField(default=0)
    planned_s = models.BigIntegerField(default=0)
    removed_s = models.BigIntegerField(default=0)
    reserved_s = models.BigIntegerField(default=0)
    unknown_s = models.BigIntegerField(default=0)
    nodata_s = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class EVSEStatusDay(_StatusSeconds):
    """One EVSE's open seconds per status on one local day (the location's time zone)."""

    day = models.DateField()

    class Meta:
        verbose_name = "EVSE status day"
        constraints = [
            models.UniqueConstraint(fields=["evse", "day"], name="evsestatusday_evse_day_unique")
        ]
        indexes = [models.Index(fields=["day"], name="evsestatusday_day")]


class EVSEStatusMonth(_StatusSeconds):
    """The same per local month (`month` is its first day): what national figures read."""

    month = models.DateField()

    class Meta:
        verbose_name = "EVSE status month"
        constraints = [
            models.UniqueConstraint(
                fields=["evse", "month"], name="evsestatusmonth_evse_month_unique"
            )
        ]
        indexes = [models.Index(fields=["month"], name="evsestatusmonth_month")]


class EVSEStatusCursor(models.Model):
    """Where the rollup of one EVSE stands: its last folded status, reported when, counted to."""

    evse_id = models.BigIntegerField(primary_key=True)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES)
    reported_at = models.DateTimeField(help_text="The last folded report (freshness runs from it).")
    settled_until = models.DateTimeField(help_text="Time before this is in the rollups.")

    class Meta:
        verbose_name = "EVSE status cursor"


class StatusRollupMark(models.Model):
    """The last status event folded into the rollups (one row, name 'status')."""

    name = models.CharField(max_length=20, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()
