"""Settings for the knowledge base, read from the environment.

DEBUG is off unless DJANGO_DEBUG=1. With DEBUG off the site refuses to start without
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and KB_SITE_URL: there is no insecure fallback in
production. Each missing or malformed value raises ImproperlyConfigured with a one-line
message (wsgi.py and manage.py print it, without a traceback). In a checkout, manage.py,
`make run` and `make serve` fill in local values (knowledgebase/checkout.py).
"""

import json
import os
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_number(name, default, kind=int):
    """A whole (or, with kind=float, any) number from the environment, or `default`."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None
    if number < 0:
        raise ImproperlyConfigured(f"{name} must not be negative, not {value!r}")
    return number


def env_list(name):
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_json(name):
    """A JSON value from the environment, or None when unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not valid JSON ({error})") from None


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            "(or set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS is not set. List the host names the site answers to, "
            "comma-separated, e.g. DJANGO_ALLOWED_HOSTS=glossary.example.org"
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The public address of the site (scheme and host, no path): canonical links, sitemaps,
# feeds and structured data are built from it, never from the request's Host header.
SITE_URL = os.environ.get("KB_SITE_URL", "").strip().rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "KB_SITE_URL is not set. Set it to the site's public address, "
            "e.g. KB_SITE_URL=https://glossary.example.org"
        )
    SITE_URL = "http://127.0.0.1:8000"
if urlsplit(SITE_URL).scheme not in {"http", "https"} or urlsplit(SITE_URL).path:
    raise ImproperlyConfigured(
        f"KB_SITE_URL must be a scheme and host such as https://glossary.example.org, "
        f"not {SITE_URL!r}"
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "axes",
    "reversion",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "knowledgebase.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "knowledgebase.middleware.LowercasePathMiddleware",
    # New readers' pages from the cache, before sessions and authentication.
    "articles.delivery.middleware.SharedPageMiddleware",
    # A view that can't use the database: the page's kept copy, or a calm 503.
    "articles.delivery.middleware.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses logins while an account/address is locked out after failed attempts.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "knowledgebase.urls"

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
                "articles.pages.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "knowledgebase.wsgi.application"

# SQLite by default (a file, no server); DATABASE_URL=postgres://... switches engines.
try:
    DATABASES = {
        "default": dj_database_url.config(
            default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=env_number("DJANGO_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
except ValueError as error:  # the address itself is left out: it may hold a password
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters sent apart from the statement, and a statement run five times on a
    # connection prepared: PostgreSQL then plans it once, not each time (planning the
    # statements that make a term page costs more than running them).
    # DJANGO_DB_PREPARE_THRESHOLD=off turns it off (behind a pooler that can't keep
    # prepared statements, such as PgBouncer in transaction mode before 1.21).
    threshold = os.environ.get("DJANGO_DB_PREPARE_THRESHOLD", "").strip().lower()
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": True,
            # A server that doesn't answer costs a request this long, not minutes.
            "connect_timeout": env_number("DJANGO_DB_CONNECT_TIMEOUT", 5),
            "prepare_threshold": None
            if threshold in {"off", "none"}
            else env_number("DJANGO_DB_PREPARE_THRESHOLD", 5),
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each thread keeps its connection (Django's are per thread): opening one costs little,
    # but closing the last one checkpoints the write-ahead log, on every request.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Wait for a writer instead of failing with "database is locked", and take the
            # write lock when a transaction starts so concurrent writers queue in order.
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # A small page cache per connection (256 KB, not 2 MB): each server thread
            # keeps one, and the operating system caches the file for all of them.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-256;"
            ),
        }
    )

# Views are added up in memory and written this often (articles/delivery/counting.py); 0 writes
# each view at once.
VIEW_FLUSH_SECONDS = env_number("KB_VIEW_FLUSH_SECONDS", 1.0, float)
# While views can't be written, each process holds those of at most this many different
# entries (about 100 bytes each); views of further entries are dropped, counted and logged.
VIEW_BUFFER_MAX = env_number("KB_VIEW_BUFFER_MAX", 10000)
# Readers' searches are held and written the same way (articles/insights/search_counts.py),
# for at most this many different queries and results opened.
SEARCH_BUFFER_MAX = env_number("KB_SEARCH_BUFFER_MAX", 10000)

# Caches: Redis when REDIS_URL is set (shared by every app server), else this process's
# memory. "pages" holds rendered pages (articles/delivery/page_cache.py); in memory it keeps at
# most 200 (about 7 MB per process), so that a large glossary's pages don't fill the
# server's memory. "default" holds the rest (feedback memory, throttles).
# Redis is an accelerator (knowledgebase/cache.py): a command waits KB_REDIS_TIMEOUT
# seconds at most; after a failure each process uses its own memory (the same sizes as
# without Redis) and tries Redis again every KB_REDIS_RETRY_SECONDS.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    redis_timeout = env_number("KB_REDIS_TIMEOUT", 0.25, float) or None  # 0: no limit
    CACHES = {
        alias: {
            "BACKEND": "knowledgebase.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": alias,
            "OPTIONS": {
                "socket_connect_timeout": redis_timeout,
                "socket_timeout": redis_timeout,
                "retry_seconds": env_number("KB_REDIS_RETRY_SECONDS", 5.0, float),
                "local_max_entries": local_max_entries,
            },
        }
        for alias, local_max_entries in (("default", 5000), ("pages", 200))
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "default",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": 200},
        },
    }
# While the database can't be read, readers are served the copy of a page made up to this
# many seconds ago (articles/delivery/outage.py): copies of addresses without a query string are
# kept this long (searches and tagged addresses, unbounded in number, 50 seconds).
STALE_PAGE_SECONDS = env_number("KB_STALE_PAGE_SECONDS", 600)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Pages' dates and the admin's times (each named with its zone) are in this zone.
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "").strip() or "UTC"
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"DJANGO_TIME_ZONE must be a time zone name such as Europe/Berlin, not {TIME_ZONE!r}"
    ) from None
