from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kubat.core"
    label = "core"
