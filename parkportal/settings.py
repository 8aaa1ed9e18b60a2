"""Park Portal settings, read from the environment.

Every variable is documented in `.env.example`. Defaults are safe for production:
DEBUG is off unless set, and SECRET_KEY must be given whenever DEBUG is off.
"""

from __future__ import annotations

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (see .env.example), or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "parkportal",
    "parties",
    "drivers_home",
    "activities",
    "mediation",
]

MIDDLEWARE = [
    "parkportal.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "parkportal.middleware.DatabaseUnavailableMiddleware",
    # NUL characters never reach a view (PostgreSQL cannot store them: it would be a 500).
    "parkportal.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "parkportal.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# django-debug-toolbar: a page's queries with their times, its templates and its settings, in development and only
# when asked for (DEBUG_TOOLBAR=1 with DEBUG=1; `make dev-venv` installs it). Never under the test suite, which
# counts every page's queries and walks every URL pattern.
DEBUG_TOOLBAR = DEBUG and envbool("DEBUG_TOOLBAR", False) and "PYTEST_VERSION" not in os.environ
if DEBUG_TOOLBAR:
    if importlib.util.find_spec("debug_toolbar") is None:
        raise ImproperlyConfigured("DEBUG_TOOLBAR=1 needs the development requirements: run `make dev-venv`.")
    INSTALLED_APPS.append("debug_toolbar")
    # First: no middleware here compresses or otherwise re-encodes a page, so the toolbar can see all of them.
    MIDDLEWARE.insert(0, "debug_toolbar.middleware.DebugToolbarMiddleware")
    INTERNAL_IPS = ["127.0.0.1", "::1"]

ROOT_URLCONF = "parkportal.urls"
WSGI_APPLICATION = "parkportal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "parkportal.context_processors.portal",
            ],
        },
    }
]
if not DEBUG:
    # Cached loaders in production; APP_DIRS must be off when loaders are given.
    TEMPLATES[0]["APP_DIRS"] = False
    TEMPLATES[0]["OPTIONS"]["loaders"] = [
        (
            "django.template.loaders.cached.Loader",
            [
                "django.template.loaders.filesystem.Loader",
                "django.template.loaders.app_directories.Loader",
            ],
        )
    ]

# SQLite under var/ is the zero-setup default; DATABASE_URL=postgres://… for PostgreSQL.
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    # Fail fast when the database is down, so the 503 page is shown quickly.
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", envint("DB_CONNECT_TIMEOUT", 3))
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)

if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=envint("DB_CONN_MAX_AGE", 0), conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["parkportal.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "parkportal.User"


def git_release(base: Path) -> str:
    """The commit checked out at `base` (12 hex digits), or "" outside a git checkout. Read from .git's files
    (a worktree's and packed refs included), not by running git."""
    try:
        git = base / ".git"
        if git.is_file():  # a worktree: "gitdir: <path>"
            git = Path(git.read_text().split(":", 1)[1].strip())
        common = (git / (git / "commondir").read_text().strip()).resolve() if (git / "commondir").exists() else git
        head = (git / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            loose = [path for path in (git / ref, common / ref) if path.exists()]
            if loose:
                head = loose[0].read_text().strip()
            else:
                packed = (common / "packed-refs").read_text().splitlines()
                head = next(line.split()[0] for line in packed if line.endswith(" " + ref))
        return head[:12]
    except (OSError, IndexError, StopIteration):
        return ""


# Cached figures and fragments are keyed on the data they show (parkportal/generations.py), not on the code
# that renders them: entries in the shared cache are prefixed with the release, so an upgrade that changes a
# page's markup or a scope rule never serves what the previous release cached.
PORTAL_RELEASE = os.environ.get("PORTAL_RELEASE") or git_release(BASE_DIR)

# parkportal.querycache.key_for keeps compiled scoped querysets per viewer; on, each kept compile is compared with
# a fresh one (the test suite turns it on: tests/conftest.py).
QUERYCACHE_VERIFY = envbool("QUERYCACHE_VERIFY", False)

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "parkportal.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": PORTAL_RELEASE}
    }
else:
    # A real (per-process) cache, not DummyCache: allauth's rate limits live in the cache.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}

# Sessions in the database, each read with its signed-in user in one statement (parkportal/sessions.py): one
# round trip per signed-in request, where a session in Redis and then the user from PostgreSQL took two. Any of
# Django's stores can be named instead (docs/SCALING.md); the user is then read by a statement of its own.
SESSION_ENGINE = os.environ.get("SESSION_ENGINE", "parkportal.sessions")

# Django's and allauth's backends, reading the signed-in user with a prepared statement (parkportal/auth.py).
# Sessions store the backend's path: sessions made before this path changed sign their users out once.
AUTHENTICATION_BACKENDS = [
    "parkportal.auth.ModelBackend",
    "parkportal.auth.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- allauth: staff sign in with username/email and password; drivers with phone + SMS code.
ACCOUNT_ADAPTER = "parkportal.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "parkportal.forms.StaffLoginForm",
    "signup": "parkportal.forms.PhoneSignupForm",
    "request_login_code": "parkportal.forms.PhoneCodeRequestForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email", "phone"}
