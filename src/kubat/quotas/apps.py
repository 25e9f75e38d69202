from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class QuotasConfig(AppConfig):
    name = "kubat.quotas"
    label = "quotas"

    def ready(self) -> None:
        from kubat.quotas import models, services

        # Declarations read period rules from a per-process cache (services.period_rules);
        # any save here, from a service, the admin or a test, is seen at once in this process.
        for model in (models.QuotaPeriod, models.SubQuota, models.CustomsPost):
            for signal in (post_save, post_delete):
                signal.connect(
                    services.forget_period_rules,
                    sender=model,
                    dispatch_uid=f"quotas-rules-{model.__name__}-{signal is post_save}",
                )