# The admin's times to the second with their zone (knowledgebase/formats/en/formats.py).
FORMAT_MODULE_PATH = "knowledgebase.formats"
# The glossary and its admin are in English only. Without translation machinery, each
# of the hundred-odd lookups of the active language a page makes (address reversing,
# dates, numbers) is a plain setting read.
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "knowledgebase.storage.MinifiedStaticFilesStorage"},
}
# Files served at the site root (favicon.ico), straight from the repository.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# Where to report security problems (/.well-known/security.txt): a mailto: or https: URI.
SECURITY_CONTACT = os.environ.get(
    "KB_SECURITY_CONTACT", f"mailto:security@{urlsplit(SITE_URL).hostname}"
)

# "Need help now?": the crisis lines on /help/ (US defaults). Operators elsewhere replace
# them with KB_CRISIS_LINES, a JSON list of objects with "name", "description" and any of
# "call", "text" (numbers as dialled) and "url".
CRISIS_LINES = env_json("KB_CRISIS_LINES") or [
    {
        "name": "988 Suicide & Crisis Lifeline",
        "description": "Call or text 988 to talk with a trained crisis counselor, "
        "any time, day or night. Free and confidential.",
        "call": "988",
        "text": "988",
    },
    {
        "name": "SAMHSA’s National Helpline",
        "description": "Free, confidential treatment referral and information about "
        "substance use and mental health, 24/7, 365 days a year, in English and Spanish.",
        "call": "1-800-662-4357",
    },
    {
        "name": "Emergency services",
        "description": "If someone may be overdosing, is not breathing or is in danger "
        "right now, call 911.",
        "call": "911",
    },
]
EMERGENCY_NUMBER = os.environ.get("KB_EMERGENCY_NUMBER", "911")
# "Leave this site" goes here: a neutral page, opened in place of this one.
QUICK_EXIT_URL = os.environ.get("KB_QUICK_EXIT_URL", "https://www.bbc.com/weather")

# Months from an entry's medical review to the next one ("Next review due" on its page, the
# admin's filter), unless the entry sets its own period.
REVIEW_PERIOD_MONTHS = env_number("KB_REVIEW_PERIOD_MONTHS", 12)

# Days what readers typed (searches' words, reports' comments) is kept; then it is removed
# once a day (articles/insights/retention.py). Day totals and views per day are kept.
READER_DATA_DAYS = env_number("KB_READER_DATA_DAYS", 180)
if READER_DATA_DAYS < 1:
    raise ImproperlyConfigured(f"KB_READER_DATA_DAYS must be 1 or more, not {READER_DATA_DAYS}")

# Reports ("No" to "Was this helpful?", with a reason) taken from one reader address in an
# hour (articles/insights/reader_reports.py); besides, one per entry and address a day.
FEEDBACK_REPORTS_PER_HOUR = env_number("KB_FEEDBACK_REPORTS_PER_HOUR", 5)

# The public name of the site: page titles, the header, citations, and the line under a
# quote from this knowledge base ("From the … Knowledge Base").
SITE_NAME = os.environ.get("KB_SITE_NAME", "Recovery Glossary")

# HTTPS: on in production. `DJANGO_SECURE_SSL_REDIRECT=0` serves plain HTTP (local runs,
# benchmarks); secure cookies and HSTS follow it, since browsers drop both over HTTP.
HTTPS = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe health over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/details)?$"]
SECURE_HSTS_SECONDS = env_number("DJANGO_SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Editors' sessions end after 8 hours, or when the browser closes.
SESSION_COOKIE_AGE = env_number("DJANGO_SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): our own files only, no inline script or style.
# JSON-LD blocks are data, not script: CSP does not apply to them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
# Features the site never uses, switched off for it and anything it could embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), "
    "payment=(), picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), "
    "sync-xhr=(), usb=(), xr-spatial-tracking=()"
)

# The admin's address (a less obvious one turns away drive-by password guessing).
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"

# django-axes: 5 failed logins lock that username from that address for 15 minutes.
AXES_FAILURE_LIMIT = env_number("DJANGO_AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_number("DJANGO_AXES_COOLOFF_HOURS", 0.25, float)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
