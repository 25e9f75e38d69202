from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "kubat.insights"
    label = "insights"
    verbose_name = "Insights"
