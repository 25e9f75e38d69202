"""Django settings, read from the environment (KUBAT_*); see the configuration table in README."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("KUBAT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use KUBAT_SECRET_KEY, else a key generated once into var/ so sessions survive restarts."""
    if key := os.environ.get("KUBAT_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        config["TEST"] = {"NAME": None}  # in-memory test database
        return config
    # Kubat's queries are short and indexed; starting parallel workers costs 2-4 ms, more than
    # such a query takes (nearest-10 went from 8 ms to 0.5 ms median without them, bench/).
    config.setdefault("OPTIONS", {})["options"] = "-c max_parallel_workers_per_gather=0"
    if pool_max := int(os.environ.get("KUBAT_DATABASE_POOL_MAX", "0")):
        # A psycopg pool per process: threads that wait (a quota window) hand their
        # connection back, so server threads can outnumber PostgreSQL connections.
        config["CONN_MAX_AGE"] = 0
        config.setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": pool_max}
    return config


SECRET_KEY = _secret_key()
DEBUG = _env_bool("KUBAT_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("KUBAT_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "kubat.core",
    "kubat.accounts",
    "kubat.registry",
    "kubat.ocpi",
    "kubat.fleet",
    "kubat.quotas",
    "kubat.permits",
    "kubat.portal",
    "kubat.ops",
]

# The apps whose generated demo data `kubat demo` loads, in dependency order (each has a
# `demo` module with load_demo(*, seed)).
KUBAT_DEMO_APPS = ["registry", "fleet", "quotas", "permits", "ocpi"]

MIDDLEWARE = [
    # First, so it times and logs every answer (also the guards' 400s) with its request id.
    "kubat.ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kubat.core.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, plus unprefixed pages in the reader's language (see kubat.portal.i18n).
    "kubat.portal.i18n.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kubat.urls"
WSGI_APPLICATION = "kubat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kubat.portal.context_processors.demo_data",
            ],
        },
    },
]

DATABASES = {
    "default": _database(
        os.environ.get("KUBAT_DATABASE_URL", f"sqlite:///{VAR_DIR / 'kubat.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("ky", "Кыргызча"), ("kk", "Қазақша")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at start-up when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Private uploads (permit attachments) live outside any web root.
MEDIA_ROOT = VAR_DIR / "private"
# Largest permit attachment accepted, in bytes (default 10 MiB).
KUBAT_PERMIT_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("KUBAT_PERMIT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
)

EMAIL_BACKEND = os.environ.get(
    "KUBAT_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("KUBAT_FROM_EMAIL", "kubat@localhost")

# JSON lines on stderr (structlog renders them, kubat.ops.logs); KUBAT_LOG_FORMAT=text for a
# terminal. One line per request at INFO from the `kubat.request` logger (KUBAT_REQUEST_LOG).
KUBAT_LOG_FORMAT = os.environ.get("KUBAT_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"kubat": {"()": "kubat.ops.logs.formatter", "style": KUBAT_LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kubat"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KUBAT_LOG_LEVEL", "WARNING")},
    "loggers": {
        "kubat.request": {"level": os.environ.get("KUBAT_REQUEST_LOG", "INFO")},
        "kubat.ops": {"level": "INFO"},
    },
}

# Licence stated in every open-data download.
KUBAT_DATA_LICENCE = os.environ.get(
    "KUBAT_DATA_LICENCE", "Creative Commons Attribution 4.0 International (CC BY 4.0)"
)

# Map background tiles for the portal; {s}, {z}, {x}, {y} as Leaflet expects. Empty: no tiles,
# the map then shows the shipped country borders and the markers only (also what tests use).
KUBAT_MAP_TILE_URL = os.environ.get(
    "KUBAT_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
KUBAT_MAP_TILE_ATTRIBUTION = os.environ.get(
    "KUBAT_MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)

# --- Operations (kubat.ops; docs/operations.md) ---------------------------------------------
# Periodic-job intervals "name=seconds,..." (0 turns a job off), extra jobs as JSON, the lease
# a running job holds (renewed every third; a killed worker's job is taken over after it), and
# how often an idle worker looks for due jobs.
KUBAT_WORKER_EVERY = os.environ.get("KUBAT_WORKER_EVERY", "")
KUBAT_WORKER_EXTRA_JOBS = os.environ.get("KUBAT_WORKER_EXTRA_JOBS", "")
KUBAT_WORKER_LEASE_SECONDS = float(os.environ.get("KUBAT_WORKER_LEASE_SECONDS", "60"))
KUBAT_WORKER_POLL_SECONDS = float(os.environ.get("KUBAT_WORKER_POLL_SECONDS", "1"))
# /readyz fails when no worker was seen for this long (0: do not check the worker).
KUBAT_READY_WORKER_SECONDS = int(os.environ.get("KUBAT_READY_WORKER_SECONDS", "300"))
# /metrics answers a bearer token or a client address in the list (IPs or CIDRs); neither set:
# it answers nobody.
KUBAT_METRICS_TOKEN = os.environ.get("KUBAT_METRICS_TOKEN", "")
KUBAT_METRICS_ALLOW = [
    a.strip() for a in os.environ.get("KUBAT_METRICS_ALLOW", "").split(",") if a.strip()
]
KUBAT_BACKUP_DIR = Path(os.environ.get("KUBAT_BACKUP_DIR", VAR_DIR / "backups"))
# Probes and scrapers talk plain HTTP to the instance itself: never redirect them to https.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# A read replica for the public reads (anonymous GETs): see kubat.ops.routers.
if replica_url := os.environ.get("KUBAT_DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = {**_database(replica_url), "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["kubat.ops.routers.ReplicaRouter"]
