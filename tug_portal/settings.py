"""Settings for TUG Portal, read from environment variables.

With no environment at all the portal runs "embedded": SQLite, a file-system Celery broker, a
file cache and mail written to files, all under `var/`. Production (and CI) points the same code
at PostgreSQL, Redis and SMTP through `DATABASE_URL`, `CELERY_BROKER_URL`, `CACHE_URL` and
`EMAIL_HOST`. The code branches on these settings, never on "are we testing".
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from tug_portal.common.files import embedded_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything the embedded default writes (database, cache, broker, mail, static files). Its
# folders are created on first use, not here (common/files.py, `embedded_folders_ensure`).
VAR_DIR = Path(os.environ.get("TUG_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)
# A developer's machine (`make run` and `make test` set TUG_EMBEDDED=1): plain http, static files
# from the source folders, and a secret key generated once into var/. Read here only.
TUG_EMBEDDED = env_bool("TUG_EMBEDDED")

# A secret key must come from the environment in production. The embedded default (DEBUG or
# TUG_EMBEDDED) may use a key generated once into var/ (0600: it signs sessions and links).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TUG_EMBEDDED):
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (production), or TUG_EMBEDDED=1 to run locally."
        )
    SECRET_KEY = embedded_secret_key(VAR_DIR / "secret_key")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# --- Site address -------------------------------------------------------------------------
# The public base URL of every absolute link (pages, feeds, API, mails: tug_portal/common/site.py).
# Unset, it is the local server `make run` starts on PORT, so that links lead back to it.
SITE_URL = (
    os.environ.get("TUG_SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}"
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "axes",
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
    "tug_portal.digest",
    "tug_portal.importer",
    "tug_portal.materials",
    "tug_portal.api",
    "tug_portal.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Refuse an over-large body (413) before anything reads it
    # (tug_portal/common/request_guards.py; a NUL character is refused after auth, below).
    "tug_portal.common.request_guards.RequestSizeMiddleware",
    # Refuses again, at once, a client the fair-use budgets refused a moment ago (429), before
    # static files, the CSP, compression, sessions, auth and URL resolving
    # (tug_portal/common/fair_use_gate.py).
    "tug_portal.common.fair_use_gate.FairUseGateMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Django's, but leaving byte-range answers (downloads) as they are (common/gzip.py).
    "tug_portal.common.gzip.GZipMiddleware",
    # Answers a subscribed calendar's poll (304) before sessions, auth and URL resolving.
    "tug_portal.calendars.middleware.FeedNotModifiedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The large upload limit of the admin's material and agenda forms is for staff only. Then
    # a NUL character in a query or form value is refused (400) before any view looks a value
    # up: only here, as it parses the body, which an anonymous upload must not have read.
    "tug_portal.common.request_guards.StaffUploadSizeMiddleware",
    "tug_portal.common.request_guards.NulInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tug_portal.common.middleware.DatabaseUnavailableMiddleware",
    "tug_portal.common.fair_use.FairUseMiddleware",
    "axes.middleware.AxesMiddleware",
    # Anonymous requests' queries get a time limit on PostgreSQL (so that a search cannot tie up
    # the database); after DatabaseUnavailableMiddleware, so that its 503 for a cancelled search
    # speaks first.
    "tug_portal.common.statement_timeout.PublicStatementTimeoutMiddleware",
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
    # Connections outlive requests here too (CONN_MAX_AGE, as on PostgreSQL): a new SQLite
    # connection runs the PRAGMAs above and starts with a cold page cache and schema, which
    # cost a page rendered afresh about a quarter of its time (bench rows 8a-8d).

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Forms render through Django's templates, except the widgets, labels and error lists the admin
# and the filter forms use most, written in Python with the same markup (common/admin_markup.py).
FORM_RENDERER = "tug_portal.common.admin_markup.AdminFormRenderer"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now: a typed "caiso.com" is https

# --- Cache ----------------------------------------------------------------------------------
# Redis when CACHE_URL is set (shared by all web processes, as the fair-use budgets need);
# otherwise files under var/, which web, worker and beat processes also share.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "tug_portal.common.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tug"),
        }
    }
else:
    CACHES = {
        "default": {
            # Django's, counting its files once every 50 writes, not on each (common/file_cache).
            "BACKEND": "tug_portal.common.file_cache.FileBasedCacheCountedNowAndThen",
            "LOCATION": str(VAR_DIR / "cache"),
            # Past this many files a count deletes at random down to two thirds of it (the
            # stored pages, the content version and the budgets alike): above the pages of a
            # ten-year archive.
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("TUG_FILE_CACHE_MAX_ENTRIES", "2000"))},
        }
    }
# Anonymous visitors' search result pages (web/cache.py): apart from the other stored pages,
# so that a flood of different searches (each one a new page) pushes none of those out. With
# Redis beside the rest (nothing is evicted there: each expires in 11 minutes); embedded, in
# each process's memory, the least recently used out past the bound.
CACHES["searched_pages"] = (
    dict(CACHES["default"])
    if CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "searched-pages",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("TUG_SEARCHED_PAGES_MAX_ENTRIES", "500"))},
    }
)
# What is kept per meeting: the lists' rows (web/row_cache.py), a meeting page's "next
# meeting" (web/next_meetings.py) and the pages' kept parts (web/fragments.py): with Redis,
# beside the rest. Embedded, each process keeps its own in memory: the file cache holds 300
# entries (past them a count deletes down to two thirds, page cache and content version too),
# and a ten-year archive has 1,300 rows. A key names what its entry shows, so what a process
# keeps is never stale. Rows are about 1 KB, but an agenda is up to ~12 KB (the seed's) and is
# kept per content version: 5,000 entries are at most ~60 MB; past them the least recently
# used third goes (an attacker's crawl grew a process by 240 MB with 20,000).
ROW_CACHE_MAX_ENTRIES = int(os.environ.get("TUG_ROW_CACHE_MAX_ENTRIES", "5000"))
CACHES["rows"] = (
    # Redis, and what a process read last in its own memory too: one round trip less per entry.
    {
        **CACHES["default"],
        "BACKEND": "tug_portal.common.cache.RedisCacheKeptLocally",
        "OPTIONS": {"LOCAL_MAX_ENTRIES": ROW_CACHE_MAX_ENTRIES},
    }
    if CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "meeting-rows",
        "OPTIONS": {"MAX_ENTRIES": ROW_CACHE_MAX_ENTRIES},
    }
)

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
            if env_bool("TUG_MANIFEST_STATIC", default=not DEBUG and not TUG_EMBEDDED)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Locally, whitenoise serves straight from the source folders; production runs collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or TUG_EMBEDDED
# Files served at the site's root, by whitenoise, before any view: `/favicon.ico`, which
# browsers ask for on every visit whatever the page links (and the admin links none).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_ROOT = VAR_DIR / "media"

# --- materials: where meeting materials' files live (tug_portal/materials/storage.py) -------
# A folder under var/media/ by default; S3-compatible object storage (django-storages) when a
# bucket is named. Neither has a public address: the web process checks a material is public,
# then streams the file (folder) or redirects to a signed URL (TUG_MATERIALS_SIGNED_URL_SECONDS).
TUG_MATERIALS_S3_BUCKET = os.environ.get("TUG_MATERIALS_S3_BUCKET", "")
TUG_MATERIALS_SIGNED_URL_SECONDS = int(os.environ.get("TUG_MATERIALS_SIGNED_URL_SECONDS", "300"))
if TUG_MATERIALS_S3_BUCKET:
    STORAGES["materials"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": TUG_MATERIALS_S3_BUCKET,
            "endpoint_url": os.environ.get("TUG_MATERIALS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("TUG_MATERIALS_S3_REGION") or None,
            "access_key": os.environ.get("TUG_MATERIALS_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("TUG_MATERIALS_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": TUG_MATERIALS_SIGNED_URL_SECONDS,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["materials"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # No base_url: nothing serves this folder; downloads go through the web process.
        "OPTIONS": {"location": str(MEDIA_ROOT / "materials"), "base_url": None},
    }
# Largest file of each kind (recordings: post longer ones as links), and the request that may
# carry them (the admin's meeting, topic and material forms only; every other request keeps
# TUG_MAX_REQUEST_BYTES).
TUG_MATERIALS_MAX_FILE_BYTES = int(os.environ.get("TUG_MATERIALS_MAX_FILE_BYTES", 200 * 2**20))
TUG_MATERIALS_MAX_RECORDING_BYTES = int(
    os.environ.get("TUG_MATERIALS_MAX_RECORDING_BYTES", 1024 * 2**20)
)
TUG_MATERIALS_MAX_REQUEST_BYTES = int(
    os.environ.get("TUG_MATERIALS_MAX_REQUEST_BYTES", 1100 * 2**20)
)
# Files the admin's "Upload several files" takes at once (more than DATA_UPLOAD_MAX_NUMBER_FILES,
# 100, are refused by the request guard whatever this says).
TUG_MATERIALS_MAX_FILES_PER_UPLOAD = int(os.environ.get("TUG_MATERIALS_MAX_FILES_PER_UPLOAD", "50"))
# A recording posted without a last day is online this long after its meeting (a program's
# "materials settings" may say otherwise).
TUG_MATERIALS_RECORDING_RETENTION_DAYS = int(
    os.environ.get("TUG_MATERIALS_RECORDING_RETENTION_DAYS", "90")
)
# "Materials posted" mails wait this long for more files of the same meeting (one mail a batch).
TUG_MATERIALS_NOTICE_DELAY_SECONDS = int(
    os.environ.get("TUG_MATERIALS_NOTICE_DELAY_SECONDS", "300")
)
# ...but never longer than this after the batch's first posting, however many follow.
TUG_MATERIALS_NOTICE_MAX_WAIT_SECONDS = int(
    os.environ.get("TUG_MATERIALS_NOTICE_MAX_WAIT_SECONDS", "1800")
)

# --- Mail -----------------------------------------------------------------------------------
# SMTP when EMAIL_HOST is set; otherwise each message is written as a file under var/mail/
# (one .eml per message, which a mail client opens: tug_portal/common/mail.py).
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
    EMAIL_BACKEND = "tug_portal.common.mail.MessagePerFileBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "TUG Portal <tug-portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
# The embedded broker is kombu's file-system transport: no server to install.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Broadcast (remote control) exchanges; kombu's default is ./control in the work tree.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu polls the folder every second by default: a task would wait up to a second.
        "polling_interval": 0.1,
    }
else:
    # Fail fast when the broker is down: an edit must never wait on it (the sweep catches up).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "max_retries": 1,
        "interval_start": 0,
        "socket_timeout": 2,
        "socket_connect_timeout": 1,
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = 1
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
# schedule into its tables at start-up, where staff can see (and pause) each entry; an entry is
# found by its name there, so a task renamed here is rewritten in its stored row.
CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {
        # Records that beat is alive, so /readyz and the admin can tell an operator if it is not.
        "task": "tug_portal.common.tasks.record_beat_heartbeat",
        "schedule": 60.0,
    },
    "calendars-sweep-feeds": {
        # Every 5 minutes: sync the calendar state of recent and upcoming meetings (an edit whose
        # on-commit hook never ran), then rebuild every stored feed whose data moved on (an edit
        # made while the broker was down, a day passing). Cheap when nothing changed.
        "task": "tug_portal.calendars.tasks.sweep_feeds",
        "schedule": 300.0,
    },
    "reminders-dispatch": {
        # Every minute: take back claims of dead workers, skip what is too late, and start sending
        # what is due (the batches continue until nothing is due). A reminder is at most a minute
        # late.
        "task": "tug_portal.reminders.tasks.dispatch_due",
        "schedule": 60.0,
    },
    "materials-expire": {
        # Every 10 minutes: unpublish materials past their last day (pages, feeds and the API
        # follow), re-sync meetings whose materials' "public from" passed, and delete expired
        # files after their program's grace period. Idempotent.
        "task": "tug_portal.materials.tasks.expire_materials",
        "schedule": 600.0,
    },
    "materials-notices": {
        # Every minute: plan "materials posted" mails a lost planning task left unplanned, take
        # back those of dead workers, send what is due.
        "task": "tug_portal.materials.tasks.dispatch_material_notices",
        "schedule": 60.0,
    },
    "reminders-sweep": {
        # Every 10 minutes: re-plan the reminders of every upcoming meeting (an edit, subscription
        # or offset change whose task was lost while the broker was down) and re-send confirmation
        # mails that were never sent. Cheap when nothing changed.
        "task": "tug_portal.reminders.tasks.sweep_reminders",
        "schedule": 600.0,
    },
    "digest-plan": {
        # Every 10 minutes: a row for each weekly digest whose local send moment is within the
        # next hour (DIGEST_PLAN_AHEAD_SECONDS), so that the dispatch below finds it when due.
        "task": "tug_portal.digest.tasks.plan_digests",
        "schedule": 600.0,
    },
    "digest-dispatch": {
        # Every minute: send the digests that are due (the reminders' dispatcher, the digest's
        # channel). A digest is at most a minute late.
        "task": "tug_portal.digest.tasks.dispatch_digests",
        "schedule": 60.0,
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # A flood's refusals are not logged one by one (a line per request would be the flood
    # again, on disk): fair_use.py logs each address once when it starts refusing it.
    # Nor are lines anyone can make us write at will (a wrong Host header, a busy 503): one
    # every 10 s, with how many were held back (common/log_filters.py).
    "filters": {
        "no_fair_use_refusals": {"()": "tug_portal.common.fair_use.NoRefusalLogs"},
        # A refused request (4xx) is logged as one line, without the traceback Django adds.
        "no_client_error_tracebacks": {
            "()": "tug_portal.common.log_filters.NoClientErrorTracebacks"
        },
        "busy_sometimes": {"()": "tug_portal.common.log_filters.OncePerInterval"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["no_fair_use_refusals", "no_client_error_tracebacks"]},
        "tug_portal.common.fair_use.busy": {"filters": ["busy_sometimes"]},
        "django.db.backends": {"level": "WARNING"},
        # pypdf reports every quirk of a malformed PDF; the importer says what matters per file.
        "pypdf": {"level": "ERROR"},
    },
}

# Django's refusals of malformed requests (its SuspiciousOperations: a wrong Host header, a
# thousand fields, ...; and a POST without its CSRF token), which anyone can make it log at
# will, each with a traceback or the whole path and Origin header: one line every 10 s per
# kind, without the traceback, its texts cut to 200 characters (found from outside: 2.8 KB of
# log a request; 120 KB for a CSRF refusal of a long path).
for _refusal in [
    "DisallowedHost", "DisallowedRedirect", "TooManyFieldsSent", "TooManyFilesSent",
    "RequestDataTooBig", "SuspiciousFileOperation", "SuspiciousMultipartForm",
    "SuspiciousSession", "csrf",
]:  # fmt: skip
    LOGGING["filters"][f"{_refusal}_sometimes"] = {
        "()": "tug_portal.common.log_filters.OncePerInterval"
    }
    LOGGING["loggers"][f"django.security.{_refusal}"] = {
        "filters": [f"{_refusal}_sometimes", "no_client_error_tracebacks"]
    }

# --- Portal ---------------------------------------------------------------------------------
TUG_ISO_STAFF_GROUP = "ISO staff"
TUG_ISO_VIEWER_GROUP = "ISO viewer"  # view permissions only (hardening: history reverts)

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

# --- reminders ------------------------------------------------------------------------------
# Mail reminders; tug_portal/reminders/README.md states what is guaranteed. Each value can be
# set in the environment (durations in seconds), which is also how tests tune a worker process.
# Mails sent over one SMTP connection, one claim of rows. Each batch pays for its claim, its
# meetings' agenda and their rendering, and a connection: a fan-out spreads that over 500 mails.
REMINDER_BATCH_SIZE = int(os.environ.get("REMINDER_BATCH_SIZE", "500"))
# Batches sent at the same time (each by one worker process) when many mails are due.
REMINDER_DISPATCH_PARALLELISM = int(os.environ.get("REMINDER_DISPATCH_PARALLELISM", "4"))
# A claim older than this is taken back (its worker died). Far longer than one SMTP hand-off
# (EMAIL_TIMEOUT): a live worker renews its claim at a third of this.
REMINDER_CLAIM_TIMEOUT_SECONDS = int(os.environ.get("REMINDER_CLAIM_TIMEOUT_SECONDS", "300"))
# A reminder goes out at most this late (and never after the meeting starts); then it is skipped.
REMINDER_GRACE_SECONDS = int(os.environ.get("REMINDER_GRACE_SECONDS", "1800"))
# Offsets a new program starts with: one day and one hour before each meeting.
REMINDER_DEFAULT_OFFSETS_MINUTES = [24 * 60, 60]
# Transient SMTP errors (4xx, connection lost): tries per mail, the first retry after the
# backoff, each further one after twice as long.
REMINDER_MAX_ATTEMPTS = int(os.environ.get("REMINDER_MAX_ATTEMPTS", "6"))
REMINDER_RETRY_BACKOFF_SECONDS = int(os.environ.get("REMINDER_RETRY_BACKOFF_SECONDS", "60"))
# An "agenda updated" notice waits this long, so that edits made in a row become one notice.
REMINDER_UPDATE_NOTICE_DELAY_SECONDS = int(
    os.environ.get("REMINDER_UPDATE_NOTICE_DELAY_SECONDS", "600")
)
# How long a confirmation link works, and how often one address may be sent one (anti-flood).
REMINDER_CONFIRMATION_MAX_AGE_SECONDS = 7 * 24 * 3600
REMINDER_CONFIRMATION_RESEND_SECONDS = 600
# A subscription never confirmed this many days after it was last asked for is forgotten (the
# reminders' sweep), with its subscriber when that leaves them none. Longer than a link works.
REMINDER_UNCONFIRMED_MAX_AGE_DAYS = int(os.environ.get("REMINDER_UNCONFIRMED_MAX_AGE_DAYS", "7"))
# The right-hand side of every Message-ID; empty: the host of SITE_URL.
REMINDER_MESSAGE_ID_DOMAIN = os.environ.get("REMINDER_MESSAGE_ID_DOMAIN", "")

# --- Mail the public forms make the portal send (fair use, per target) -----------------------
# Counted in the database per *mailbox* (tug_portal/common/mailboxes.py: one key however the
# address is spelled), over the last 24 hours, exactly, across processes.
# Confirmation (or preferences-link) mails the subscribe form may send one mailbox, across all
# programs; further requests that day are dropped without a mail.
# The weekly digest (tug_portal/digest): rows are planned this long before their local send
# moment, and a digest not sent this long after it is skipped (never a Monday digest on Tuesday).
DIGEST_PLAN_AHEAD_SECONDS = int(os.environ.get("DIGEST_PLAN_AHEAD_SECONDS", "3600"))
DIGEST_GRACE_SECONDS = int(os.environ.get("DIGEST_GRACE_SECONDS", str(6 * 3600)))
# The digest's sections, in the order a mail shows them: each a SectionProvider
# (tug_portal/digest/sections.py). Another app adds a section by adding its provider here.
DIGEST_SECTIONS = [
    "tug_portal.digest.sections.UPCOMING",
    "tug_portal.digest.sections.CHANGED",
    "tug_portal.digest.sections.CANCELLED",
    "tug_portal.digest.sections.ANNOUNCEMENTS",
    "tug_portal.materials.digest.MATERIALS_POSTED",
    "tug_portal.digest.sections.ANSWERED_REQUESTS",
]
REMINDER_CONFIRMATION_MAILS_PER_MAILBOX = int(
    os.environ.get("REMINDER_CONFIRMATION_MAILS_PER_MAILBOX", "3")
)
# Different mailboxes one client address (an IPv6 one by its /64) may have the subscribe form
# mail in 24 h; a further one is refused (429, the form kept, when to retry). Counted in the
# cache: atomic on Redis, per process without it.
REMINDER_SUBSCRIBE_MAILBOXES_PER_ADDRESS = int(
    os.environ.get("REMINDER_SUBSCRIBE_MAILBOXES_PER_ADDRESS", "50")
)
# Different mailboxes the subscribe form may have mailed in an hour, from all addresses
# together: a flood from many addresses (each within its share above) must not make the portal
# mail thousands of strangers, nor queue reminders behind those mails. Far above a busy hour's
# real sign-ups; beyond it the form is refused (429, kept) until the hour's oldest ages out.
REMINDER_SUBSCRIBE_MAILBOXES_PER_HOUR = int(
    os.environ.get("REMINDER_SUBSCRIBE_MAILBOXES_PER_HOUR", "600")
)
# Agenda requests mailed to one program contact; further ones are stored and shown to staff in
# the admin's queue ("held"), not mailed.
AGENDA_REQUEST_MAILS_PER_CONTACT = int(os.environ.get("AGENDA_REQUEST_MAILS_PER_CONTACT", "20"))

# --- hardening ------------------------------------------------------------------------------
# Transport security, the Content Security Policy, the login throttle, the acceptable use policy
# and readiness; tug_portal/common/README-operations.md explains each switch. Production is the
# default (`manage.py check --deploy` reports nothing); TUG_EMBEDDED=1 (make run, make test)
# serves plain http on a developer's machine.
# HTTPS everywhere: http is redirected, HSTS pins https for a year (subdomains too; preload is
# only a flag until someone submits the domain to the browsers' list), cookies travel over TLS
# only. TUG_HTTPS=0 turns it all off, for a deployment reachable over http alone (nothing public).
TUG_HTTPS = env_bool("TUG_HTTPS", default=not (DEBUG or TUG_EMBEDDED))
SECURE_SSL_REDIRECT = TUG_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes that call the http port directly
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if TUG_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TUG_HTTPS
SECURE_HSTS_PRELOAD = TUG_HTTPS
SESSION_COOKIE_SECURE = TUG_HTTPS
CSRF_COOKIE_SECURE = TUG_HTTPS
# Behind a proxy that terminates TLS (a load balancer, nginx), Django sees http and would redirect
# forever: TUG_BEHIND_TLS_PROXY=1 trusts the proxy's X-Forwarded-Proto. Only set it when the
# proxy always overwrites that header, or a client could claim https.
if env_bool("TUG_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The networks of the reverse proxies in front of the portal (CIDRs, comma-separated): only a
# request whose direct peer is in one of them has its X-Forwarded-For believed, read from the
# right past these hops (tug_portal/common/clients.py). The default, loopback, fits gunicorn bound
# to 127.0.0.1 behind a proxy on the same host; "" believes no header at all.
TUG_TRUSTED_PROXIES = env_list("TUG_TRUSTED_PROXIES", "127.0.0.0/8,::1")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # forms carry the token in a hidden field; no script needs it
# A refusal says why and carries a token matching the cookie now (common/views.py).
CSRF_FAILURE_VIEW = "tug_portal.common.views.csrf_failure"
SESSION_COOKIE_AGE = int(os.environ.get("TUG_SESSION_SECONDS", str(8 * 3600)))  # a working day
# A signed-in request reads its session from the cache (Redis, or embedded the file cache), not
# the database: one query fewer on every staff page; writes go to both, and an entry the file
# cache culled is read from the database again. A cookie naming no session writes nothing to the
# cache. The user's row is read from the cache too (AUTHENTICATION_BACKENDS below).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"  # links to webex or caiso.com do not leak our URLs
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp 4 format): scripts, styles, fonts and images from our own
# static files only, so no inline <script>, on*= handler or style= attribute runs, even if some
# text slipped past the sanitizer. htmx is configured not to inject its indicator styles
# (base.html's htmx-config meta). data: images are for the admin's and Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": TUG_HTTPS,
    },
}

# Staff log in through Django auth; django-axes pauses logins from an address after 5 failures
# in a row, for 15 minutes, each further attempt restarting the pause (its records: admin, Axes).
AUTHENTICATION_BACKENDS = [
    "tug_portal.common.auth.LoginThrottleBackend",
    # Django's ModelBackend reading the signed-in user from the cache (common/auth.py). A session
    # begun before this backend was named here signs in once more.
    "tug_portal.common.auth.CachedUserBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("TUG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("TUG_LOGIN_LOCKOUT_MINUTES", "15")))
# Failures count per client address and per (username, address) pair, never per username alone:
# a lock on a username would let anyone lock its owner out from elsewhere, again and again.
# Guessing one password from many machines is what two-factor login (TUG_STAFF_2FA) stops.
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
# Two-factor login for staff (TOTP, django-otp; tug_portal/common/admin_site.py): off by default
# so that a new deployment can enrol its staff's devices first; the README recommends turning it
# on. The apps and the middleware are always installed (their tables exist either way).
TUG_STAFF_2FA = env_bool("TUG_STAFF_2FA")
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
OTP_TOTP_ISSUER = "TUG Portal"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tug_portal.common.clients.throttle_ip"  # an IPv6 line by its /64
AXES_LOCKOUT_CALLABLE = "tug_portal.common.auth.lockout_response"

# --- Fair use (tug_portal/common/fair_use.py, budgets.py, slots.py) -------------------------
# Token buckets per client address: one per endpoint group and one per canonical service (a URL
# with only the query its view reads). A full answer costs 1 token; one from stored bytes or a
# 304 costs the fraction below. Every number is an environment variable,
# TUG_FAIR_USE_<GROUP>_<NAME> (e.g. TUG_FAIR_USE_FEEDS_PER_MINUTE). Sized so that 1,000
# calendar clients behind one address, a hosted calendar service's fetchers and a person's
# double clicks are never refused, and a loop on one URL is within a second or two
# (tests/hardening/test_fair_use_endpoints.py).
TUG_FAIR_USE_ENABLED = env_bool("TUG_FAIR_USE_ENABLED", default=True)
# (group, URL names, methods): the first group that names a request counts it.
FEED_URL_NAMES = ["calendars:feed_*", "calendars:meeting_ics", "web:announcement_feed"]
TUG_FAIR_USE_GROUPS = [
    ("feeds", FEED_URL_NAMES, ["GET", "HEAD"]),
    ("api", ["api:*"], ["GET", "HEAD"]),
    ("pages", ["*"], ["GET", "HEAD"]),
    ("forms", ["*"], ["POST", "PUT", "PATCH", "DELETE"]),
]
# Never counted: staff's own area (its login has the throttle above), probes. (The API's schema
# and docs are counted as the API: the schema from stored bytes, api/api.py.)
TUG_FAIR_USE_EXEMPT = ["admin:*", "healthz", "readyz"]


def _fair_use_budget(group: str, **defaults: float) -> dict[str, float]:
    prefix = f"TUG_FAIR_USE_{group.upper()}_"
    return {
        name: float(os.environ.get(prefix + name.upper(), str(default)))
        for name, default in defaults.items()
    }


TUG_FAIR_USE_BUDGETS = {
    # per_minute/burst: the address's bucket for the group; service_*: its bucket per URL.
    "feeds": _fair_use_budget(
        "feeds", per_minute=120, burst=120, service_per_minute=60, service_burst=30,
        stored_cost=0.5, not_modified_cost=0.1,
    ),
    "api": _fair_use_budget(
        "api", per_minute=120, burst=60, service_per_minute=60, service_burst=30,
        stored_cost=1, not_modified_cost=0.5,
    ),
    "pages": _fair_use_budget(
        "pages", per_minute=240, burst=120, service_per_minute=120, service_burst=60,
        stored_cost=0.2, not_modified_cost=0.2,
    ),
    "forms": _fair_use_budget(
        "forms", per_minute=20, burst=30, service_per_minute=10, service_burst=20,
        stored_cost=1, not_modified_cost=1,
    ),
}  # fmt: skip
# Expensive anonymous work at once (slots.py): searches (a `q`) take a "search" slot, other pages
# rendered afresh (page cache misses) a "render" slot; apart, so that a search flood never takes
# an ordinary page's slot. Beyond it: 503 with Retry-After at once (or the page stored earlier,
# web/cache.py). Sized from the web processes of this deployment (WEB_CONCURRENCY, which
# gunicorn reads too): renders half of them, searches a quarter, at least one each, so that
# expensive work can never take them all where there are four or more.
WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", "4"))
TUG_FAIR_USE_SLOTS = {
    "render": int(os.environ.get("TUG_FAIR_USE_RENDER_SLOTS", str(max(1, WEB_CONCURRENCY // 2)))),
    "search": int(os.environ.get("TUG_FAIR_USE_SEARCH_SLOTS", str(max(1, WEB_CONCURRENCY // 4)))),
    # Agenda files read at once (importer/bounded.py), each in a child allowed
    # TUG_IMPORT_MEMORY_LIMIT_BYTES: staff's uploads, but eight at once took 626 MB.
    "import": int(os.environ.get("TUG_IMPORT_READ_SLOTS", "2")),
}
# What a request's work adds to its cost (anonymous reads; a POST counts by number): a token
# per SECONDS_PER_TOKEN of CPU and database time (common/work_time.py) beyond the first
# FREE_SECONDS, charged after the view. A cached page or a stored feed stays far below it; a
# client whose every request is expensive spends its budget by the work it causes (at most a
# bounded share of the workers), not by its number of requests.
TUG_FAIR_USE_FREE_SECONDS = float(os.environ.get("TUG_FAIR_USE_FREE_SECONDS", "0.025"))
TUG_FAIR_USE_SECONDS_PER_TOKEN = float(os.environ.get("TUG_FAIR_USE_SECONDS_PER_TOKEN", "0.025"))
TUG_FAIR_USE_SLOT_LEASE_SECONDS = int(os.environ.get("TUG_FAIR_USE_SLOT_LEASE_SECONDS", "30"))
TUG_FAIR_USE_SLOT_RETRY_AFTER = int(os.environ.get("TUG_FAIR_USE_SLOT_RETRY_AFTER", "2"))
# A client refused a moment ago that asks again at once (a loop that ignores Retry-After) gets
# its 429 after a pause of at most this many seconds (fair_use_gate.py): a sleep, no work, in at
# most PAUSE_THREADS of each process's threads at once (half of gunicorn's WEB_THREADS), so that
# the others are always free for everyone else. 0 turns the pause off.
WEB_THREADS = int(os.environ.get("WEB_THREADS", "8"))
TUG_FAIR_USE_REPEAT_PAUSE_SECONDS = float(
    os.environ.get("TUG_FAIR_USE_REPEAT_PAUSE_SECONDS", "1.0")
)
TUG_FAIR_USE_REPEAT_PAUSE_THREADS = int(
    os.environ.get("TUG_FAIR_USE_REPEAT_PAUSE_THREADS", str(max(1, WEB_THREADS // 2)))
)

# Readiness (/readyz, the admin banner): beat is "stale" when its heartbeat (every minute) is
# older than this; the broker probe gives up after this many seconds.
TUG_BEAT_STALE_AFTER = int(os.environ.get("TUG_BEAT_STALE_AFTER", "300"))
TUG_READYZ_BROKER_TIMEOUT = float(os.environ.get("TUG_READYZ_BROKER_TIMEOUT", "3"))
# Reminders are dispatched every minute: one still unsent 10 minutes after it was due means the
# dispatcher or the SMTP server is not keeping up (tug_portal/reminders/health.py).
TUG_READYZ_REMINDER_LAG = int(os.environ.get("TUG_READYZ_REMINDER_LAG", "600"))
# Who sees /readyz's details (the checks, as JSON): staff, a caller with this token
# (`Authorization: Bearer ...`; empty: no token works) and callers from these networks (CIDRs).
# Anyone else gets the bare status code, from a result kept this many seconds per process.
TUG_READYZ_TOKEN = os.environ.get("TUG_READYZ_TOKEN", "")
TUG_READYZ_ALLOW_NETWORKS = env_list("TUG_READYZ_ALLOW_NETWORKS", "127.0.0.0/8,::1")
TUG_READYZ_PUBLIC_SECONDS = float(os.environ.get("TUG_READYZ_PUBLIC_SECONDS", "10"))
# A database that does not answer fails the request in seconds (a 503), not minutes.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    )

# --- Search that cannot be used as a weapon ------------------------------------------------
# No query of an anonymous web request may run longer than this (PostgreSQL: its
# `statement_timeout`; SQLite: its CPU time; common/statement_timeout.py): a search that would
# is cancelled and answered 503 "try a narrower search". Staff, the admin, migrations and Celery
# tasks keep the server's setting. 0 turns the limit off.
TUG_PUBLIC_STATEMENT_TIMEOUT_MS = int(os.environ.get("TUG_PUBLIC_STATEMENT_TIMEOUT_MS", "2000"))

# --- web ------------------------------------------------------------------------------------
# How long an anonymous visitor's page may be served from the page cache (tug_portal/web/cache.py).
# An edited meeting, announcement or link shows at once (web/receivers.py bumps the content
# version); this bounds the rest: "upcoming" becoming "past". A minute at the most.
TUG_WEB_PAGE_CACHE_SECONDS = int(os.environ.get("TUG_WEB_PAGE_CACHE_SECONDS", "60"))
# How much longer a stored page is kept, to be served only while every render slot is taken.
TUG_WEB_PAGE_STALE_SECONDS = int(os.environ.get("TUG_WEB_PAGE_STALE_SECONDS", "600"))

# --- Request size (tug_portal/common/request_guards.py) -------------------------------------
# A request body larger than this is answered 413 before anything reads it. The admin's agenda
# upload may carry the importer's largest file (10 MB) and its form.
TUG_MAX_REQUEST_BYTES = int(os.environ.get("TUG_MAX_REQUEST_BYTES", 2 * 2**20))
TUG_MAX_IMPORT_REQUEST_BYTES = int(os.environ.get("TUG_MAX_IMPORT_REQUEST_BYTES", 11 * 2**20))
# Form fields (Django's own check) never exceed the request; an uploaded file larger than this is
# spooled to a temporary file instead of held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = TUG_MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2**20
# Django's own, except that a temporary file's name never carries the upload's "extension" (a
# long one made the name too long for the file system: an error before any form could refuse).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "tug_portal.common.upload_handlers.TemporaryFileUploadHandler",
]
# Files one request may carry: Django's default (each is an open temporary file while the request
# is read). Past it, request_guards answers 400 saying how many one upload may hold.
DATA_UPLOAD_MAX_NUMBER_FILES = 100

# --- importer: bounds on reading an agenda file ---------------------------------------------
# Agenda files often come from outside: each is read in a child process under a memory and a
# time limit (tug_portal/importer/bounded.py), and refused, with a message saying why, when it
# holds more than any agenda would (extract.py). The README's "Importing agendas" explains them.
TUG_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("TUG_IMPORT_MAX_UNPACKED_BYTES", 20 * 2**20))
TUG_IMPORT_MAX_PAGES = int(os.environ.get("TUG_IMPORT_MAX_PAGES", "200"))
TUG_IMPORT_MAX_PARAGRAPHS = int(os.environ.get("TUG_IMPORT_MAX_PARAGRAPHS", "5000"))
TUG_IMPORT_MAX_LINE_CHARS = int(os.environ.get("TUG_IMPORT_MAX_LINE_CHARS", "5000"))
# What the parsed agenda may list (real ones: a few dozen topics): each is a row to import.
TUG_IMPORT_MAX_TOPICS = int(os.environ.get("TUG_IMPORT_MAX_TOPICS", "200"))
TUG_IMPORT_MAX_DIAL_INS = int(os.environ.get("TUG_IMPORT_MAX_DIAL_INS", "20"))
TUG_IMPORT_MAX_DOCUMENTS = int(os.environ.get("TUG_IMPORT_MAX_DOCUMENTS", "200"))
TUG_IMPORT_MAX_ANNOUNCEMENTS = int(os.environ.get("TUG_IMPORT_MAX_ANNOUNCEMENTS", "50"))
TUG_IMPORT_MEMORY_LIMIT_BYTES = int(os.environ.get("TUG_IMPORT_MEMORY_LIMIT_BYTES", 512 * 2**20))
# Under gunicorn's worker timeout (30 s by default), which would answer the upload with a 502.
TUG_IMPORT_TIME_LIMIT_SECONDS = float(os.environ.get("TUG_IMPORT_TIME_LIMIT_SECONDS", "15"))
