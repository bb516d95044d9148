"""Synco settings: one file, every value from the environment (see .env.example)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from synco import routing
from synco.secrets import read_or_create

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


VAR_DIR = Path(env("SYNCO_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY") or read_or_create(VAR_DIR / "secret_key", "django")
# Fernet keys, comma separated, newest first: the first encrypts, all decrypt (key rotation).
SYNCO_ENCRYPTION_KEYS = env_list("SYNCO_ENCRYPTION_KEY", "") or [
    read_or_create(VAR_DIR / "encryption_key", "fernet")
]

# The address merchants and Shopify reach Synco at: every absolute URL (the OAuth redirect_uri) is built from it,
# never from the request's Host header. Development: this machine on SYNCO_PORT (`make run`).
SYNCO_PUBLIC_URL = (env("SYNCO_PUBLIC_URL") or f"http://127.0.0.1:{env('SYNCO_PORT') or '8000'}").rstrip("/")
_public = urlsplit(SYNCO_PUBLIC_URL)
# The production profile: DEBUG off and served over https. Its security defaults below make
# `manage.py check --deploy` clean; development (an http public URL) keeps plain-http defaults.
SYNCO_PRODUCTION = not DEBUG and _public.scheme == "https"

# Empty means the default (as every value in .env.example).
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "") or (
    [_public.hostname or ""] if SYNCO_PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "") or [f"{_public.scheme}://{_public.netloc}"]

# HTTPS. Behind a TLS-terminating proxy, SYNCO_PROXY_SSL_HEADER names the header it sets and its https value,
# e.g. "HTTP_X_FORWARDED_PROTO,https" (only if the proxy always overwrites that header).
_proxy_ssl_header = env_list("SYNCO_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (
    (_proxy_ssl_header[0], _proxy_ssl_header[1]) if len(_proxy_ssl_header) == 2 else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SYNCO_PRODUCTION)
# A load balancer's health check talks plain http straight to the app.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS") or (31536000 if SYNCO_PRODUCTION else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SYNCO_PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SYNCO_PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SYNCO_PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SYNCO_PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env("SECURE_REFERRER_POLICY") or "same-origin"
# Pages outside the Shopify admin are never framed; embedded pages are exempted by synco.shopify_app.embedded, which sends
# the shop's CSP frame-ancestors instead.
X_FRAME_OPTIONS = "DENY"

# Login throttling (synco.throttle): failed logins per username and per client address within the window.
SYNCO_LOGIN_FAILURES_PER_USER = int(env("SYNCO_LOGIN_FAILURES_PER_USER") or 5)
SYNCO_LOGIN_FAILURES_PER_IP = int(env("SYNCO_LOGIN_FAILURES_PER_IP") or 20)
SYNCO_LOGIN_WINDOW_SECONDS = int(env("SYNCO_LOGIN_WINDOW_SECONDS") or 900)
# Behind a proxy: the header carrying the client address, e.g. X-Forwarded-For (its last entry is used: the
# one our own proxy added). Empty: REMOTE_ADDR.
SYNCO_CLIENT_IP_HEADER = env("SYNCO_CLIENT_IP_HEADER", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "synco",
    "orders",
    "customers",
    "products",
    "synclogs",
    "refunds",
    "stock",
    "shipments",
    "api",
]
# The sandboxes (top-level `sandboxes/`, development and tests only, never installed by `pip install .`) carry
# `manage.py seed_demo`. On by default in a source checkout outside the production profile.
SYNCO_SANDBOXES = env_bool(
    "SYNCO_SANDBOXES", not SYNCO_PRODUCTION and importlib.util.find_spec("sandboxes") is not None
)
if SYNCO_SANDBOXES:
    INSTALLED_APPS.append("sandboxes")

MIDDLEWARE = [
    # First: every log line of the request, other middleware's included, carries the request id.
    "synco.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "synco.shopify_app.embedded.EmbeddedAppMiddleware",
    # After the shop is known (session or embedded): pages show times in the shop's time zone.
    "synco.timezones.ShopTimezoneMiddleware",
    # The Shopify admin's language (?locale=), when Synco ships it: pages, messages and money are written in it.
    "synco.languages.ShopLanguageMiddleware",
]

ROOT_URLCONF = "synco.urls"
WSGI_APPLICATION = "synco.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "synco.pages.context_processors.shops",
            ],
        },
    },
]

_DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'synco.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        # A server database keeps each process's connection open between requests and tasks (a new PostgreSQL
        # connection per task cost a worker more than the task itself), checked before reuse; SQLite opens none.
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0" if _DATABASE_URL.startswith("sqlite") else "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
if env("SYNCO_TEST_DB"):
    # Several test runs at once (e.g. two checkouts) each need their own test database.
    DATABASES["default"]["TEST"] = {**DATABASES["default"].get("TEST", {}), "NAME": env("SYNCO_TEST_DB")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The languages Synco ships: each has locale/<code>/LC_MESSAGES/django.po (and its compiled .mo). The admin's
# `locale` picks one of these (synco.languages); any other is shown in English. README: "Adding a language".
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "synco" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "orders:list"
LOGOUT_REDIRECT_URL = "login"

# Celery: an embedded filesystem broker by default so `make run` needs no server;
# production sets CELERY_BROKER_URL to Redis or RabbitMQ.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # The exchange tables; kombu's default is ./control, in the work tree.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # acks_late: a task held by a killed worker is redelivered after this long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600"))}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Queues (synco/routing.py): 'interactive' (a merchant's clicks, webhooks), 'bulk' (backfills, imports, sweeps),
# 'stock' (stock pushes, Odoo's stock and delivery notifications), 'default' (beat's housekeeping). A worker
# started without -Q consumes them all (the embedded default); production runs a pool per queue (README).
CELERY_TASK_QUEUES = [Queue(name, Exchange(name, type="direct"), routing_key=name) for name in routing.QUEUES]
CELERY_TASK_DEFAULT_QUEUE = routing.DEFAULT
CELERY_TASK_DEFAULT_EXCHANGE = routing.DEFAULT
CELERY_TASK_DEFAULT_ROUTING_KEY = routing.DEFAULT
# Per-order work sent by bulk work stays on 'bulk'; then the table, by task name (a queue given at send wins).
CELERY_TASK_ROUTES = [routing.follow_bulk_work, routing.ROUTES]
# Time limits: every task is stopped at its soft limit (SoftTimeLimitExceeded: it gives up or hands over) and
# killed at its hard one (prefork pool), so a hung Odoo or Shopify never holds a worker for good. Per kind:
# "task" the generic default, "step" one step of a resumable import (each hands over after about a minute),
# "long" a whole-shop job without checkpoints (sweeps, full stock pushes, drift reports). Keep every hard limit
# under CELERY_VISIBILITY_TIMEOUT: a Redis broker redelivers a task still running past it.
SYNCO_TASK_SOFT_TIME_LIMIT = int(env("SYNCO_TASK_SOFT_TIME_LIMIT", "300"))
SYNCO_TASK_TIME_LIMIT = int(env("SYNCO_TASK_TIME_LIMIT", "360"))
SYNCO_STEP_SOFT_TIME_LIMIT = int(env("SYNCO_STEP_SOFT_TIME_LIMIT", "300"))
SYNCO_STEP_TIME_LIMIT = int(env("SYNCO_STEP_TIME_LIMIT", "360"))
SYNCO_LONG_SOFT_TIME_LIMIT = int(env("SYNCO_LONG_SOFT_TIME_LIMIT", "1800"))
SYNCO_LONG_TIME_LIMIT = int(env("SYNCO_LONG_TIME_LIMIT", "1860"))
CELERY_TASK_SOFT_TIME_LIMIT = SYNCO_TASK_SOFT_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = SYNCO_TASK_TIME_LIMIT
# Sync engine: automatic retries of transient failures (exponential backoff with jitter), the watchdog,
# the circuit breaker that stops calling an Odoo that keeps failing, and log retention.
SYNCO_MAX_ATTEMPTS = int(env("SYNCO_MAX_ATTEMPTS", "6"))
SYNCO_RETRY_BASE_SECONDS = float(env("SYNCO_RETRY_BASE_SECONDS", "30"))
SYNCO_RETRY_MAX_SECONDS = float(env("SYNCO_RETRY_MAX_SECONDS", "1800"))
SYNCO_STUCK_SECONDS = int(env("SYNCO_STUCK_SECONDS", "600"))
SYNCO_CIRCUIT_FAILURES = int(env("SYNCO_CIRCUIT_FAILURES", "5"))
# The circuit opens for this long, doubling at each failed probe up to the maximum: Odoo back after an outage is
# noticed within SYNCO_CIRCUIT_MAX_OPEN_SECONDS (plus one probe), and the waiting orders are released at once.
SYNCO_CIRCUIT_OPEN_SECONDS = float(env("SYNCO_CIRCUIT_OPEN_SECONDS", "2"))
SYNCO_CIRCUIT_MAX_OPEN_SECONDS = float(env("SYNCO_CIRCUIT_MAX_OPEN_SECONDS", "5"))
# Orders waiting on an open circuit look again after about this long (jittered), should no probe release them.
SYNCO_CIRCUIT_RECHECK_SECONDS = float(env("SYNCO_CIRCUIT_RECHECK_SECONDS", "30"))
# The released backlog is spread over this many seconds.
SYNCO_CIRCUIT_RELEASE_SECONDS = float(env("SYNCO_CIRCUIT_RELEASE_SECONDS", "1"))
# A running sync holds a lease on its order, renewed on Odoo calls; the watchdog re-queues only expired leases.
SYNCO_LEASE_SECONDS = float(env("SYNCO_LEASE_SECONDS", "90"))
# Orders of one shop synced at the same time, across all workers: a slow Odoo holds no more than this many.
SYNCO_SHOP_CONCURRENCY = int(env("SYNCO_SHOP_CONCURRENCY", "1"))
# A sync run takes up to this many queued first-attempt orders of its shop and writes them in one batch (1: off).
SYNCO_SYNC_BATCH_SIZE = int(env("SYNCO_SYNC_BATCH_SIZE", "50"))
# A batch is sized (up to SYNCO_SYNC_BATCH_SIZE) so that its slowest Odoo call lasts about this long: a long call
# is a long Odoo transaction, holding the locks a merchant's click on the same Odoo waits for.
SYNCO_BATCH_CALL_SECONDS = float(env("SYNCO_BATCH_CALL_SECONDS", "3"))
# ... while a merchant clicked Sync (or a webhook's order was synced) on the same Odoo in the last
# SYNCO_CLICK_WINDOW_SECONDS; otherwise (a backfill nobody waits on) calls may last this long: bigger batches,
# fewer calls, still one transaction of bounded length for the Odoo's own users.
SYNCO_BATCH_CALL_SECONDS_IDLE = float(env("SYNCO_BATCH_CALL_SECONDS_IDLE", "10"))
SYNCO_CLICK_WINDOW_SECONDS = float(env("SYNCO_CLICK_WINDOW_SECONDS", "60"))
# A shop lead (a bulk sync's task) takes batch after batch of its shop for this long, then hands over to a new
# lead: other shops, the follow-ups its orders sent and, where one worker serves every queue (the embedded
# default), a merchant's click get their turn. Well inside the sync soft time limit.
SYNCO_LEAD_SECONDS = float(env("SYNCO_LEAD_SECONDS", "5"))
# A batch pauses between its Odoo calls while a merchant's click (or a webhook's sync) on the same Odoo server is
# being written, for at most this long each time: the click waits for one batch call, not for the whole batch.
SYNCO_YIELD_SECONDS = float(env("SYNCO_YIELD_SECONDS", "3"))
# A sync task is stopped (and retried) after the soft limit, killed after the hard one.
SYNCO_SYNC_SOFT_TIME_LIMIT = int(env("SYNCO_SYNC_SOFT_TIME_LIMIT", "240"))
SYNCO_SYNC_TIME_LIMIT = int(env("SYNCO_SYNC_TIME_LIMIT", "300"))
SYNCO_TIME_LIMITS = {
    routing.SYNC: (SYNCO_SYNC_SOFT_TIME_LIMIT, SYNCO_SYNC_TIME_LIMIT),
    routing.TASK: (SYNCO_TASK_SOFT_TIME_LIMIT, SYNCO_TASK_TIME_LIMIT),
    routing.STEP: (SYNCO_STEP_SOFT_TIME_LIMIT, SYNCO_STEP_TIME_LIMIT),
    routing.LONG: (SYNCO_LONG_SOFT_TIME_LIMIT, SYNCO_LONG_TIME_LIMIT),
}
for _kind, (_soft, _hard) in SYNCO_TIME_LIMITS.items():
    if not 0 < _soft < _hard:
        raise ImproperlyConfigured(f"The {_kind} tasks' soft time limit must be under their hard one.")
CELERY_TASK_ANNOTATIONS = routing.time_limits(SYNCO_TIME_LIMITS)
# A backfill's or bulk import's step that shows no sign of life this long lost its worker: the watchdog (or the
# broker's redelivery) resumes the run from its last committed page. Longer than a step's hard limit, so a
# step still running is never doubled.
SYNCO_IMPORT_STALE_SECONDS = int(env("SYNCO_IMPORT_STALE_SECONDS", str(SYNCO_STEP_TIME_LIMIT + 60)))
SYNCO_LOG_RETENTION_DAYS = int(env("SYNCO_LOG_RETENTION_DAYS", "90"))
# Webhook receipts (their bodies hold customer data): deleted after this many days (0 keeps them); those of a
# shop that is not installed (never was, or erased) after SYNCO_WEBHOOK_UNKNOWN_SHOP_RETENTION_HOURS.
SYNCO_WEBHOOK_RETENTION_DAYS = int(env("SYNCO_WEBHOOK_RETENTION_DAYS", "30"))
SYNCO_WEBHOOK_UNKNOWN_SHOP_RETENTION_HOURS = int(env("SYNCO_WEBHOOK_UNKNOWN_SHOP_RETENTION_HOURS", "24"))

# Shopify
SHOPIFY_API_KEY = env("SHOPIFY_API_KEY", "synco-dev-api-key")
# Set it in production; the default is the Shopify sandbox's development secret, never a real one.
# Empty means the real Shopify (https://{shop}); the sandbox sets its own origin here.
SHOPIFY_ADMIN_ORIGIN = env("SHOPIFY_ADMIN_ORIGIN", "")
SHOPIFY_API_SECRET = env("SHOPIFY_API_SECRET")
if not SHOPIFY_API_SECRET and SHOPIFY_ADMIN_ORIGIN:
    # Only against the sandbox: its development app secret. Without a secret, real Shopify's webhooks and
    # session tokens are all refused (never accepted unchecked).
    SHOPIFY_API_SECRET = "synco-dev-api-secret-not-for-production"  # noqa: S105 - the sandbox's, public
# Extra origins allowed to frame the embedded app, e.g. the Shopify sandbox's admin page in development.
SYNCO_EXTRA_FRAME_ANCESTORS = env("SYNCO_EXTRA_FRAME_ANCESTORS", "")
SHOPIFY_API_VERSION = env("SHOPIFY_API_VERSION", "2026-10")
# Asked for by the authorization-code fallback; the same list as shopify.app.toml's access_scopes.
SHOPIFY_SCOPES = env(
    "SHOPIFY_SCOPES",
    "read_orders,read_all_orders,read_customers,read_products,read_inventory,write_inventory,read_locations,"
    "read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders",
)
# App Bridge comes from Shopify's CDN (never bundled); the Shopify sandbox serves a local stand-in for it.
SHOPIFY_APP_BRIDGE_URL = env("SHOPIFY_APP_BRIDGE_URL", "https://cdn.shopify.com/shopifycloud/app-bridge.js")
# Polaris web components (the s-* elements every page uses), standalone too: Shopify's stable channel for
# Polaris 1 (shopify.dev/docs/api/app-home/web-components/versioning). The Shopify sandbox serves a stand-in.
SHOPIFY_POLARIS_URL = env("SHOPIFY_POLARIS_URL", "https://cdn.shopify.com/shopifycloud/polaris-1.js")
SHOPIFY_TIMEOUT_SECONDS = float(env("SHOPIFY_TIMEOUT_SECONDS", "20"))
# Where every worker keeps a shop's GraphQL rate-limit bucket (synco.shopify.bucket): auto | redis | database |
# process. auto = Redis when CELERY_BROKER_URL is redis://, else the database.
SYNCO_SHOPIFY_BUCKET_BACKEND = env("SYNCO_SHOPIFY_BUCKET_BACKEND", "auto")

# Odoo
ODOO_TIMEOUT_SECONDS = float(env("ODOO_TIMEOUT_SECONDS", "30"))
# The total deadline of one Odoo call (connect, send, the whole answer), however slowly a server trickles.
SYNCO_ODOO_CALL_DEADLINE = float(env("SYNCO_ODOO_CALL_DEADLINE", str(ODOO_TIMEOUT_SECONDS)))
# Test connection runs in the web request: all its checks together end within this many seconds, one check
# at a time per shop and at most SYNCO_ODOO_CHECK_CONCURRENCY at once across all web processes (keep it well
# below WEB_CONCURRENCY x WEB_THREADS so webhooks always find a free thread).
SYNCO_ODOO_CHECK_DEADLINE = float(env("SYNCO_ODOO_CHECK_DEADLINE", "10"))
SYNCO_ODOO_CHECK_CONCURRENCY = int(env("SYNCO_ODOO_CHECK_CONCURRENCY", "3"))
# Outbound Odoo URLs: https to public addresses on port 443, plus these ports (e.g. "8069" for a self-hosted
# Odoo serving https there). Development only: SYNCO_ODOO_ALLOW_LOOPBACK_HTTP lets http and any port through
# to loopback addresses (the sandboxes); `make run` and the tests set it. Never in production.
SYNCO_ODOO_ALLOWED_PORTS = [int(port) for port in env_list("SYNCO_ODOO_ALLOWED_PORTS", "")]
SYNCO_ODOO_ALLOW_LOOPBACK_HTTP = env_bool("SYNCO_ODOO_ALLOW_LOOPBACK_HTTP", False)

# Sandboxes (used by `make run` and the tests)
SANDBOX_SHOPIFY_PORT = int(env("SANDBOX_SHOPIFY_PORT", "8701"))
SANDBOX_ODOO_PORT = int(env("SANDBOX_ODOO_PORT", "8769"))
# Which Odoo the development sandbox plays (17, 18 or 19); make run passes it to the sandbox and seed_demo.
SANDBOX_ODOO_VERSION = int(env("SANDBOX_ODOO_VERSION", "18"))
SYNCO_CACHE_DIR = Path(env("SYNCO_CACHE_DIR", str(VAR_DIR / "cache")))

# Log lines (synco/logs.py) keep every `extra` field and the request or Celery task id, and never show a secret
# or customer data: one JSON object per line in production, a readable line otherwise (`make run`, tests).
LOG_FORMAT = env("LOG_FORMAT") or ("json" if SYNCO_PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "synco.logs.ContextFilter"}},
    "formatters": {
        "plain": {"()": "synco.logs.PlainFormatter"},
        "json": {"()": "synco.logs.JsonLineFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # odoolib logs call arguments at DEBUG; keep it quiet whatever the root level is.
        "odoolib": {"level": "WARNING"},
    },
}

# Django's cache, shared by every web process and worker: the REST API's rate limits (DRF throttling, per key) count
# in it, so a limit holds however many processes serve the API. SYNCO_CACHE_URL: redis://… (or rediss://…) for
# Redis, "database" for a table in the database (created by `migrate`), "locmem" for each process its own (a
# limit then multiplies by the number of processes: tests or a single process only). Empty: the broker's Redis
# (the same database number as the queue, as the Shopify rate-limit buckets: every key under the "synco:" prefix,
# and clearing the cache deletes only those; another number is free only on a server Synco has to itself, so it is
# not guessed) when CELERY_BROKER_URL is redis://, else the database.
SYNCO_CACHE_URL = env("SYNCO_CACHE_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "database"
)
if SYNCO_CACHE_URL.startswith(("redis://", "rediss://")):
    _cache: dict[str, object] = {
        # Redis, whose clear() removes only the "synco:" keys (not the queue sharing the database number).
        "BACKEND": "api.cache.PrefixedRedisCache",
        "LOCATION": SYNCO_CACHE_URL,
        "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 5},
    }
elif SYNCO_CACHE_URL == "database":
    # The table api/migrations/0002_cache_table.py creates (`createcachetable` would make it as well).
    _cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "synco_cache"}
elif SYNCO_CACHE_URL == "locmem":
    _cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
else:
    raise ImproperlyConfigured(
        f"SYNCO_CACHE_URL must be redis://…, rediss://…, database or locmem, not {SYNCO_CACHE_URL!r}"
    )
CACHES = {"default": {**_cache, "KEY_PREFIX": "synco"}}

# The REST API (api/, /api/v1/): API keys, the embedded app's session token or a login; one shop per request.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "api.authentication.EmbeddedSessionAuthentication",
        "api.authentication.LoginSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ShopScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env("SYNCO_API_RATE", "1200/min")},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StableCursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.SyncoAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Synco API",
    "DESCRIPTION": (
        "Everything the Synco dashboard does, for scripts, iPaaS and support. Authenticate with a shop's API key "
        "(Settings → API keys) as `Authorization: Bearer synco_…`; every endpoint sees only that shop."
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_common_errors",
    ],
    # One enum for the nine product fields' owner (Settings → Catalogue), not one per field.
    "ENUM_NAME_OVERRIDES": {
        "ProductFieldOwnerEnum": "products.models.CatalogueSettings.Owner",
        # The sync log's and the webhook log's states (each its own set beside the orders' sync status).
        "SyncAttemptStatusEnum": "synclogs.models.SyncAttempt.Status",
        "WebhookReceiptStatusEnum": "synclogs.models.WebhookReceipt.Status",
    },
}
