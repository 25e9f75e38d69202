from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "kubat.fleet"
    label = "fleet"
