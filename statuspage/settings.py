"""Settings for statuspage. Every value comes from the environment, read once, here.

Each variable is listed in the README's settings table with its default. Parsing is strict: a value
that does not parse stops start-up with a message that names the variable.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue
from phonenumbers import SUPPORTED_REGIONS

from statuspage.lib.env import (
    SettingError,
    env_bool,
    env_choice,
    env_database,
    env_email,
    env_float,
    env_int,
    env_list,
    env_rate,
    env_str,
    env_url,
)
from statuspage.lib.private_files import (
    create_empty_private_file,
    create_private_file,
    private_dir,
    tighten,
)

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = Path(env_str("RUN_DIR", str(BASE_DIR / ".run"))).resolve()


def _secret_key() -> str:
    """SECRET_KEY, or one generated on first start and kept in RUN_DIR (single-machine installs).

    Never generated with PostgreSQL: several machines then share one database, and each would
    generate its own key and refuse the others' signed links, sessions and CSRF tokens."""
    key = env_str("SECRET_KEY", "")
    if key:
        return key
    if env_str("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With PostgreSQL (DATABASE_URL) every machine of the service "
            "must sign with the same key, so none is generated: set SECRET_KEY to the same "
            "random value on every web server, worker and beat, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    path = private_dir(RUN_DIR) / "secret_key"
    create_private_file(path, secrets.token_urlsafe(50))
    tighten(path)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)

# Serving (read by the launcher and the Procfile).
HOST = env_str("HOST", "127.0.0.1")
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)


def _served_at() -> str:
    """Where `make run` serves, as a link a person on this machine can open."""
    host = "127.0.0.1" if HOST in ("", "0.0.0.0", "::") else HOST
    return f"http://{f'[{host}]' if ':' in host else host}:{PORT}"


PUBLIC_URL = env_url("PUBLIC_URL", _served_at(), schemes=("http", "https")).rstrip("/")
_public = urlsplit(PUBLIC_URL)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", sorted({_public.hostname or "127.0.0.1", "127.0.0.1", "localhost", "[::1]"})
)
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]
HTTPS = _public.scheme == "https"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Production hardening: README "Production settings"; `check --deploy` passes with them ---
# Cookies only over https: the default follows PUBLIC_URL.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
# An operator's console session lasts a working day, not Django's two weeks.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 10 * 3600, minimum=60)
# Redirect http to https, and tell browsers to use https only (HSTS) for this many seconds.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)


def _proxy_ssl_header() -> tuple[str, str] | None:
    """The header a TLS-terminating proxy sets to `https` (e.g. X-Forwarded-Proto), as Django's
    SECURE_PROXY_SSL_HEADER. Only for a proxy that always sets it: otherwise clients could."""
    name = env_str("SECURE_PROXY_SSL_HEADER", "")
    if not name:
        return None
    if not re.fullmatch(r"[A-Za-z0-9-]+", name):
        raise SettingError("SECURE_PROXY_SSL_HEADER", name, "a header name, e.g. X-Forwarded-Proto")
    return f"HTTP_{name.upper().replace('-', '_')}", "https"


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()
# Content-Security-Policy on every page: scripts and styles only from our own files, no inline
# code, no framing, no plugins. The public pages need nothing more; the fast path and nginx
# (deploy/nginx.conf) send the same header (statuspage/readpath/cache.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# What a path adds to it (statuspage/security.py): Swagger UI's icons are data: images. The
# admin needs nothing more (tests/security/test_policy_in_a_browser.py).
CONTENT_SECURITY_POLICY_ALLOWANCES = {"/api/docs/": {"img-src": ["data:"]}}
# --- end of production hardening ---

WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 2, minimum=1, maximum=64)
WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY", 2, minimum=1, maximum=64)