# "phone" is optional here only so staff accounts without a phone can sign in (allauth would
# otherwise send them to phone verification); PhoneSignupForm makes it required at sign-up.
ACCOUNT_SIGNUP_FIELDS = ["phone"]
SILENCED_SYSTEM_CHECKS = ["account.W001"]
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; on the SQLite of `make run` they are plain indexes.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
# Six digits: easy to type on a phone; guessing is stopped by 3 tries per code and the rate limits.
ALLAUTH_USER_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelled out so they can be read and tightened here.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "request_login_code": "20/m/ip,3/m/key",
    "signup": "20/m/ip",
    "verify_phone": "1/30s/key,3/m/ip",
    "confirm_email": "1/3m/key",
}
ACCOUNT_SIGNUP_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Park Portal"

# Staff sessions expire: a shared office browser must not stay signed in for weeks.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation: Simplified Chinese by default, English selectable.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media files.
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Requests larger than this are refused before a view sees them (9 photos of 10 MB plus the form).
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
UPLOAD_MAX_PIXELS = envint("UPLOAD_MAX_PIXELS", 40_000_000)
UPLOAD_IMAGE_MAX_SIDE = envint("UPLOAD_IMAGE_MAX_SIDE", 1600)
UPLOAD_THUMB_SIDE = envint("UPLOAD_THUMB_SIDE", 320)

# --- SMS: one pluggable sender (parkportal/sms.py).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "parkportal.sms.DatabaseBackend")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "园区党建")

# --- Security.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", True)
ALLAUTH_TRUSTED_PROXY_COUNT = envint("ALLAUTH_TRUSTED_PROXY_COUNT", 0)

# A strict policy: no inline script or style anywhere; everything comes from our origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Domain rules (DOMAIN.md, marked "check"): configuration, not literals in code.
PORTAL_RULES = {
    "BRANCH_MIN_FULL_MEMBERS": envint("RULE_BRANCH_MIN_FULL_MEMBERS", 3),
    "BRANCH_COMMITTEE_MIN_FULL_MEMBERS": envint("RULE_BRANCH_COMMITTEE_MIN_FULL_MEMBERS", 7),
    "GENERAL_BRANCH_MIN_MEMBERS": envint("RULE_GENERAL_BRANCH_MIN_MEMBERS", 50),
    "COMMITTEE_MIN_MEMBERS": envint("RULE_COMMITTEE_MIN_MEMBERS", 100),
    "JOINT_BRANCH_MAX_UNITS": envint("RULE_JOINT_BRANCH_MAX_UNITS", 5),
    "TERM_YEARS_COMMITTEE": envint("RULE_TERM_YEARS_COMMITTEE", 5),
    "TERM_YEARS_BRANCH": envint("RULE_TERM_YEARS_BRANCH", 3),
    "TERM_REMIND_MONTHS": (6, 1),
    "INACTIVE_BRANCH_DAYS": envint("RULE_INACTIVE_BRANCH_DAYS", 30),
    "MEMBER_INACTIVE_ALERT_MONTHS": envint("RULE_MEMBER_INACTIVE_ALERT_MONTHS", 5),
    "PROBATION_MONTHS": envint("RULE_PROBATION_MONTHS", 12),
    "VISIT_INTERVAL_DAYS": envint("RULE_VISIT_INTERVAL_DAYS", 30),
    "VISIT_EDIT_DAYS": envint("RULE_VISIT_EDIT_DAYS", 7),
    "VISIT_MAX_PHOTOS": envint("RULE_VISIT_MAX_PHOTOS", 9),
    "CHECKIN_WINDOW": timedelta(hours=envint("RULE_CHECKIN_WINDOW_HOURS", 2)),
    "CHECKIN_RETENTION_YEARS": envint("RULE_CHECKIN_RETENTION_YEARS", 3),
    "MEDIATION_DAYS": envint("RULE_MEDIATION_DAYS", 15),
    "ARBITRATION_LIMITATION_DAYS": envint("RULE_ARBITRATION_LIMITATION_DAYS", 365),
    "LIMITATION_WARN_DAYS": envint("RULE_LIMITATION_WARN_DAYS", 60),
    "JUDICIAL_CONFIRMATION_DAYS": envint("RULE_JUDICIAL_CONFIRMATION_DAYS", 30),
    "EVENT_MAX_FAMILY": envint("RULE_EVENT_MAX_FAMILY", 4),
}

# The bare page measured by `make bench` exists only when this is on.
BENCHMARK_PAGE_ENABLED = envbool("BENCHMARK_PAGE_ENABLED", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
        # One line per request; the request middleware never logs personal data.
        "parkportal.requests": {
            "handlers": ["console"],
            "level": os.environ.get("REQUEST_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}

if DEBUG:
    ALLOWED_HOSTS += ["testserver"]
