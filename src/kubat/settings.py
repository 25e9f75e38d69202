"""Django settings, read from the environment (KUBAT_*); see the configuration table in README."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from kubat.core.secretfile import read_or_create

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("KUBAT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _weak_key(key: str) -> bool:
    """Django's own test for a secret key that is not one (check --deploy, security.W009)."""
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")


def _secret_key(*, debug: bool, https: bool) -> str:
    """KUBAT_SECRET_KEY, else the development key generated once into var/secret_key.

    Refuses to start (ImproperlyConfigured) rather than sign sessions with a key anyone could
    guess: a weak or default KUBAT_SECRET_KEY outside debug, and any deployment that says it is
    production (KUBAT_HTTPS=true) without its own KUBAT_SECRET_KEY. So `make run` and the tests,
    which set neither, use the random per-machine key in var/; production must bring one.
    """
    if key := os.environ.get("KUBAT_SECRET_KEY"):
        if _weak_key(key) and not debug:
            raise ImproperlyConfigured(
                "KUBAT_SECRET_KEY is too weak: at least 50 characters, 5 different ones, not "
                "django-insecure-… (python -c 'import secrets; print(secrets.token_urlsafe(50))')"
            )
        return key
    if https:
        raise ImproperlyConfigured(
            "KUBAT_SECRET_KEY must be set when KUBAT_HTTPS=true: a production deployment does "
            "not use the development key in var/secret_key"
        )
    path = VAR_DIR / "secret_key"
    key = read_or_create(path, lambda: secrets.token_urlsafe(50).encode()).decode().strip()
    if _weak_key(key) and not debug:
        raise ImproperlyConfigured(f"{path} holds a weak key: delete it to have a new one made")
    return key


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


DEBUG = _env_bool("KUBAT_DEBUG", False)
# Production behind TLS (docs/deployment.md): HSTS, redirect to https, secure cookies.
KUBAT_HTTPS = _env_bool("KUBAT_HTTPS", False)
SECRET_KEY = _secret_key(debug=DEBUG, https=KUBAT_HTTPS)
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
    "kubat.reports",
    "kubat.portal",
    "kubat.insights",
    "kubat.ppp",
    "kubat.strategy",
    "kubat.ops",
]

# The apps whose generated demo data `kubat demo` loads, in dependency order (each has a
# `demo` module with load_demo(*, seed)).
KUBAT_DEMO_APPS = [
    "registry",
    "fleet",
    "quotas",
    "permits",
    "ocpi",
    "reports",
    "insights",
    "ppp",
    "strategy",
]

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
    # After both: a signed-in person's e-mails follow the language they use (kubat.accounts).
    "kubat.accounts.middleware.RememberLanguageMiddleware",
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

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("ky", "Кыргызча"), ("kk", "Қазақша")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Kazakh dates and numbers (Django ships formats for en, ru and ky only; kubat.core.formats).
FORMAT_MODULE_PATH = ["kubat.core.formats"]
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
# Permit fees: the payment providers' adapters, and the local provider's callback secret
# (empty: one generated into var/permit_payment_secret). See kubat.permits.payments.
KUBAT_PERMIT_PAYMENT_PROVIDERS = [
    p.strip()
    for p in os.environ.get(
        "KUBAT_PERMIT_PAYMENT_PROVIDERS", "kubat.permits.payments.LocalHmacProvider"
    ).split(",")
    if p.strip()
]
KUBAT_PERMIT_PAYMENT_SECRET = os.environ.get("KUBAT_PERMIT_PAYMENT_SECRET", "")
# Signed permit decisions: the signer adapter and the development signer's key folder
# (a key and self-signed certificate generated there on first use). See kubat.permits.signing.
KUBAT_PERMIT_SIGNER = os.environ.get("KUBAT_PERMIT_SIGNER", "kubat.permits.signing.FileSigner")
KUBAT_PERMIT_SIGNING_DIR = Path(os.environ.get("KUBAT_PERMIT_SIGNING_DIR", VAR_DIR / "signing"))
# Permit webhooks to operators' systems: loopback URLs (http://127.0.0.1…) only when this is
# true (development and tests); otherwise https to a public address only (kubat.core.outbound).

# Production brings its own permit secrets, as it brings its own SECRET_KEY: a secret or key
# generated into var/ is per host (two web hosts would sign with two keys, and a payment
# provider could not know the secret) and lost with the host.
if KUBAT_HTTPS:
    if "kubat.permits.payments.LocalHmacProvider" in KUBAT_PERMIT_PAYMENT_PROVIDERS and (
        len(KUBAT_PERMIT_PAYMENT_SECRET) < 32
    ):
        raise ImproperlyConfigured(
            "KUBAT_PERMIT_PAYMENT_SECRET must be set (32 characters or more) when "
            "KUBAT_HTTPS=true: production does not use a payment secret generated into var/"
        )
    if KUBAT_PERMIT_SIGNER == "kubat.permits.signing.FileSigner" and not os.environ.get(
        "KUBAT_PERMIT_SIGNING_DIR"
    ):
        raise ImproperlyConfigured(
            "KUBAT_PERMIT_SIGNING_DIR must be set when KUBAT_HTTPS=true and the signer is "
            "FileSigner: the folder holding the provisioned signing key (kubat permits "
            "signing-key creates one), not a key generated per host into var/"
        )
