"""The one settings module. Every deployment difference is a FASCIA_* environment variable.

See .env.example for each variable, its default and what it does.
"""

import contextlib
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fascia.lib.env import env_bool, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("FASCIA_DEBUG", "False")
TESTING = "pytest" in sys.modules

SECRET_KEY = env_str("FASCIA_SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("Set FASCIA_SECRET_KEY (or FASCIA_SECRET_KEY_FILE) when FASCIA_DEBUG is off")
    SECRET_KEY = "insecure-development-key-never-use-in-production"

# The key that seals signed records (fascia.records.chain): HMAC-SHA256, so whoever can write the database
# but not read this file cannot forge a seal. Keep it outside the database and its backups' reach, and
# never change it (seals made with another key no longer verify). While debugging or testing without a
# file, a random key is made once and kept in var/records-dev.key, so `make run` and `make test` need
# nothing by hand.
_records_key_file = os.getenv("FASCIA_RECORDS_KEY_FILE", "")
if _records_key_file:
    RECORDS_KEY = Path(_records_key_file).read_bytes().strip()
    if len(RECORDS_KEY) < 32:
        raise ImproperlyConfigured(f"The records key in {_records_key_file} is too short: use 32 bytes or more")
elif DEBUG or TESTING:
    _dev_key = BASE_DIR / "var" / "records-dev.key"
    if not _dev_key.exists():  # written whole, then linked in: two processes starting at once agree on one
        _dev_key.parent.mkdir(exist_ok=True)
        _new = _dev_key.with_name(f"records-dev.key.{os.getpid()}")
        _new.write_text(secrets.token_hex(32))
        with contextlib.suppress(FileExistsError):
            os.link(_new, _dev_key)
        _new.unlink()
    RECORDS_KEY = _dev_key.read_bytes().strip()
else:
    raise ImproperlyConfigured(
        "Set FASCIA_RECORDS_KEY_FILE to a file holding the key that seals signed records when FASCIA_DEBUG is off"
    )

ALLOWED_HOSTS = env_list("FASCIA_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("FASCIA_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    "template_partials",
    "ninja",
    "fascia.core",
    "fascia.audit",
    "fascia.practitioners",
    "fascia.patients",
    "fascia.measures",
    "fascia.evaluations",
    "fascia.techniques",
    "fascia.referrals",
    "fascia.plans",
    "fascia.scheduling",
    "fascia.records",
    "fascia.visits",
    "fascia.billing",
    "fascia.frontdesk",
    "fascia.analytics",
    "fascia.portal",
    "fascia.demo",
    "fascia.fhir",
    "fascia.notifications",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fascia.core.middleware.ContentSecurityPolicyMiddleware",
    "fascia.fhir.middleware.OperationOutcomeMiddleware",  # before the next: its 400 for a NUL is one too
    "fascia.core.middleware.RefuseBadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fascia.core.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fascia.core.middleware.NoStoreMiddleware",
    "fascia.core.middleware.IdleSessionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fascia.core.middleware.TwoFactorMiddleware",
    "fascia.audit.middleware.AuditContextMiddleware",
    "fascia.core.middleware.TenancyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fascia.urls"
WSGI_APPLICATION = "fascia.wsgi.application"

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
                "fascia.core.context_processors.navigation",
            ],
        },
    },
]

# SQLite under var/ by default, so `make run` needs nothing installed; postgres://… for a clinic.
DATABASE_URL = env_str("FASCIA_DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'fascia.sqlite3'}")
# A worker keeps its connection for ten minutes (checked before reuse): a new PostgreSQL session
# starts with cold catalog caches, and planning its first queries costs several milliseconds each.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Wait for a writer instead of failing at once; IMMEDIATE takes the write lock at BEGIN,
        # so two transactions that read-then-write are serialized rather than deadlocked.
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a database file like production does: an in-memory database shared between
    # threads locks whole tables at once and ignores the busy timeout, unlike a real file. It sits
    # beside the configured one, so two checkouts (or two runs with their own files) never share it.
    _db_file = DATABASES["default"]["NAME"]
    _db_dir = Path(_db_file).parent if _db_file not in ("", ":memory:") else BASE_DIR / "var"
    DATABASES["default"]["TEST"] = {"NAME": str(_db_dir / "test.sqlite3")}
else:
    # No JIT compilation: it pays off for long analytic queries, not for a page's short ones. Row-level security
    # makes the planner's estimates large (a policy's subquery over the organization's rows), so PostgreSQL's
    # default would compile a one-patient statement query for 35 ms that runs in under 1 ms (bench/README.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

