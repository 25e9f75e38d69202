from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kubat.reports"
    label = "reports"
    verbose_name = "Drivers' reports"
    default_auto_field = "django.db.models.BigAutoField"
