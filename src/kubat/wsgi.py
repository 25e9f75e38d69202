"""WSGI entry point for gunicorn (`kubat serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubat.settings")
application = get_wsgi_application()
