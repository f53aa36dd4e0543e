"""One settings module, read from the environment.

With nothing set, the platform runs on the embedded default: a SQLite file under
``var/``, each web process polling the event table for its dashboards' frames (no channel
layer: ``events/hub.py``), and a Celery broker kept in files under ``var/celery`` (no server
to install). ``DATABASE_URL`` and ``REDIS_URL`` switch to the production stack (PostgreSQL
through psycopg2; Redis for Celery and for the events' after-commit pub/sub, ``events/push.py``).
DEBUG is off unless ``DEBUG=true``; with ``DATABASE_URL`` a missing ``SECRET_KEY`` is an error,
not a silent default (the embedded default keeps a random one in ``var/secret_key``).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return default if value in (None, "") else int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
EMBEDDED = not DATABASE_URL

# Runtime files of the embedded default (SQLite, Celery's file broker, uploads).
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# matplotlib (the summary evaluation's charts) keeps its font list here, not in the home directory: a service
# account's home is often missing or read-only, and matplotlib then rebuilds the list in a temporary folder in
# every process, with a warning. MPLCONFIGDIR set in the environment wins.
os.environ.setdefault("MPLCONFIGDIR", str(VAR_DIR / "matplotlib"))

# DEBUG only when someone asks for it (DEBUG=true), the embedded default included: with it on, a
# wrong address shows every URL pattern and an error the code and settings (issue 14 item 12).
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is (production).")
    # The embedded default makes its own random key once and keeps it under var/ (sessions survive a restart).
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "channels",
    "units",
    "events",
    "alerts",
    "responses",
    "feeds",
    "reductions",
    "duty",
    "training",
    "reports",
    "routines",
    "consultations",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "foundation.middleware.AbsoluteSessionLifetimeMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages, before the views: a repeated submission is done once (issue 14 item 4).
    "events.idempotency.IdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "foundation.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "command_center.urls"
ASGI_APPLICATION = "command_center.asgi.application"
AUTH_USER_MODEL = "units.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.context_processors.platform",
            ],
            # Filters every template has: |when, |when_short, |day (local time), |pollutant (issue 14 item 6);
            # {% idempotency_field %}, which every state-changing form carries (events.idempotency, issue 14 item 4).
            "builtins": ["foundation.display", "events.templatetags.idempotency"],
        },
    },
]

# Per process: answers shared by a unit or the command (events.shared), keyed by the latest event id.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LIVE_CACHE_SECONDS = env_int("LIVE_CACHE_SECONDS", 15)

# Threads per web process that run Django's HTTP views (command_center.asgi).
WEB_THREADS = env_int("WEB_THREADS", 8)

if DATABASE_URL:
    # Persistent connections: each web process serves HTTP from a fixed pool of WEB_THREADS threads
    # (command_center.asgi), so a process holds at most that many; health checks drop dead ones.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # WAL lets the web server, the worker and beat read while one of them writes.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Interface: Simplified Chinese first, English switchable. China Standard Time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Third-party browser code comes from the npm registry (package.json, installed by `make venv`) and is
# served from here under /static/vendor/<package>/: government intranets are offline, so no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/idiomorph", BASE_DIR / "node_modules" / "idiomorph" / "dist"),
    ("vendor/axe-core", BASE_DIR / "node_modules" / "axe-core"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the source folders too, so no collectstatic step is needed to run.
WHITENOISE_USE_FINDERS = True
# Uploaded reports are private: they are served only through a view that checks the unit.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# A report file no attachment names, older than this, was cut off mid-upload: the beat deletes it.
UPLOAD_ORPHAN_MINUTES = env_int("UPLOAD_ORPHAN_MINUTES", 60)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024

# --- Security -------------------------------------------------------------
# HTTPS defaults to on in production; set HTTPS=false only behind a trusted local proxy or in tests.
# The embedded default serves http://127.0.0.1 (no certificate on a laptop); production defaults to HTTPS.
HTTPS = env_bool("HTTPS", not (DEBUG or EMBEDDED))
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Idle expiry: the cookie's age, renewed by activity at most once a SESSION_RENEW_SECONDS; the
# absolute lifetime and the renewal are AbsoluteSessionLifetimeMiddleware's.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 8 * 3600)
SESSION_RENEW_SECONDS = env_int("SESSION_RENEW_SECONDS", 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 24 * 3600)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Failed sign-ins lock one account from one address, never the account everywhere nor the address for
# everyone, for a delay that doubles with each further failure (foundation.lockout).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
LOGIN_LOCK_FIRST_MINUTES = env_int("LOGIN_LOCK_FIRST_MINUTES", 1)
LOGIN_LOCK_MAX_MINUTES = env_int("LOGIN_LOCK_MAX_MINUTES", 60)
AXES_COOLOFF_TIME = "foundation.lockout.cool_off"
AXES_HANDLER = "foundation.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try while locked is refused and not counted: only failures after a lock ends make the next one longer.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
# The lockout answer: a 429 page in the site's layout, saying when to try again and how an admin unlocks.
AXES_LOCKOUT_CALLABLE = "foundation.errorpages.lockout"
# An expired or foreign form: a 403 page that says to reload, in the reader's language.
CSRF_FAILURE_VIEW = "foundation.errorpages.csrf_failure"
# The client address axes sees is REMOTE_ADDR only. X-Forwarded-For and X-Forwarded-Proto are applied
# by command_center.asgi, and only when the peer is one of these proxies (addresses or networks, e.g.
# "10.0.0.5,10.1.0.0/16"); from anyone else they are ignored. Run uvicorn with --no-proxy-headers (Procfile).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON nested deeper than foundation.parsers.MAX_JSON_DEPTH is a 400 (issue 12 item 12).
    "DEFAULT_PARSER_CLASSES": [
        "foundation.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # limit 1..API_MAX_PAGE_SIZE, offset in range, or 400 (foundation/pagination.py; issue 12 item 11).
    "DEFAULT_PAGINATION_CLASS": "foundation.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "foundation.api.exception_handler",
}
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 500)
# An API list's count is exact up to this many rows past the offset, then a floor (offset + this + 1): a
# COUNT(*) of years of rows is not paid on every page (foundation.pagination; issue 13 §4).
API_EXACT_COUNT = env_int("API_EXACT_COUNT", 1000)
SPECTACULAR_SETTINGS = {
    "TITLE": "Heavy-pollution emergency command API",
    "DESCRIPTION": "Warnings, responses, assignments, events and feeds of the district command platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package: no CDN on a government intranet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Document the 4xx/503 answers too (schemathesis checks every answer against the schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "foundation.api.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AlertLevelEnum": "alerts.choices.Level",
        "AlertStatusEnum": "alerts.choices.Status",  # shared by the Alert and AlertDetail components
        # An episode's cause is a warning's "cause" and a measure's "causes": one name for the one choice set.
        "CauseEnum": "alerts.choices.Cause",
        "ResponseLevelEnum": "responses.choices.ResponseLevel",
        # Four fields are named "kind": name each choice set, or the schema gets "Kind603Enum" (W001).
        "ProposalKindEnum": "feeds.choices.ProposalKind",
        "SiteKindEnum": "reductions.choices.SiteKind",
        "ReductionEntryKindEnum": ["enterprise", "site"],
        "UnitKindEnum": "units.choices.UnitKind",
        "DirectiveKindEnum": "consultations.choices.DirectiveKind",
        "BasisKindEnum": "alerts.choices.BasisKind",
        "ReportStatusEnum": "reports.choices.ReportStatus",
        "ReportDayStatusEnum": "reports.choices.DayStatus",
        "BulletinStatusEnum": "reports.choices.BulletinStatus",
        "RoutineRoundStatusEnum": "routines.choices.OccurrenceStatus",
        "RoutineKindEnum": "routines.choices.RoutineKind",
        "RoutineFrequencyEnum": "routines.choices.Frequency",
    },
}

# --- Real time ----------------------------------------------------------------
# No CHANNEL_LAYERS: dashboards do not use Channels' per-consumer channel layer (see events/hub.py).
# Each web process keeps one listener that relays committed events to its sockets.
# Redis pub/sub wakes it at once; the database poll is the safety net (and, in the
# embedded default, the only way events from the worker process arrive).
# Pub/sub channels ignore Redis's db number: by default the channel is named after the database
# (events.push.events_channel), so two databases sharing one Redis never see each other's events.
EVENTS_REDIS_CHANNEL = env_str("EVENTS_REDIS_CHANNEL", "")
EVENTS_POLL_SECONDS = float(env_str("EVENTS_POLL_SECONDS", "2.0" if REDIS_URL else "0.5"))
EVENTS_SOCKET_QUEUE = env_int("EVENTS_SOCKET_QUEUE", 1000)
# Render once per cluster (events.screens.screens_shared): how long a web process waits for the screens another
# process claimed for a batch, and how long that claim lives, before it renders them itself.
EVENTS_SCREEN_WAIT_SECONDS = float(env_str("EVENTS_SCREEN_WAIT_SECONDS", "5.0"))
# The replay's retention rule (issue 13 §4): a socket or /api/events/ cursor more than this many events behind
# the newest is not replayed but reset (the page reloads: its render is the snapshot), so a catch-up
# costs the same after three years as on the first day (bench/history.py: ?after=0 over 400,000 events).
EVENTS_REPLAY_WINDOW = env_int("EVENTS_REPLAY_WINDOW", 5000)

# --- Celery -----------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # How long a task taken by a worker that died (kill -9, lost host) waits before Redis hands it
    # out again (acks_late): above the longest task, or a slow task runs twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600)}
    if env_str("CELERY_KEY_PREFIX", ""):
        # Every broker key under this prefix: processes sharing one Redis db keep their own queues (the
        # fast lane's pytest-xdist workers and the Celery workers their tests start; tests/conftest.py).
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env_str("CELERY_KEY_PREFIX", "")
else:
    _celery_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        # kombu's exchange table; by default a control/ folder in the working directory (issue 14 item 15).
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# The worker reads the feeds once as it starts, so the status is not "no feed has run yet" until the
# first half-hour beat (issue 14 item 15). On by default for the embedded default (`make run`).
FEEDS_FETCH_AT_START = env_bool("FEEDS_FETCH_AT_START", EMBEDDED)
CELERY_BEAT_SCHEDULE = {
    "escalate-overdue-assignments": {
        "task": "responses.tasks.escalate_overdue",
        "schedule": env_int("ESCALATION_INTERVAL_SECONDS", 60),
    },
    # Warnings end by themselves at their planned end, and scheduled lifts happen on time (issue 12 item 8).
    # Recurring duties (issue 17 item 6): each occurrence of a repeated task, on time, once.
    "recur-assignments": {
        "task": "responses.tasks.recur_assignments",
        "schedule": env_int("RECURRENCE_INTERVAL_SECONDS", 60),
    },
    "end-due-alerts": {
        "task": "alerts.tasks.end_due_alerts",
        "schedule": env_int("ALERT_END_INTERVAL_SECONDS", 15),
    },
    "fetch-feeds": {
        "task": "feeds.tasks.fetch_all_feeds",
        "schedule": crontab(minute="*/30"),
    },
    # The screens show who is on duty: at each shift's start, within a minute (issue 17 item 4).
    "hand-over-shifts": {
        "task": "duty.tasks.hand_over_shifts",
        "schedule": env_int("DUTY_HANDOVER_INTERVAL_SECONDS", 60),
    },
    # The reporting cycle (issue 17 items 1 and 3): open each response day's reports, remind and escalate
    # the missing ones, open the units' summaries when a response ends and chase the late ones.
    "reporting-cycle": {
        "task": "reports.tasks.run_reporting_cycle",
        "schedule": env_int("REPORTING_INTERVAL_SECONDS", 60),
    },
    # The office's standing duties (issue 17 item 6): the next round opened, reminders, late rounds escalated.
    "standing-duties": {
        "task": "routines.tasks.run_routines",
        "schedule": crontab(minute=7),
    },
    # Repeated submissions are recognised for a week (events.idempotency, issue 14 item 4).
    "prune-submission-keys": {
        "task": "events.tasks.prune_submission_keys",
        "schedule": crontab(minute=41, hour=3),
    },
    "sweep-unlinked-uploads": {
        "task": "responses.tasks.sweep_uploads",
        "schedule": crontab(minute=17),
    },
}

# --- Domain defaults -----------------------------------------------------------------
DISTRICT_NAME = env_str("DISTRICT_NAME", "江津区")
DISTRICT_NAME_EN = env_str("DISTRICT_NAME_EN", "Jiangjin District")  # what an English reader sees (issue 14 item 9)
# The city's groupings of districts that include this one: a municipal notice for one of them binds the
# district (consultations.selectors.directive_covers_district). Jiangjin is one of the 主城新区 of the
# 主城都市区 (Chongqing's zoning of 2020).
DISTRICT_REGIONS = env_list("DISTRICT_REGIONS", ["主城都市区", "主城新区"])
# A warning's start may be at most this many minutes in the past (the time it took to fill the
# form); an earlier start is refused. Anything in the past takes effect at the moment of issue.
ALERT_START_GRACE_MINUTES = env_int("ALERT_START_GRACE_MINUTES", 5)
# Lead time (issue 15 item 5): the national guidance (环大气〔2024〕6号) asks that a warning be issued
# about 24 hours before the episode starts; a proposal's "issue by" is its episode's start minus this.
ALERT_LEAD_HOURS = env_int("ALERT_LEAD_HOURS", 24)
# Issuing, raising or lowering orange or red needs a consultation record or a municipal directive as its
# basis (issue 15 item 1; alerts.basis). Off only where consultations are recorded outside the platform.
ALERT_BASIS_REQUIRED = env_bool("ALERT_BASIS_REQUIRED", True)
# Acknowledgement deadlines per response level, in minutes (issue: 60 / 30 / 15).
ACK_MINUTES = {
    "III": env_int("ACK_MINUTES_III", 60),
    "II": env_int("ACK_MINUTES_II", 30),
    "I": env_int("ACK_MINUTES_I", 15),
}
# Pluggable notification transports for reminders and escalations (healthchecks style).
NOTIFICATION_TRANSPORT = env_str("NOTIFICATION_TRANSPORT", "responses.transports.LogTransport")
# Escalations and feed failures go to whoever is on duty first (duty.Shift), then to the rest of the
# command once that send is done; if it is still not done after this many minutes, the rest get it anyway.
DUTY_FIRST_WAIT_MINUTES = env_int("DUTY_FIRST_WAIT_MINUTES", 2)
# A feed notifies the command once per run of failures, when this many reads in a row have failed.
FEED_FAILURES_NOTIFY = env_int("FEED_FAILURES_NOTIFY", 3)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
FEED_STALE_MINUTES = env_int("FEED_STALE_MINUTES", 120)
FEED_TIMEOUT_SECONDS = float(env_str("FEED_TIMEOUT_SECONDS", "15"))
# How often a fetch that failed on the network (a timeout, a refused connection) is retried, with backoff.
FEED_FETCH_RETRIES = env_int("FEED_FETCH_RETRIES", 3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A refused request (403, 404, a bad admin autocomplete) is one log line, not a traceback.
    "filters": {"refusals_without_traceback": {"()": "foundation.logs.RefusalsWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["refusals_without_traceback"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["refusals_without_traceback"]},
    },
}

PLATFORM_TITLE = _("Heavy Air Pollution Emergency Command")
# After the acknowledgement deadline, a reminder goes to the unit; this many minutes later
# an escalation goes to the office and the leaders.
ESCALATE_AFTER_MINUTES = env_int("ESCALATE_AFTER_MINUTES", 15)
NOTIFICATION_OUTBOX = Path(env_str("NOTIFICATION_OUTBOX", str(VAR_DIR / "outbox")))

# --- Reporting (issue 17 items 1-3) ---------------------------------------------------------------
# Each tasked unit reports each response day by this local time (HH:MM); reminded this many minutes before.
DAILY_REPORT_DEADLINE = env_str("DAILY_REPORT_DEADLINE", "16:00")
DAILY_REPORT_REMIND_MINUTES = env_int("DAILY_REPORT_REMIND_MINUTES", 60)
# The day's report to the city is due by this local time on the bulletin's day (HH:MM).
CITY_REPORT_DEADLINE = env_str("CITY_REPORT_DEADLINE", "18:00")
# Every tasked unit submits its summary within this many working days after the response ends (China's
# official calendar with its adjusted working weekends, chinese-calendar). The plan says only "及时"
# (附件1 二: 及时汇总上报) and names no number: 5 is the default, set it to the district's rule.
SUMMARY_WORKING_DAYS = env_int("SUMMARY_WORKING_DAYS", 5)
# A bulletin's or evaluation's PDF (LibreOffice, when installed): the conversion is killed after this many seconds
# and the reader gets a 503 with a message (a first conversion on a cold, busy server takes some 10 s).
PDF_TIMEOUT_SECONDS = float(env_str("PDF_TIMEOUT_SECONDS", "60"))
# Who the office's reports go up to (附件1 一: 市政府、区委区政府、市生态环境局).
CITY_REPORT_RECIPIENTS = env_list("CITY_REPORT_RECIPIENTS", ["重庆市人民政府", "中共重庆市江津区委、江津区人民政府", "重庆市生态环境局"])

# --- Feeds (issue 6) -----------------------------------------------------------------
# Open-Meteo base URLs are settings so tests (and an intranet mirror) can point elsewhere.
OPEN_METEO_AQ_URL = env_str("OPEN_METEO_AQ_URL", "https://air-quality-api.open-meteo.com/v1/air-quality")
OPEN_METEO_WEATHER_URL = env_str("OPEN_METEO_WEATHER_URL", "https://api.open-meteo.com/v1/forecast")
OPEN_METEO_FORECAST_DAYS = env_int("OPEN_METEO_FORECAST_DAYS", 5)
# HJ 633 edition for computed AQIs: "2026" (in force 2026-03-01) or "2012".
AQI_STANDARD = env_str("AQI_STANDARD", "2026")
# Weather signals of a heavy-pollution day: literature heuristics, not official thresholds.
FEED_STATIC_WIND_MS = float(env_str("FEED_STATIC_WIND_MS", "2.0"))  # daily mean wind below: static
FEED_HUMID_RH = float(env_str("FEED_HUMID_RH", "80"))  # daily mean relative humidity above: humid
FEED_LOW_BLH_M = float(env_str("FEED_LOW_BLH_M", "500"))  # daily mean boundary layer below: low
FEED_RAIN_MM = float(env_str("FEED_RAIN_MM", "1.0"))  # daily precipitation below: no scavenging
