"""The trivial Django endpoint: one view answering "ok", no middleware, no database.

bench/ocpi_ingest.py serves it with gunicorn, with the same workers and threads as Kubat, as
the ceiling issue 16 takes its ratio to: what Django itself serves on this machine, before any
of Kubat's middleware, authentication or database work. Not part of the product.

    gunicorn --chdir bench trivial_django:application
"""

from __future__ import annotations

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    SECRET_KEY="bench-only-not-a-secret",
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("", ok)]
application = get_wsgi_application()