INSTALLED_APPS = [
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "phonenumber_field",
    "statuspage.status",
    "statuspage.public",
    "statuspage.readpath",
    "statuspage.api",
    "statuspage.notify",
    "statuspage.monitors",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "auditlog",
    "statuspage.operators",  # after axes, django_otp and auditlog: it replaces their admins
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "statuspage.security.ContentSecurityPolicy",
    "statuspage.security.NoStoreForManagementApi",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "statuspage.operators.zone.PageTimeZone",
    "django_otp.middleware.OTPMiddleware",
    "statuspage.operators.audit.OperatorActions",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "statuspage.urls"
WSGI_APPLICATION = "statuspage.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite in RUN_DIR unless DATABASE_URL points elsewhere.
_database = env_database("DATABASE_URL", f"sqlite:///{RUN_DIR / 'statuspage.sqlite3'}")
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so web and worker queue for it instead of
        # failing with "database is locked" when a read transaction tries to upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so a Celery worker started by a test sees the test database.
    _database["TEST"] = {"NAME": str(RUN_DIR / "test.sqlite3")}
    # Sessions and webhook secrets live in it: born 0600 (SQLite would make it 0644).
    _database_file = Path(_database["NAME"]) if _database["NAME"] != ":memory:" else None
    if _database_file is not None and _database_file.parent == RUN_DIR:
        private_dir(RUN_DIR)
    if _database_file is not None and _database_file.parent.is_dir():
        create_empty_private_file(_database_file)
else:
    _database["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    _database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the cache (rendered pages, page version, rate limits) and the Celery broker.
EMBEDDED_REDIS_SOCKET = RUN_DIR / "redis.sock"
REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix")) or (
    f"unix://{EMBEDDED_REDIS_SOCKET}"
)
EMBEDDED_REDIS = f"unix://{EMBEDDED_REDIS_SOCKET}" == REDIS_URL
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "sp",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
    }
}

