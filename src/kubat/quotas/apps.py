from django.apps import AppConfig


class QuotasConfig(AppConfig):
    name = "kubat.quotas"
    label = "quotas"
