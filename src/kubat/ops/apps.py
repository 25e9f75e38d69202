from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "kubat.ops"
    label = "ops"
    verbose_name = "Operations"
