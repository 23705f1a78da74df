"""Settings of the community certificate portal, read from environment variables (see .env.example).

DEBUG is off unless set; with DEBUG off, SECRET_KEY and ALLOWED_HOSTS are required and the security
settings are those that `manage.py check --deploy` asks for.
"""

import datetime as dt
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.urls import reverse_lazy

from portal.env import env_bool, env_int, env_list, env_str, require

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "development-only-insecure-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver"]
else:
    require("SECRET_KEY", SECRET_KEY)
    require("ALLOWED_HOSTS", ALLOWED_HOSTS)

# Demo mode marks seed data and documents as specimens; seed_demo refuses to run without DEBUG.
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Not "rest_framework": its zh_Hans catalog would replace Django's own Chinese form messages site-wide; the API
    # needs none of its templates, and its input messages are the portal's (portal/api.py).
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal",
    "catalog",
    "certificates",
    "seals",
]

MIDDLEWARE = [
    "portal.request_id.RequestIdMiddleware",
    # Only a GET or HEAD may read the signed-in state from the shared cache; a write reads the database.
    "portal.authstate.ReadOnlyScopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files and every error page carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.authstate.CachedOTPMiddleware",  # django-otp's, with the session's device from the shared cache
    # After OTPMiddleware: a privileged account whose session has not passed the second step sees only that step.
    "portal.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Database down: a 503 "系统维护中" page that needs no database (see portal/errors.py).
    "portal.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the sign-in page with the time to try again.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.site",
            ],
        },
    },
]

# Persistent connections (DB_CONN_MAX_AGE seconds) checked before reuse (DB_CONN_HEALTH_CHECKS): after a database
# restart a worker's stale connection is replaced on the next request instead of failing it. Behind PgBouncer in
# transaction mode set DB_DISABLE_SERVER_SIDE_CURSORS=1: QuerySet.iterator() would otherwise declare a cursor on one
# server connection and fetch from another (deploy/README.md, "Connection pooling").
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
        disable_server_side_cursors=env_bool("DB_DISABLE_SERVER_SIDE_CURSORS", False),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The requests' covering index (certificates.models, request_oversight_cover) carries its extra columns on
# PostgreSQL, production; SQLite, the embedded default, builds it as a plain (community, status) index, which is
# what it needs: nothing to warn about.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "portal.User"
# AxesStandaloneBackend first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.auth.PhoneOrUsernameBackend",
    "portal.auth.SmsCodeBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first: the source strings are Simplified Chinese, English is a translation.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files live outside any public URL; they are served only through views that check access.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Object storage (S3-compatible: MinIO, Ceph, a cloud's object store) for uploads, issued PDFs and notice boards, when
# S3_BUCKET is set; otherwise files under MEDIA_ROOT. Objects are private (no public-read ACL) and the portal never
# hands out their URL: every download is streamed through the view that checks access and records it. Should a URL
# ever be made, it is signed and expires after S3_URL_EXPIRE_SECONDS. Files are never overwritten in place: a name
# that exists gets a new one, as on local disk (issued PDFs are permanent).
S3_BUCKET = env_str("S3_BUCKET")
S3_STORAGE = {
    "BACKEND": "portal.storage.PrivateS3Storage",
    "OPTIONS": {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
        "region_name": env_str("S3_REGION") or None,
        "access_key": env_str("S3_ACCESS_KEY_ID") or None,
        "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
        "location": env_str("S3_PREFIX"),
        "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
        "signature_version": "s3v4",
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": env_int("S3_URL_EXPIRE_SECONDS", 60),
        "file_overwrite": False,
        "max_memory_size": 2 * 1024 * 1024,  # a download larger than this is spooled to a temporary file
    },
}
if S3_BUCKET:
    STORAGES["default"] = S3_STORAGE
