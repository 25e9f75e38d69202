from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kubat.portal"
    label = "portal"
