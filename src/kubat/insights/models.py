"""Insights' own tables: corridors, candidate sites, siting runs and yearly supply snapshots.

Everything else insights shows is computed from the registry and the fleet when asked.
"""

from __future__ import annotations

from django.db import models


class Source(models.TextChoices):
    SHIPPED = "shipped", "Shipped with Kubat (approximate geometry)"
    IMPORT = "import", "Imported from a file"
    DEMO = "demo", "Generated demo data"


class Corridor(models.Model):
    """A main road as a WGS84 line, with its segments (mountain passes, range factors).

    `coordinates` is the GeoJSON LineString's coordinate list, [[lon, lat], ...] in EPSG:4326.
    `segments` lists {"name", "from_km", "to_km", "range_factor", "pass", "winter_closure"} in
    kilometres along the line from its first point; a range factor below 1 says an EV goes
    that much less far there (cold, climb), so a gap across it counts as longer.
    """

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    countries = models.CharField(max_length=20, help_text="Alpha-2 codes, comma-separated.")
    coordinates = models.JSONField()
    nominal_km = models.FloatField(null=True, blank=True, help_text="Published road length.")
    traffic_weight = models.FloatField(
        default=1.0, help_text="Relative traffic (vehicles a day, or any consistent weight)."
    )
    segments = models.JSONField(default=list, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)

    class Meta:
        ordering = ("countries", "code")

    def __str__(self) -> str:
        return self.name

    @property
    def country_list(self) -> list[str]:
        return [c for c in self.countries.split(",") if c]


class CandidateSite(models.Model):
    """A site someone proposes for a station (uploaded CSV), for the siting models."""

    country_code = models.CharField(max_length=2)
    name = models.CharField(max_length=120)
    lat = models.FloatField()
    lon = models.FloatField()
    batch = models.CharField(max_length=40, help_text="Upload batch, e.g. investor-2026-11.")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = (models.Index(fields=["country_code", "batch"]),)

    def __str__(self) -> str:
        return f"{self.name} ({self.batch})"


class SitingRun(models.Model):
    """One solved siting instance: its parameters, the greedy and MILP answers, and timings."""

    country_code = models.CharField(max_length=2)
    model = models.CharField(max_length=12, help_text="covering or p_median.")
    parameters = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.country_code} {self.model} {self.created_at:%Y-%m-%d %H:%M}"


class SupplySnapshot(models.Model):
    """Public charging in service in one region at the end of one year.

    The registry knows only the present; the adequacy trend needs the past, so
    `kubat insights snapshot` records each year's figures (run it on 31 December).
    """

    country_code = models.CharField(max_length=2)
    region = models.CharField(max_length=80)
    year = models.PositiveSmallIntegerField()
    installed_kw = models.FloatField()
    dc_kw = models.FloatField()
    points = models.PositiveIntegerField()
    dc_points = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)
    taken_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["country_code", "region", "year"], name="insights_snapshot_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.country_code} {self.region} {self.year}"


class ProjectionScenario(models.Model):
    """The secretariat's parameters of one fleet-projection scenario (low, central, high).

    `parameters` holds the fields of `projection.Scenario`; missing ones take its defaults.
    Edited through `services.save_scenario` (the API, the admin), which checks the limits.
    """

    country_code = models.CharField(max_length=2)
    name = models.CharField(max_length=10, help_text="low, central or high.")
    parameters = models.JSONField(default=dict)
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["country_code", "name"], name="insights_scenario_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.country_code} {self.name}"
