from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "kubat.permits"
    label = "permits"
