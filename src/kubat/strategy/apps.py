from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "kubat.strategy"
    label = "strategy"
    verbose_name = "Strategy desk"