# Signing keys (the QR payload's Ed25519 key): files outside the repository and the database, readable only by the
# portal's user (portal/keys.py). Production sets this to a directory the deployment provisions.
SIGNING_KEY_DIR = Path(env_str("SIGNING_KEY_DIR", str(Path.home() / ".local" / "share" / "community-portal" / "keys")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@example.invalid")
# The first migrate loads the shipped statistical division list (portal/regions_import.py); test settings skip it.
REGIONS_LOAD_ON_MIGRATE = True
# Text messages (portal/sms.py): the console backend logs them (development).
SMS_BACKEND = env_str("SMS_BACKEND", "portal.sms.ConsoleBackend")
# For portal.sms.AliyunBackend / TencentBackend: the provider's endpoint (empty: its public one), credentials, the
# registered signature and template ids; Tencent also needs its SMS application id and region.
SMS_ENDPOINT = env_str("SMS_ENDPOINT", "")
SMS_PROTOCOL = env_str("SMS_PROTOCOL", "https")
SMS_ACCESS_KEY_ID = env_str("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = env_str("SMS_ACCESS_KEY_SECRET", "")
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "社区证明")
SMS_TEMPLATE_IDS = env_str("SMS_TEMPLATE_IDS", "")
SMS_APP_ID = env_str("SMS_APP_ID", "")
SMS_REGION = env_str("SMS_REGION", "ap-guangzhou")

# Shown in the footer and on the notice board: who runs this deployment.
PORTAL_OPERATOR = env_str("PORTAL_OPERATOR", "陕西省民政厅（演示）")
# Public verification page: at most this many look-ups per client address per window.
VERIFY_RATE_LIMIT = env_int("VERIFY_RATE_LIMIT", 30)
VERIFY_RATE_WINDOW_SECONDS = env_int("VERIFY_RATE_WINDOW_SECONDS", 60)
# A shared cache (rate limits across processes) when REDIS_URL is set; otherwise per-process memory.
REDIS_URL = env_str("REDIS_URL")
# How many worker processes serve the portal (gunicorn reads the same variable). More than one needs REDIS_URL:
# the check portal.E001 (portal/checks.py) refuses to start otherwise.
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 1)
# Redis down: the portal keeps serving without the shared cache (portal/cache.py); short timeouts so that a Redis that
# does not answer costs a request one second, not a hang.
CACHES = {
    "default": {
        "BACKEND": "portal.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# The signed-in state (session, account, device, memberships) from the shared cache, each copy kept at most this many
# seconds and deleted at once by any change (portal/authstate.py). Only with Redis: a per-process cache could not be
# cleared in the other workers.
AUTH_STATE_SECONDS = env_int("AUTH_STATE_SECONDS", 60) if REDIS_URL else 0
SESSION_ENGINE = "portal.authstate" if AUTH_STATE_SECONDS > 0 else "django.contrib.sessions.backends.db"
# The busiest signed-in pages kept per person and session until anything they show changes, at most this many seconds
# (portal/pagecache.py). Only where the sign-in state is kept (above); 0 turns it off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60) if AUTH_STATE_SECONDS > 0 else 0

# The task queue (portal/celery.py): a Redis URL with its own database number, e.g. redis://127.0.0.1:6379/1. Unset,
# tasks run inline in the process that asks for them (make run needs nothing). REDIS_URL alone does not turn queueing
# on: a queue that no worker serves would hold every notification back without a word.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True  # inline, a task fails like the function call it replaces
# A task's message is acknowledged only when the task has finished: a worker killed mid-task (OOM, deploy, SIGKILL)
# gives it back and another runs it. Every task is idempotent (keyed), so the second run has no second effect.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a worker holds no more than it runs: a lost worker loses no queue
CELERY_TASK_IGNORE_RESULT = True  # tasks record their outcome in the database (deliveries, retention records)
# Redis unreachable: the web request that queues a task gives up fast (the work stays a pending row, see the beat
# schedule) instead of hanging on connection retries.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# An unacknowledged message comes back to the queue after this long (must exceed the longest task and retry wait).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 3600)}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    # Deliveries whose retry wait is over, and any that could not be queued while Redis was down.
    "notifications-due": {"task": "certificates.tasks.send_due_notifications", "schedule": 60.0},
    "statistics-refresh": {"task": "certificates.tasks.refresh_statistics", "schedule": crontab(minute=15, hour=1)},
    "oversight-snapshots": {"task": "certificates.tasks.refresh_oversight", "schedule": crontab(minute="*/10")},
    "retention-sweep": {"task": "certificates.tasks.apply_retention", "schedule": crontab(minute=30, hour=3)},
    # The counties' anomaly rules, each morning before offices open (certificates/anomalies.py).
    "anomaly-alerts": {"task": "certificates.tasks.evaluate_alerts", "schedule": crontab(minute=0, hour=6)},
    "notice-boards-sweep": {"task": "catalog.tasks.sweep_notice_boards", "schedule": crontab(minute=45, hour=0)},
    # Large exports' files expire (they are not records); jobs left waiting by a Redis outage are queued again.
    "exports-sweep": {"task": "certificates.tasks.sweep_exports", "schedule": 15 * 60.0},
}
# A published catalog item changed: the notice boards of the communities it binds are rendered after commit
# (catalog/noticeboards.py), unless it binds more communities than this (a national or provincial item): those
# render on their first request. Without a broker nothing is rendered ahead: the renders would run inside the
# officer's publish (about a second per board and language), so each board renders on its first request instead.
NOTICE_BOARD_PRERENDER_MAX_COMMUNITIES = env_int(
    "NOTICE_BOARD_PRERENDER_MAX_COMMUNITIES", 1000 if CELERY_BROKER_URL else 0
)
# Large exports (certificates/exportjobs.py): more rows than this and the register or oversight download is rendered
# by a worker into the private storage, and the officer downloads it from a status page. Fewer: inline, as before.
EXPORT_INLINE_MAX_ROWS = env_int("EXPORT_INLINE_MAX_ROWS", 5000)
# How long a rendered export (and its job row) is kept for the person who asked before the sweep removes it.
EXPORT_RETENTION_HOURS = env_int("EXPORT_RETENTION_HOURS", 24)
# The statistics aggregation: dotted path of `refresh_daily_stats(day_from, day_to)` (dates, inclusive), run nightly
# for yesterday and today by certificates.tasks.refresh_statistics. Empty: the task does nothing.
STATISTICS_REFRESH = ""
# County, city and province oversight figures are kept this long in the shared cache and refreshed every ten minutes
# by the scheduler where someone read them in the last hour (certificates/snapshots.py); 0 computes every page live.
OVERSIGHT_SNAPSHOT_SECONDS = env_int("OVERSIGHT_SNAPSHOT_SECONDS", 900)

# Sign-in lockout (django-axes, see portal/lockout.py): after 5 failures for one account from one client address,
# that pair waits 30 minutes. Never a permanent lockout. The key is the account, however it was typed (username
# or phone), together with the address, so another address is not locked by someone else's failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "portal.auth.lockout_identity"
AXES_CLIENT_IP_CALLABLE = "portal.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
# A retry while locked neither extends the wait (the time we announce stays true) nor counts as a new failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A right password does not wipe earlier failures: otherwise the password alone would reset the count of wrong
# second-step codes (which count towards the same lockout).
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# Typed codes and new passwords never reach axes' stored request data.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "password1", "password2", "new_password1"]
# Second factor (django-otp, see portal/twofactor.py) for everyone but residents: TOTP apps and recovery codes.
OTP_TOTP_ISSUER = "社区证明服务平台"
# The API (/api/v1/, portal/api.py): JSON only; keys authenticate per view (portal/apikeys.py), never the session.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "社区证明服务平台 数据共享接口",
    "DESCRIPTION": (
        "部门凭区县发放的接口密钥核验证明、查询居民是否持有有效证明（只答是否及状态，不返回个人信息）；"
        "公众可查询社区证明事项清单和按核验码核验证明。每次密钥调用都留有记录（用途、依据），区县可查阅。"
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar's static files: the document page loads nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# `make loadtest` routes a bare 50-row table view (portal/loadtest_views.py) to compare pages with; never in production.
LOADTEST_BARE_VIEW = env_bool("LOADTEST_BARE_VIEW", False)
# Public API reads (catalogs) per client address; verification by code shares VERIFY_RATE_LIMIT.
API_PUBLIC_RATE_LIMIT = env_int("API_PUBLIC_RATE_LIMIT", 60)
API_PUBLIC_RATE_WINDOW_SECONDS = env_int("API_PUBLIC_RATE_WINDOW_SECONDS", 60)

# Data retention (数据留存), set by the province; applied by `manage.py apply_retention` (certificates/retention.py).
# Days after a request is finished (issued, refused, withdrawn, cancelled). The register, the seal ledger, issued
# certificates, events and every other permanent record are kept forever and are not listed here.
RETENTION_DAYS = {
    "attachment_files": env_int("RETENTION_ATTACHMENT_FILES_DAYS", 3 * 365),
    "request_personal_data": env_int("RETENTION_REQUEST_PERSONAL_DATA_DAYS", 3 * 365),
}

# The public address printed in QR codes on certificates (the verification page lives under it). Required in
# production: a forgotten setting would print a dead localhost address on certificates that are never re-rendered.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "")
if not DEBUG:
    require("PORTAL_BASE_URL", PORTAL_BASE_URL)

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The CSRF failure page explains the expired page in Chinese and gives back what was typed.
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp). No inline script anywhere: page scripts are static files
# under static/portal/; no inline style either (no <style> blocks, no style attributes), so styles are 'self' only.
# Bootstrap's CSS draws its icons (menu button, checkboxes, select arrows) from data: SVGs, hence img-src data:.
# Violations are reported to portal.views.csp_report, which logs them. A view may tighten its own policy with
# csp.decorators (the seal impression does).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": [reverse_lazy("csp_report")],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True

LOG_FORMAT = env_str("LOG_FORMAT", "text")  # "json": one JSON object per line, for the log collector
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "drop_throttled": {"()": "portal.logs.DropThrottled"},
        "request_id": {"()": "portal.request_id.RequestIdFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    # Each 429 is the rate limit working: not one warning line per throttled request (see portal/logs.py).
    "loggers": {"django.request": {"filters": ["drop_throttled"]}},
}
