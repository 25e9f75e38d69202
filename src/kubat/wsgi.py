"""WSGI entry point for gunicorn (`kubat serve`).

The URL configuration is imported here, as the worker starts, rather than by its first
request: Django imports it lazily, and a gthread worker's first requests then wait together on
the import lock (about a second of the first traffic after every start or restart, measured
with py-spy under the ingest bench).
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubat.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (imports every app's urls and views now)
