"""Settings for TUG Portal, read from environment variables.

With no environment at all the portal runs "embedded": SQLite, a file-system Celery broker, a
file cache and mail written to files, all under `var/`. Production (and CI) points the same code
at PostgreSQL, Redis and SMTP through `DATABASE_URL`, `CELERY_BROKER_URL`, `CACHE_URL` and
`EMAIL_HOST`. The code branches on these settings, never on "are we testing".
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TUG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

# A secret key must come from the environment in production. The embedded default (DEBUG, or
# `make run`/`make test`, which set TUG_EMBEDDED=1) may use a key generated once into var/.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or env_bool("TUG_EMBEDDED")):
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (production), or TUG_EMBEDDED=1 to run locally."
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        from django.utils.crypto import get_random_string

        key_file.write_text(get_random_string(64))
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The public base URL, used for absolute links in feeds and mails (no request there).
SITE_URL = os.environ.get("TUG_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.syndication",
    "django_htmx",
    "template_partials",
    "simple_history",
    "django_celery_beat",
    "tug_portal.common",
    "tug_portal.meetings",
    "tug_portal.calendars",
    "tug_portal.reminders",
    "tug_portal.importer",
    "tug_portal.api",
    "tug_portal.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tug_portal.urls"
WSGI_APPLICATION = "tug_portal.wsgi.application"

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

# --- Database -------------------------------------------------------------------------------
# SQLite under var/ by default; DATABASE_URL (postgres://...) for production and CI.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'tug_portal.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Celery worker started by a test sees the test database;
    # WAL and a busy timeout let web, worker and beat share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_tug_portal.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now: a typed "caiso.com" is https

# --- Cache ----------------------------------------------------------------------------------
# Redis when CACHE_URL is set (shared by all web processes, as the acceptable-use limiter needs);
# otherwise files under var/, which web, worker and beat processes also share.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tug"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- Time -----------------------------------------------------------------------------------
# Instants are stored in UTC; each meeting is shown in its own IANA zone. TIME_ZONE is the zone
# staff see in the admin and the default for new programs.
USE_TZ = True
TIME_ZONE = os.environ.get("TUG_DEFAULT_TIME_ZONE", "America/Los_Angeles")
TUG_DEFAULT_TIME_ZONE = TIME_ZONE
LANGUAGE_CODE = "en-us"
USE_I18N = False

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("TUG_MANIFEST_STATIC", default=not DEBUG and not env_bool("TUG_EMBEDDED"))
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Locally, whitenoise serves straight from the source folders; production runs collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("TUG_EMBEDDED")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"

# --- Mail -----------------------------------------------------------------------------------
# SMTP when EMAIL_HOST is set; otherwise each message is written as a file under var/mail/.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "TUG Portal <tug-portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
# The embedded broker is kombu's file-system transport: no server to install.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    # Fail fast when the broker is down: an edit must never wait on it (the sweep catches up).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "socket_timeout": 2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Every periodic task, in one place, each with why and when. django-celery-beat copies this
# schedule into its tables at start-up, where staff can see (and pause) each entry.
CELERY_BEAT_SCHEDULE: dict = {
    "beat-heartbeat": {
        # Records that beat is alive, so /readyz and the admin can tell an operator if it is not.
        "task": "tug_portal.common.tasks.record_beat_heartbeat",
        "schedule": 60.0,
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Portal ---------------------------------------------------------------------------------
TUG_ISO_STAFF_GROUP = "ISO staff"

# --- calendars ------------------------------------------------------------------------------
# The domain part of every event UID ("<meeting uuid>@<domain>"). Calendar clients identify
# events by UID: never change it once feeds are published, or every subscriber sees duplicates.
TUG_ICAL_UID_DOMAIN = os.environ.get("TUG_ICAL_UID_DOMAIN", "tug-portal")
# How far back a feed reaches (everything ahead is always in); ?history=all gives the archive.
TUG_ICAL_HISTORY_DAYS = int(os.environ.get("TUG_ICAL_HISTORY_DAYS", "730"))
# How long an event's DESCRIPTION starts with "Updated <date>: what changed".
TUG_ICAL_CHANGE_NOTE_DAYS = int(os.environ.get("TUG_ICAL_CHANGE_NOTE_DAYS", "14"))
# How long a cancelled meeting stays in feeds as STATUS:CANCELLED (after it was cancelled), so
# that every subscribed client has refreshed and removed it.
TUG_ICAL_CANCELLED_DAYS = int(os.environ.get("TUG_ICAL_CANCELLED_DAYS", "60"))
CELERY_BEAT_SCHEDULE["calendars-sweep-feeds"] = {
    # Every 5 minutes: sync the calendar state of recent and upcoming meetings (an edit whose
    # on-commit hook never ran), then rebuild every stored feed whose data moved on (an edit
    # made while the broker was down, a day passing). Cheap when nothing changed.
    "task": "tug_portal.calendars.tasks.sweep_feeds",
    "schedule": 300.0,
}