# On PostgreSQL, signed-in requests act as this role, bound by row-level security (fascia.core.tenancy);
# migrations create it (NOLOGIN) when the connecting user may, or a database administrator does.
DATABASE_ROLE = env_str("FASCIA_DATABASE_ROLE", "fascia_app")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must come first: it refuses locked-out logins
    "fascia.core.backends.RoleBackend",  # ModelBackend with permissions from the role (fewer queries)
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# Idle expiry: a staff session ends this long after it was last renewed, a patient's portal session after
# PORTAL_SESSION_IDLE_MINUTES; requests renew them (fascia.core.middleware.IdleSessionMiddleware, at most once
# a minute). The stored session lives as long as the longer of the two; the middleware ends the shorter.
SESSION_IDLE_MINUTES = env_int("FASCIA_SESSION_IDLE_MINUTES", "15", minimum=1)
PORTAL_SESSION_IDLE_MINUTES = env_int("FASCIA_PORTAL_SESSION_IDLE_MINUTES", "20", minimum=1)
SESSION_COOKIE_AGE = max(SESSION_IDLE_MINUTES, PORTAL_SESSION_IDLE_MINUTES) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-axes: lock a username coming from one address after repeated failures.
AXES_FAILURE_LIMIT = env_int("FASCIA_LOGIN_FAILURE_LIMIT", "5", minimum=1)
AXES_COOLOFF_TIME = env_int("FASCIA_LOGIN_LOCKOUT_MINUTES", "15", minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The address failures are counted against: behind our reverse proxy (FASCIA_BEHIND_PROXY), the one the proxy
# appended to X-Forwarded-For, not the proxy's own; otherwise REMOTE_ADDR. The audit log records the same one.
AXES_CLIENT_IP_CALLABLE = "fascia.audit.middleware.client_ip"

OTP_TOTP_ISSUER = "Fascia"

# The public pages an emailed link opens (a portal invitation, a questionnaire) and the portal's password reset
# requests: at most this many from one address per window, the three counted together, else 429
# (fascia.core.ratelimit). Counted in Django's default cache: with no CACHES configured, each process's own
# memory, so N processes allow up to N times as many (README, "The patient portal").
LINK_RATE_LIMIT = env_rate("FASCIA_LINK_RATE_LIMIT", "20/10m")

# Staff pages are in English. The patient portal (/my/) speaks the patient's choice of LANGUAGES, else their
# browser's (fascia.core.middleware.PortalLocaleMiddleware); its translations live in locale/.
LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("FASCIA_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING  # serve from static/ without collectstatic
MEDIA_ROOT = Path(env_str("FASCIA_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("FASCIA_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("FASCIA_EMAIL_PORT", "25")
DEFAULT_FROM_EMAIL = env_str("FASCIA_DEFAULT_FROM_EMAIL", "fascia@localhost")

# Background work (sending messages) is queued in the database and run by `fascia db_worker`, so the
# embedded SQLite default needs no broker. False runs each task at once in the process that queues it:
# no worker to keep running, but whatever queued it waits for the mail server. Tests run them at once.
TASK_WORKER = env_bool("FASCIA_TASK_WORKER", "True") and not TESTING
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASK_WORKER
        else "django_tasks.backends.immediate.ImmediateBackend",
    }
}

# Behind a reverse proxy that sets X-Forwarded-Proto and appends to X-Forwarded-For.
BEHIND_PROXY = env_bool("FASCIA_BEHIND_PROXY", "False")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Production-safe defaults whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Tests run over plain http on localhost, like the development server.
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("FASCIA_SECURE_SSL_REDIRECT", "True")
    # A load balancer checks the app server itself over plain http: answer it rather than redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("FASCIA_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal_without_traceback": {"()": "fascia.lib.logs.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # A 403 is a warning line, never a traceback (fascia.lib.logs); django.request still propagates.
    "loggers": {"django.request": {"filters": ["refusal_without_traceback"]}},
}

NINJA_PAGINATION_PER_PAGE = 25

# The address patients reach Fascia at, e.g. https://clinic.example: the links in what is emailed without a
# request to take it from (questionnaires sent by `fascia send_questionnaires`).
BASE_URL = env_str("FASCIA_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")

# `fascia send_reminders` emails patients this many hours before their appointment.
REMINDER_HOURS = env_int("FASCIA_REMINDER_HOURS", "24", minimum=1)
# An expired massage license blocks new appointments and note signing; False makes it a warning.
EXPIRED_LICENSE_BLOCKS = env_bool("FASCIA_EXPIRED_LICENSE_BLOCKS", "True")
# A visit note still unsigned this many days after the visit is flagged on the practitioner's dashboard.
UNSIGNED_NOTE_DAYS = env_int("FASCIA_UNSIGNED_NOTE_DAYS", "2", minimum=0)

FORM_RENDERER = "fascia.core.forms.FasciaFormRenderer"
