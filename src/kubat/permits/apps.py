from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "kubat.permits"
    label = "permits"

    def ready(self) -> None:
        """Describe /open-data/permits.csv in the open-data package beside the registry's
        files (the registry cannot import the permits app: it is the layer below)."""
        from kubat.permits import register
        from kubat.registry import datapackage

        datapackage.add_resource(register.data_resource)