KUBAT_PERMIT_WEBHOOK_ALLOW_LOOPBACK = _env_bool("KUBAT_PERMIT_WEBHOOK_ALLOW_LOOPBACK", False)

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
# The same licence for machines: its SPDX identifier and its text, in datapackage.json and the
# downloads' Link header (change all three together).
KUBAT_DATA_LICENCE_ID = os.environ.get("KUBAT_DATA_LICENCE_ID", "CC-BY-4.0")
KUBAT_DATA_LICENCE_URL = os.environ.get(
    "KUBAT_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
)
# Dated daily snapshots of the open data (registry.snapshots): where they are written and how
# many days are kept (older ones are pruned by the job that writes the next one).
KUBAT_OPEN_DATA_SNAPSHOT_DIR = Path(
    os.environ.get("KUBAT_OPEN_DATA_SNAPSHOT_DIR", VAR_DIR / "open-data-snapshots")
)
KUBAT_OPEN_DATA_SNAPSHOT_DAYS = int(os.environ.get("KUBAT_OPEN_DATA_SNAPSHOT_DAYS", "30"))

# Map background tiles for the portal; {s}, {z}, {x}, {y} as Leaflet expects. Empty: no tiles,
# the map then shows the shipped country borders and the markers only (also what tests use).
KUBAT_MAP_TILE_URL = os.environ.get(
    "KUBAT_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
KUBAT_MAP_TILE_ATTRIBUTION = os.environ.get(
    "KUBAT_MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)

# OCPI peers: networks Kubat may call although they are not public (comma-separated CIDRs;
# empty by default; tests and local development 127.0.0.0/8,::1/128), see kubat.core.outbound.
KUBAT_OCPI_ALLOWED_PEER_NETWORKS = os.environ.get("KUBAT_OCPI_ALLOWED_PEER_NETWORKS", "")
# Seconds a credentials handshake may take to read the peer's versions; a failure is answered
# only when they have passed, so its timing tells nothing of the peer's network.
KUBAT_OCPI_PEER_TIMEOUT = float(os.environ.get("KUBAT_OCPI_PEER_TIMEOUT", "10"))

# Security hardening (issue 10) --------------------------------------------------------------
# Django serves Swagger UI and ReDoc from ninja's own static files once ninja is an installed
# app (never from a CDN); axes records failed logins and locks out guessing.
INSTALLED_APPS += ["ninja", "axes"]

# Number of reverse proxies in front of Kubat that set X-Forwarded-For/-Proto (0: none, Kubat
# faces clients itself; "true" means 1). Only then are those headers believed: for https
# (SECURE_PROXY_SSL_HEADER) and for the client address of rate limits and lock-outs.
_proxy = os.environ.get("KUBAT_TRUSTED_PROXY", "0").strip().lower()
KUBAT_TRUSTED_PROXY = 1 if _proxy in {"true", "yes", "on"} else int(_proxy or 0)
if KUBAT_TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if KUBAT_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("KUBAT_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # A national service is served from its own names only; an https proxy may forward them.
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if h and h != "*"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"


# Content-Security-Policy on every response (django-csp). Scripts only from Kubat's own static
# files: no inline script, no eval. Styles allow 'unsafe-inline' because Leaflet markers and
# the server-drawn SVG charts carry style attributes; CSS cannot run script in a browser that
# honours CSP, so this keeps script injection closed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],  # + the map tiles' origin (kubat.core.csp)
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
MIDDLEWARE.append("kubat.core.csp.KubatCSPMiddleware")

# Logins (admin, quotas, permits) are locked out after KUBAT_LOGIN_FAILURE_LIMIT failures per
# account and, separately, per address, for KUBAT_LOGIN_COOLOFF_MINUTES (django-axes; the
# attempts and lock-outs are in the admin under Axes, and logged by the axes logger).
AUTHENTICATION_BACKENDS = [
    "kubat.accounts.lockout.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AXES_FAILURE_LIMIT = int(os.environ.get("KUBAT_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("KUBAT_LOGIN_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "kubat.core.clientip.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
# The log names the account and the address, so that operators can act on it (axes masks
# them by default); a password is never logged.
AXES_SENSITIVE_PARAMETERS: list[str] = []
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Anonymous reads of /api/v1: at most this many a minute per address (0: off, as tests and
# benchmarks run); answered 429 with Retry-After. Counted in the default cache: local memory
# (per process), or KUBAT_CACHE=database for one count across processes (run
# `kubat createcachetable` once).
KUBAT_PUBLIC_RATE_LIMIT = int(os.environ.get("KUBAT_PUBLIC_RATE_LIMIT", "120"))
# Drivers' reports an address may submit a minute without an account (0: no limit).
KUBAT_REPORT_RATE_LIMIT = int(os.environ.get("KUBAT_REPORT_RATE_LIMIT", "5"))
if os.environ.get("KUBAT_CACHE", "").strip().lower() == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kubat_cache",
        }
    }
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "kubat.accounts.ratelimit.PublicRateLimitMiddleware",
)

# Bounded input (core.jsonguard): bodies over KUBAT_MAX_BODY_BYTES on /api/v1 and /ocpi get 413
# before they are read (imports: KUBAT_IMPORT_MAX_BYTES); JSON deeper than 32 levels or with a
# number beyond ±2^53 gets 400 (OCPI 2001) naming the field.
KUBAT_MAX_BODY_BYTES = int(os.environ.get("KUBAT_MAX_BODY_BYTES", 2 * 1024 * 1024))
KUBAT_IMPORT_MAX_BYTES = int(os.environ.get("KUBAT_IMPORT_MAX_BYTES", 20 * 1024 * 1024))
# Rows (CSV: connectors) or objects (JSON: locations) in one import file (registry.imports).
KUBAT_IMPORT_MAX_ROWS = int(os.environ.get("KUBAT_IMPORT_MAX_ROWS", 100_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = max(KUBAT_MAX_BODY_BYTES, 2621440)
MIDDLEWARE.insert(
    MIDDLEWARE.index("kubat.core.middleware.RefuseNulMiddleware"),
    "kubat.core.middleware.BoundedBodyMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("kubat.core.middleware.RefuseNulMiddleware"),
    "kubat.ocpi.transport.BoundedBodyMiddleware",
)
# /ocpi answers platforms, not people: after the guards above, its views are called without
# the rest of the stack (sessions, locale, CSRF, messages, CSP per answer...; kubat.ocpi.lane).
MIDDLEWARE.insert(
    MIDDLEWARE.index("kubat.core.middleware.RefuseNulMiddleware") + 1,
    "kubat.ocpi.lane.OcpiLaneMiddleware",
)
# --- Operations (kubat.ops; docs/operations.md) ---------------------------------------------
# Periodic-job intervals "name=seconds,..." (0 turns a job off), extra jobs as JSON, the lease
# a running job holds (renewed every third; a killed worker's job is taken over after it), and
# how often an idle worker looks for due jobs.
KUBAT_WORKER_EVERY = os.environ.get("KUBAT_WORKER_EVERY", "")
KUBAT_WORKER_EXTRA_JOBS = os.environ.get("KUBAT_WORKER_EXTRA_JOBS", "")
KUBAT_WORKER_LEASE_SECONDS = float(os.environ.get("KUBAT_WORKER_LEASE_SECONDS", "60"))
KUBAT_WORKER_POLL_SECONDS = float(os.environ.get("KUBAT_WORKER_POLL_SECONDS", "1"))
# /readyz reports the worker as late when none was seen for this long (0: do not check it);
# only with KUBAT_READY_REQUIRE_WORKER=true does a late worker make /readyz fail (503).
KUBAT_READY_WORKER_SECONDS = int(os.environ.get("KUBAT_READY_WORKER_SECONDS", "300"))
KUBAT_READY_REQUIRE_WORKER = _env_bool("KUBAT_READY_REQUIRE_WORKER", False)
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

# Energy and emissions (kubat.strategy.energy; docs/strategy.md). Grid factors in kg CO2/kWh as
# (low, central, high) per country, from the generation mix (docs/facts.md: Kyrgyzstan about
# 0.12, 0.05-0.15, mostly hydro; Kazakhstan about 0.75, 0.65-0.82, two-thirds coal): a policy
# figure, so JSON in KUBAT_GRID_FACTORS replaces it. The fleet estimate's parameters are
# assumptions stated on the emissions page: 12,000 km a year, 0.18 kWh/km at the charger,
# and a petrol car of the same class at 7.3 l/100 km x 2.31 kg CO2/l = 0.169 kg/km.
KUBAT_GRID_FACTORS: dict[str, list[float]] = json.loads(
    os.environ.get("KUBAT_GRID_FACTORS", "")
    or '{"KG": [0.05, 0.12, 0.15], "KZ": [0.65, 0.75, 0.82]}'
)
KUBAT_EV_ANNUAL_KM = float(os.environ.get("KUBAT_EV_ANNUAL_KM", "12000"))
KUBAT_EV_KWH_PER_KM = float(os.environ.get("KUBAT_EV_KWH_PER_KM", "0.18"))
KUBAT_PETROL_KG_CO2_PER_KM = float(os.environ.get("KUBAT_PETROL_KG_CO2_PER_KM", "0.169"))
