from django.apps import AppConfig


class OcpiConfig(AppConfig):
    name = "kubat.ocpi"
    label = "ocpi"
    verbose_name = "OCPI (2.3.0, 2.2.1)"
