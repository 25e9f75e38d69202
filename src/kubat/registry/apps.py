from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "kubat.registry"
    label = "registry"
    verbose_name = "Charging registry"
