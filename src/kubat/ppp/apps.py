from django.apps import AppConfig


class PppConfig(AppConfig):
    name = "kubat.ppp"
    label = "ppp"
    verbose_name = "PPP calls"

    def ready(self) -> None:
        from kubat.ppp import receivers  # noqa: F401 (connects the permit-issued receiver)
