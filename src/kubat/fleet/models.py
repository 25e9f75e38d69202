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
    """Planned against produced units for one maker, country and year."""

    country_code = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    maker = models.CharField(max_length=100)
    planned_units = models.PositiveIntegerField(null=True, blank=True)
    produced_units = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = (
            "country_code",
            "year",
            "maker",
        )
        constraints = (
            models.UniqueConstraint(
                fields=["country_code", "year", "maker"], name="fleet_production_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.maker} {self.country_code} {self.year}"
