"""Fleet tables: EV models, registrations (one per VIN) and domestic production per year."""

from __future__ import annotations

from django.db import models

from kubat.fleet.enums import Origin, Powertrain, Source


class EVModel(models.Model):
    """A vehicle model with the specifications the charging network cares about.

    Connector standards use the OCPI 2.2.1 ConnectorType strings (GBT_AC, IEC_62196_T2_COMBO...).
    """

    make = models.CharField(max_length=60)
    model = models.CharField(max_length=80)
    variant = models.CharField(max_length=80, blank=True)
    powertrain = models.CharField(max_length=4, choices=Powertrain.choices)
    battery_kwh = models.DecimalField(max_digits=6, decimal_places=1)
    ac_connectors = models.JSONField(default=list, blank=True)
    dc_connectors = models.JSONField(default=list, blank=True)
    max_ac_kw = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    max_dc_kw = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    consumption_kwh_100km = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True
    )
    market = models.CharField(max_length=40, blank=True, help_text="e.g. China, Europe.")
    spec_source = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = (
            "make",
            "model",
            "variant",
        )
        constraints = (
            models.UniqueConstraint(
                fields=["make", "model", "variant"], name="fleet_evmodel_unique_name"
            ),
        )

    def __str__(self) -> str:
        return " ".join(p for p in (self.make, self.model, self.variant) if p)


class Registration(models.Model):
    """One registered vehicle; a VIN is registered once (re-registration updates the row)."""

    vin = models.CharField(max_length=17, unique=True)
    ev_model = models.ForeignKey(
        EVModel, null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    make = models.CharField(max_length=60)
    model = models.CharField(max_length=80)
    powertrain = models.CharField(max_length=4, choices=Powertrain.choices)
    country_code = models.CharField(max_length=2)
    region = models.CharField(max_length=80, blank=True)
    registered_on = models.DateField()
    origin = models.CharField(max_length=12, choices=Origin.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        indexes = (models.Index(fields=["country_code", "registered_on"]),)

    def __str__(self) -> str:
        return f"{self.vin} {self.make} {self.model}"


class DomesticProduction(models.Model):
    """Planned against produced units for one maker, model (blank: every model) and year.

    `home_market_units` and the export rows split what was produced; Kazakhstan's JAC plan
    (1,200 units for 2021, 2,000 for 2022) was published for the home market and export
    together, so its split stays empty until the maker reports it.
    """

    country_code = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    maker = models.CharField(max_length=100)
    model = models.CharField(max_length=80, blank=True, help_text="Blank: every model.")
    planned_units = models.PositiveIntegerField(null=True, blank=True)
    produced_units = models.PositiveIntegerField(null=True, blank=True)
    home_market_units = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = (
            "country_code",
            "year",
            "maker",
            "model",
        )
        constraints = (
            models.UniqueConstraint(
                fields=["country_code", "year", "maker", "model"], name="fleet_production_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.maker} {self.model} {self.country_code} {self.year}".replace("  ", " ")


class ProductionExport(models.Model):
    """Units of one production row exported to one destination country."""

    production = models.ForeignKey(
        DomesticProduction, on_delete=models.CASCADE, related_name="exports"
    )
    destination_country = models.CharField(max_length=2)
    units = models.PositiveIntegerField()

    class Meta:
        ordering = ("production", "destination_country")
        constraints = (
            models.UniqueConstraint(
                fields=["production", "destination_country"], name="fleet_export_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.production} -> {self.destination_country}: {self.units}"


class RegistrationCount(models.Model):
    """Registrations per country, region, year, powertrain, catalogue model and source,
    maintained.

    Kept by the fleet's one write path (`fleet.services.import_registrations`, the admin through
    `fleet.services.save_registration` / `delete_registration`) so that insights reads a few
    hundred rows instead of grouping millions; `fleet.services.rebuild_registration_counts`
    recomputes it from the rows, and a test proves both agree. `model_id` is the EVModel's pk,
    0 when the registration's model is not in the catalogue (a plain integer, not a foreign
    key, so that "unknown" is a value the unique constraint sees on every database). `source`
    is there so that "does this fleet hold demo data?", which every insights answer states, is
    read from these rows too, not by searching the register.
    """

    country_code = models.CharField(max_length=2)
    region = models.CharField(max_length=80, blank=True)
    year = models.PositiveSmallIntegerField()
    powertrain = models.CharField(max_length=4, choices=Powertrain.choices)
    model_id = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=10, choices=Source.choices)
    vehicles = models.BigIntegerField(default=0)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["country_code", "region", "year", "powertrain", "model_id", "source"],
                name="fleet_registrationcount_unique",
            ),
        )

    def __str__(self) -> str:
        return f"{self.country_code} {self.region} {self.year} {self.powertrain}: {self.vehicles}"