# Celery: the rules in DESIGN.md (json only, late acks, one message at a time, time limits).
CELERY_BROKER_URL = (
    "redis+socket://" + REDIS_URL.removeprefix("unix://")
    if REDIS_URL.startswith("unix://")
    else REDIS_URL
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": 5,
    "socket_connect_timeout": 2,
    # Publishing gives up fast when Redis is down: the outbox row is already committed and the
    # sweeper sends it later, so a request must not hang waiting for the broker.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Languages: Simplified Chinese and English. The default serves visitors whose browser asks for
# neither, and is the language of JSON names.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_CODE = env_choice("DEFAULT_LANGUAGE", "zh-hans", ("zh-hans", "en"))
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_FALLBACK_LANGUAGES = (LANGUAGE_CODE, "en", "zh-hans")
# A text given without a language (`Incident(name=…)`, Statuspage's one `name`) is at least the
# default language's, whatever language is active; the services write each language explicitly.
MODELTRANSLATION_AUTO_POPULATE = "default"
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Alternative channels' phone numbers are read, and shown, as people dial them in this country.
PHONENUMBER_DEFAULT_REGION = env_choice("PHONE_REGION", "CN", tuple(sorted(SUPPORTED_REGIONS)))
TIME_ZONE = "UTC"  # storage; pages render in the page's own time zone (Page.time_zone)

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600

# Email: the console by default; any Django backend through EMAIL_URL.
_email = env_email("EMAIL_URL", "consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Status <status@{_public.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Requests: bodies larger than this are refused (API writes, forms).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 256 * 1024, minimum=1024)

# Public pages: how long browsers and CDNs may keep a rendered page.
PAGE_MAX_AGE = env_int("PAGE_MAX_AGE", 10, minimum=0)
PAGE_CDN_MAX_AGE = env_int("PAGE_CDN_MAX_AGE", 30, minimum=0)

CORS_URLS_REGEX = r"^/api/v2/.*$"
CORS_ALLOW_ALL_ORIGINS = True
# POST and DELETE: Statuspage's se-v2.js subscribes and unsubscribes from the lender's own site
# (/api/v2/subscribers.json); every other /api/v2 path answers those with 405.
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS", "POST", "DELETE")
CORS_ALLOW_CREDENTIALS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
}

# How often each web process asks Redis whether the page changed (seconds). Bounds how long a
# change takes to reach every worker; 0 asks on every request.
PAGE_VERSION_RECHECK_SECONDS = env_float("PAGE_VERSION_RECHECK_SECONDS", 0.5, minimum=0)
FORMAT_MODULE_PATH = ["statuspage.formats"]

# --- Read path: render on write, static publishing (statuspage/readpath) ---
# Where to write the rendered public pages, /api/v2 JSON and feeds for a web server to serve
# directly (deploy/nginx.conf); empty: no files, the application serves everything.
PUBLISH_DIR = env_str("PUBLISH_DIR", "")
# Called (POST, JSON list of changed paths) after each publish, e.g. a CDN's purge endpoint.
PURGE_URL = env_url("PURGE_URL", "", schemes=("http", "https"))


# Off-site copies of the public site (statuspage/readpath/offsite.py): comma-separated
# file:///path and s3://bucket/prefix?endpoint_url=…&region=… URLs; empty: none.
def _publish_targets() -> list:
    from statuspage.readpath.targets import parse_targets

    raw = env_str("PUBLISH_TARGETS", "")
    try:
        return parse_targets(raw)
    except ValueError as exc:
        shown = re.sub(r"(secret_access_key=)[^&,]*", r"\1***", raw)
        raise SettingError("PUBLISH_TARGETS", shown, str(exc).replace(raw, shown)) from None


PUBLISH_TARGETS = _publish_targets()
# How many targets are published to at once.
PUBLISH_CONCURRENCY = env_int("PUBLISH_CONCURRENCY", 4, minimum=1, maximum=32)
# Past this age (minutes since the publisher last confirmed it) a page says it may be stale.
PUBLISH_STALE_MINUTES = env_int("PUBLISH_STALE_MINUTES", 10, minimum=1)
# Adds the benchmark's ceiling view (/_bench/constant) and an X-Served-By header. Never in
# production: it reveals process ids.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)
# --- end of read path settings ---


# --- Input hardening: page cache bounds, outbound ports (statuspage/readpath, lib/outbound) ---
def _next_database(url: str) -> str:
    """REDIS_URL with its database number plus one: redis://h:6379/0 → /1, and the embedded
    server's unix:///path/redis.sock (db 0) → unix:///path/redis.sock?db=1."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if parts.scheme == "unix" or "db" in query:
        query["db"] = str(int(query.get("db", "0")) + 1)
        # Not urlunsplit: it would turn unix:///path into unix:/path, which redis-py refuses.
        return url.split("?", 1)[0] + "?" + urlencode(query)
    database = int(parts.path.strip("/") or "0")
    return urlunsplit(parts._replace(path=f"/{database + 1}"))


# Rendered public pages live here, apart from the broker's and rate limits' keys: point it at a
# Redis of its own with `maxmemory` and `maxmemory-policy allkeys-lru` to cap its memory.
CACHE_REDIS_URL = env_url(
    "CACHE_REDIS_URL", "", schemes=("redis", "rediss", "unix")
) or _next_database(REDIS_URL)
# How long a rendered page stays in Redis without being rendered again (seconds).
PAGE_CACHE_TTL_SECONDS = env_int("PAGE_CACHE_TTL_SECONDS", 3600, minimum=60)


# Webhooks may go to ports 80 and 443 and these (comma-separated); with ALLOW_PRIVATE_ADDRESSES
# on, any port (development receivers listen on random ports).
def _ports(name: str, listed: list[str]) -> list[int]:
    if not all(p.isdigit() and 1 <= int(p) <= 65535 for p in listed):
        raise SettingError(name, ",".join(listed), "comma-separated port numbers")
    return [int(p) for p in listed]


OUTBOUND_ALLOWED_PORTS = _ports("OUTBOUND_ALLOWED_PORTS", env_list("OUTBOUND_ALLOWED_PORTS", []))
# --- end of input hardening settings ---

# --- Notifications (statuspage/notify) ---
# Outbound HTTP to 127.0.0.1, 10/8, ... is refused unless this is on (development and tests only).
ALLOW_PRIVATE_ADDRESSES = env_bool("ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 15.0, minimum=1)
WEBHOOK_CONCURRENCY = env_int("WEBHOOK_CONCURRENCY", 100, minimum=1, maximum=1000)
# A delivery being sent is leased for this long, renewed every few seconds while its batch is
# sending; a worker that dies frees it when it expires. Longer than the slowest single send.
DELIVERY_LEASE_SECONDS = env_int("DELIVERY_LEASE_SECONDS", 60, minimum=1)
CONFIRMATION_MAX_AGE_HOURS = env_int("CONFIRMATION_MAX_AGE_HOURS", 72, minimum=1)
# A link to manage a subscription (sent on request) works this long, and only until the next.
MANAGE_LINK_MAX_AGE_HOURS = env_int("MANAGE_LINK_MAX_AGE_HOURS", 24, minimum=1)
SUBSCRIBE_RATE_PER_IP = env_rate("SUBSCRIBE_RATE_PER_IP", "20/h")
SUBSCRIBE_RATE_PER_ADDRESS = env_rate("SUBSCRIBE_RATE_PER_ADDRESS", "5/h")
# Proxies whose X-Forwarded-For is believed (comma-separated addresses or networks).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
# Each channel has its own queue, so webhooks never wait behind a long email fan-out; workers
# consume every queue listed here (kombu takes from each in turn).
# Each queue is bound by its own name: a Queue given no routing key is bound with the default
# one ("celery"), and a task sent to any of them would then be copied into every one of them
# (the direct exchange delivers to each queue bound with the key), running once per queue.
CELERY_TASK_QUEUES: tuple[Queue, ...] = tuple(
    Queue(name, routing_key=name) for name in ("celery", "email", "webhooks", "messages")
)
CELERY_TASK_ROUTES = {
    "statuspage.notify.tasks.deliver_emails": {"queue": "email"},
    "statuspage.notify.tasks.deliver_webhooks": {"queue": "webhooks"},
    "statuspage.notify.tasks.deliver_messages": {"queue": "messages"},
}
SWEEP_INTERVAL_SECONDS = env_int("SWEEP_INTERVAL_SECONDS", 15, minimum=5)
# SMS: off unless a provider is given, e.g. aliyun://KEY_ID:KEY_SECRET@dysmsapi.aliyuncs.com
# ?sign_name=…&region=cn-hangzhou, tencent://SECRET_ID:SECRET_KEY@sms.tencentcloudapi.com
# ?sdk_app_id=…&sign_name=…&region=ap-guangzhou, twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com
# ?from=+1…; console:// prints them (development). Parsed by statuspage.notify.sms.
SMS_URL = env_str("SMS_URL", "")
# Which notices are worth an SMS (statuspage.notify.models.SmsKind values): an incident opened
# and resolved and maintenance reminders by default, as Statuspage.
SMS_NOTICE_KINDS = env_list(
    "SMS_NOTICE_KINDS", ["incident_opened", "incident_resolved", "maintenance_reminder"]
)
_SMS_KINDS = (
    "incident_opened", "incident_updated", "incident_resolved", "maintenance_reminder",
    "maintenance_started", "maintenance_completed",
)  # fmt: skip
if not set(SMS_NOTICE_KINDS) <= set(_SMS_KINDS):
    raise SettingError("SMS_NOTICE_KINDS", ",".join(SMS_NOTICE_KINDS), ", ".join(_SMS_KINDS))
# Countries whose numbers may subscribe to SMS (ISO codes); the page's own by default.
SMS_COUNTRIES = env_list("SMS_COUNTRIES", [PHONENUMBER_DEFAULT_REGION])
if not set(SMS_COUNTRIES) <= SUPPORTED_REGIONS:
    raise SettingError("SMS_COUNTRIES", ",".join(SMS_COUNTRIES), "ISO country codes, e.g. CN,HK")
# Cost caps: messages per subscriber and in all per window; over a cap, SMS wait their turn.
SMS_RATE_PER_SUBSCRIBER = env_rate("SMS_RATE_PER_SUBSCRIBER", "5/h")
SMS_RATE_GLOBAL = env_rate("SMS_RATE_GLOBAL", "2000/h")
# A confirmation code (SMS and robots) expires after this long and after this many wrong tries.
CODE_MAX_AGE_MINUTES = env_int("CODE_MAX_AGE_MINUTES", 10, minimum=1, maximum=24 * 60)
CODE_MAX_ATTEMPTS = env_int("CODE_MAX_ATTEMPTS", 5, minimum=1, maximum=20)
# --- end of notification settings ---

# --- Management and public API (statuspage/api) ---
# Requests per API key over a rolling minute. Statuspage allows 60; ours is higher because
# Terraform plans issue one GET per resource.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 600, minimum=1)
# 429 by default; 420 for clients written before Statuspage moved to 429.
API_RATE_LIMIT_STATUS = int(env_choice("API_RATE_LIMIT_STATUS", "429", ("429", "420")))
INSTALLED_APPS.append("drf_spectacular_sidecar")  # Swagger UI from our static files, no CDN
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["statuspage.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["statuspage.api.authentication.KeyScopes"],
    "DEFAULT_THROTTLE_CLASSES": ["statuspage.api.throttling.KeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": [
        "statuspage.api.parsers.StatuspageJSONParser",
        "statuspage.api.parsers.BracketFormParser",
        "statuspage.api.parsers.SniffingParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "statuspage.api.errors.handle_exception",
    "DEFAULT_SCHEMA_CLASS": "statuspage.api.schema.ManagementSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Statuspage-compatible management API",
    "DESCRIPTION": (
        "Atlassian Statuspage's manage API (v1): tools written for api.statuspage.io work "
        "after changing their base URL. Authenticate with `Authorization: OAuth <key>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["statuspage.api.schema.canonical_paths"],
    "COMPONENT_SPLIT_PATCH": False,
    "ENUM_NAME_OVERRIDES": {
        "ComponentStatusEnum": "statuspage.status.models.ComponentStatus",
        "IncidentStatusEnum": "statuspage.status.models.IncidentStatus",
        "ImpactEnum": "statuspage.status.models.Impact",
        "CauseEnum": "statuspage.status.models.Cause",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# --- end of API settings ---

# --- Maintenance automation, uptime, widget (statuspage/status, statuspage/public) ---
# Subscribers of a maintenance with "remind" on hear about it this long before it starts.
MAINTENANCE_REMINDER_MINUTES = env_int(
    "MAINTENANCE_REMINDER_MINUTES", 60, minimum=1, maximum=7 * 24 * 60
)
# Windows of recurring maintenance are scheduled (and shown as upcoming) this far ahead.
MAINTENANCE_AHEAD_DAYS = env_int("MAINTENANCE_AHEAD_DAYS", 14, minimum=1, maximum=366)
# How often beat brings daily uptime up to date; the bars of a running outage grow this often.
UPTIME_REFRESH_SECONDS = env_int("UPTIME_REFRESH_SECONDS", 300, minimum=30)
# The widget's JSON is read by the lender's own sites (cross-origin): this answers preflights;
# the GET carries its header from the view, since the fast path skips this middleware.
CORS_URLS_REGEX = rf"{CORS_URLS_REGEX}|^/widget(\.[a-z-]+)?\.json$"
# --- end of maintenance and uptime settings ---

# --- Operator accounts: sign-in lockout, two-factor, audit log (statuspage/operators) ---
# The lockout's check comes first; ModelBackend then checks the password.
AUTHENTICATION_BACKENDS = [
    "statuspage.operators.signin.LoginThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
# After this many wrong passwords for one username from one address, that pair is locked out.
# The pair, not the address or the username alone: a visitor cannot lock an operator out, and
# one office behind a single address does not lock out its colleagues.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "statuspage.lib.clientip.client_ip"  # X-Forwarded-For rules
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner and INFO lines per sign-in; attempts are listed in the admin
AXES_COOLOFF_MESSAGE = _(
    "Too many wrong passwords. Signing in to this account from your address is paused: try "
    "again later, or ask an administrator to unlock it."
)
# The admin asks for a one-time password from the operator's TOTP device, not only a password.
REQUIRE_OPERATOR_2FA = env_bool("REQUIRE_OPERATOR_2FA", False)
OTP_TOTP_ISSUER = _public.hostname
# Changes are kept as JSON (before and after of each field), readable and filterable.
AUDITLOG_STORE_JSON_CHANGES = True
# --- end of operator account settings ---

# --- Monitoring: probes and alert ingestion (statuspage/monitors) ---
# How often beat looks for due probes (seconds); a probe runs at most once per its interval.
MONITOR_TICK_SECONDS = env_int("MONITOR_TICK_SECONDS", 5, minimum=1, maximum=60)
# Probe requests in flight at once per worker process.
MONITOR_CONCURRENCY = env_int("MONITOR_CONCURRENCY", 200, minimum=1, maximum=2000)
# Probe results older than this are deleted (hourly).
MONITOR_RESULTS_MAX_AGE_HOURS = env_int("MONITOR_RESULTS_MAX_AGE_HOURS", 48, minimum=1)
# Operators are reminded when a component stays off operational this long (minutes) with no
# published incident, once per threshold.
_reminder_minutes = env_list("MONITOR_REMINDER_MINUTES", ["30", "60", "180"])
try:
    MONITOR_REMINDER_MINUTES = sorted({int(m) for m in _reminder_minutes if int(m) > 0})
except ValueError as exc:
    raise SettingError(
        "MONITOR_REMINDER_MINUTES", ",".join(_reminder_minutes), "minutes, such as 30,60,180"
    ) from exc
# A visitor surge: a minute with at least this many page views, and this many times the hour
# before's rate, while the page says nothing, emails the operators (once per surge).
VISITOR_SURGE_FACTOR = env_float("VISITOR_SURGE_FACTOR", 5.0, minimum=1.0)
VISITOR_SURGE_MIN_VIEWS = env_int("VISITOR_SURGE_MIN_VIEWS", 100, minimum=1)
# Probes have a queue of their own, so a check never waits behind a fan-out.
CELERY_TASK_QUEUES = (*CELERY_TASK_QUEUES, Queue("monitors", routing_key="monitors"))
CELERY_TASK_ROUTES["statuspage.monitors.tasks.run_due_probes"] = {"queue": "monitors"}
# --- end of monitoring settings ---

# --- Celery beat: every periodic task, in one place ---
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "sweep-deliveries": {
        "task": "statuspage.notify.tasks.sweep",
        "schedule": float(SWEEP_INTERVAL_SECONDS),
    },
    "keep-published": {"task": "statuspage.readpath.tasks.keep_published", "schedule": 60.0},
    "maintenance-automation": {"task": "statuspage.status.tasks.run_maintenance", "schedule": 60.0},
    "recurring-maintenance": {
        "task": "statuspage.status.tasks.schedule_recurring_maintenance",
        "schedule": 3600.0,
    },
    "uptime-refresh": {
        "task": "statuspage.status.tasks.refresh_uptime",
        "schedule": float(UPTIME_REFRESH_SECONDS),
    },
    "overdue-promises": {"task": "statuspage.status.tasks.flag_overdue_promises", "schedule": 30.0},
    "run-probes": {
        "task": "statuspage.monitors.tasks.run_due_probes",
        "schedule": float(MONITOR_TICK_SECONDS),
        "options": {"expires": float(MONITOR_TICK_SECONDS)},  # a missed tick is not worth running
    },
    "prune-probe-results": {
        "task": "statuspage.monitors.tasks.prune_probe_results",
        "schedule": 3600.0,
    },
    "remind-operators": {"task": "statuspage.monitors.tasks.remind_operators", "schedule": 60.0},
    "visitor-surge": {"task": "statuspage.monitors.tasks.check_visitor_surge", "schedule": 60.0},
}
