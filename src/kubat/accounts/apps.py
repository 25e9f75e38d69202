from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kubat.accounts"
    label = "accounts"
