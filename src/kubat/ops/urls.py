"""/healthz, /readyz and /metrics: outside the language prefixes, no login."""

from django.urls import path

from kubat.ops import health, metrics

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
