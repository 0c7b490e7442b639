"""Settings shared by every environment, all driven by environment variables.

With no variables set the platform runs on embedded defaults: an embedded PostgreSQL from pip,
eager Celery, local media files, console email and SMS. Each variable listed in README.md
switches one part to a real service.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from huiji.env import env_bool, env_int, env_list, env_str

PLATFORM_DIR = Path(__file__).resolve().parents[2]  # platform/
REPO_DIR = PLATFORM_DIR.parent
DATA_DIR = Path(env_str("HUIJI_DATA_DIR", str(REPO_DIR / ".data")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")  # required outside development, see production.py
# The base domain: the public site answers on it and every association on <slug>.<base>.
BASE_DOMAIN = env_str("HUIJI_BASE_DOMAIN", "localhost")
# Associations bring their own custom domains, so the Domain table is the real allow-list:
# AssociationMiddleware answers any host that is not in it with the 404 page before a view
# runs. Set ALLOWED_HOSTS to narrow it further at the edge.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["*"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Tenancy ------------------------------------------------------------------------------------
# `accounts`, `audit` and the Django contrib apps live in both lists: operators are users of the
# public schema, applicants, members and staff are users of their association's schema, so an
# account always belongs to exactly one association.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "huiji",  # no models: its templates, static files and translations
    "huiji.audit",
    "tenant_apps.accounts",
    "shared_apps.console",
    "shared_apps.operations",
    "shared_apps.platform_stats",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "huiji.audit",
    "tenant_apps.accounts",
    "tenant_apps.configuration",
    "tenant_apps.memberships",
    "tenant_apps.records",
    "tenant_apps.directory",
    "tenant_apps.imports",
    "tenant_apps.applications",
    "tenant_apps.billing",
    "tenant_apps.notifications",
    "tenant_apps.files",
    "tenant_apps.portal",
    "tenant_apps.dashboards",
    "tenant_apps.bulk",
    "tenant_apps.referrals",
    "tenant_apps.certificates",
    "tenant_apps.roster",
    "tenant_apps.marketplace",
    "tenant_apps.announcements",
    "tenant_apps.submissions",
    "tenant_apps.council_forms",
    "tenant_apps.privacy",
]
# `tenants` comes first: Django takes a management command from the first app that has it, and
# tenants/ replaces django-tenants' migrate_schemas with one that also migrates the template.
INSTALLED_APPS = ["tenants", *[a for a in SHARED_APPS if a != "tenants"]]
INSTALLED_APPS += [a for a in TENANT_APPS if a not in INSTALLED_APPS]

TENANT_MODEL = "tenants.Association"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "huiji.urls_public"
ROOT_URLCONF = "huiji.urls_tenants"
# New associations are cloned from this schema; `migrate_schemas` migrates it on every run.
TENANT_BASE_SCHEMA = "huiji_template"
# Search path is set once per tenant switch, not before every cursor.
TENANT_LIMIT_SET_CALLS = True
DEFAULT_NOT_FOUND_TENANT_VIEW = "huiji.views.unknown_host"
DATABASE_ROUTERS = ["tenants.databases.PlatformRouter", "django_tenants.routers.TenantSyncRouter"]
# Association schemas `migrate_schemas` migrates at once, a process each.
MIGRATION_WORKERS = env_int("MIGRATION_WORKERS", 2)
TENANT_RESOLUTION_CACHE_SECONDS = env_int("TENANT_RESOLUTION_CACHE_SECONDS", 3600)
# Association archives made in the console hold every member's personal data: deleted after
# this many days (docs/operations.md, "Exports").
ASSOCIATION_EXPORT_KEEP_DAYS = env_int("ASSOCIATION_EXPORT_KEEP_DAYS", 7)

# --- Database -----------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    _db = dj_database_url.parse(_database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
else:
    from huiji.embedded_pg import embedded_database

    _db = embedded_database(DATA_DIR / "pg")
_db["ENGINE"] = "django_tenants.postgresql_backend"
_db.setdefault("CONN_HEALTH_CHECKS", True)
DATABASES = {"default": _db}
# Associations on several databases (docs/operations.md): `name=url,name=url`. The public
# schema stays on `default`; each extra database holds the schemas of the associations placed
# on it, and `platform` is a second connection to `default` for the platform's own tables
# while a request or task runs on another database (tenants/databases.py).
TENANT_DATABASES = ["default"]
for _entry in env_list("HUIJI_TENANT_DATABASES", []):
    _name, _sep, _url = _entry.partition("=")
    _name = _name.strip()
    if not _sep or not _name.isidentifier() or _name in ("default", "platform") or \
            _name in TENANT_DATABASES:
        raise ImproperlyConfigured(
            f"HUIJI_TENANT_DATABASES: {_entry!r} is not name=url with a new name")
    DATABASES[_name] = {**dj_database_url.parse(_url.strip(), conn_max_age=env_int(
        "DATABASE_CONN_MAX_AGE", 60)), "ENGINE": "django_tenants.postgresql_backend",
        "CONN_HEALTH_CHECKS": True}
    TENANT_DATABASES.append(_name)
if len(TENANT_DATABASES) > 1:
    DATABASES["platform"] = {**_db, "TEST": {"MIRROR": "default"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------
_cache_url = env_str("CACHE_URL") or env_str("REDIS_URL")
if _cache_url:
    _cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
else:
    _cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
CACHES = {
    # Keys of the default cache carry the schema, so one association never reads another's.
    "default": {**_cache, "KEY_FUNCTION": "django_tenants.cache.make_key",
                "LOCATION": _cache.get("LOCATION", "huiji-default")},
    # Host -> association lookups are platform-wide, keyed by host name only.
    "tenant_resolution": {**_cache, "KEY_PREFIX": "huiji-hosts",
                          "LOCATION": _cache.get("LOCATION", "huiji-hosts")},
    # Anonymous public pages as HTML (huiji/pagecache.py); keys carry the schema themselves.
    "pages": {**_cache, "KEY_PREFIX": "huiji-pages",
              "LOCATION": _cache.get("LOCATION", "huiji-pages")},
}
# The longest an anonymous page is served from the cache; any change to what it shows ends it
# at once (huiji/pagecache.py), this only bounds what no signal announces. 0 turns the page
# cache off, which is the default without a shared cache (CACHE_URL): with each process's
# local memory, a change made in one process (a worker, a command) could not end the pages
# another process holds.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600 if _cache_url else 0)
# The human check's open puzzles (huiji/humancheck.py), tenant-keyed too: the default cache's
# kind, or files in HUMAN_CHECK_CACHE_DIR, which every process of one machine shares (several
# server processes without Redis; the browser tests read the answer there, as a person sees it).
_human_check_dir = env_str("HUMAN_CHECK_CACHE_DIR")
CACHES["humancheck"] = {
    **({"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": _human_check_dir} if _human_check_dir
       else {**_cache, "LOCATION": _cache.get("LOCATION", "huiji-humancheck")}),
    "KEY_FUNCTION": "django_tenants.cache.make_key", "KEY_PREFIX": "humancheck"}

# --- Requests -----------------------------------------------------------------------------------
MIDDLEWARE = [
    # First, so that requests answered early (unknown host, suspended association) count too.
    "huiji.ops.metrics.RequestMetricsMiddleware",
    # Before the association is resolved: pages answered early (unknown host, suspended
    # association) carry the policy too.
    "huiji.csp.ContentSecurityPolicyMiddleware",
    "huiji.tenancy.middleware.AssociationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads a parameter: a NUL character is a 400, never a database error.
    "huiji.nul.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "huiji.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "huiji.wsgi.application"
ASGI_APPLICATION = "huiji.asgi.application"

# --- Accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["tenant_apps.accounts.backends.IdentifierBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# One rule for every password chosen anywhere: tenant_apps/accounts/passwords.py.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "tenant_apps.accounts.passwords.PasswordRuleValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Language and time --------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PLATFORM_DIR / "huiji" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(REPO_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# Media is private: nothing is served from MEDIA_URL, files go out through views that check
# who is asking (tenant_apps.files).
MEDIA_URL = "/media-not-served/"

S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    _media_storage = {
        "BACKEND": "huiji.storage.TenantS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL"),
            "region_name": env_str("S3_REGION", "us-east-1"),
            "access_key": env_str("S3_ACCESS_KEY_ID"),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
            "location": env_str("S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "huiji.storage.TenantFileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email and SMS ------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP connection may wait for the server: a server that accepts and never answers
# must not hold a worker (and the outbox row's lock) for ever; the outbox retries later.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"noreply@{BASE_DOMAIN}")
SMS_BACKEND = env_str("SMS_BACKEND", "console")
SMS_OPTIONS = {k: v for k, v in {
    "access_key_id": env_str("SMS_ACCESS_KEY_ID"),
    "access_key_secret": env_str("SMS_ACCESS_KEY_SECRET"),
    "sign_name": env_str("SMS_SIGN_NAME"),
    "sdk_app_id": env_str("SMS_SDK_APP_ID"),
    "region": env_str("SMS_REGION"),
    "endpoint": env_str("SMS_ENDPOINT"),
}.items() if v}
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
# 导入会员: rows written per transaction, and batches written at once by the task (each on a
# connection of its own: docs/imports.md).
IMPORT_BATCH_ROWS = env_int("IMPORT_BATCH_ROWS", 5000)
IMPORT_WRITERS = env_int("IMPORT_WRITERS", 2)
# How long an unpaid order waits for payment before it expires.
ORDER_PAY_WITHIN_DAYS = env_int("ORDER_PAY_WITHIN_DAYS", 7)
# The provider's approved template for verification codes (Tencent: "<id>:code,minutes").
SMS_CODE_TEMPLATE = env_str("SMS_CODE_TEMPLATE", "SMS_CODE")
# The provider's approved template code per message event, `event=code` pairs separated by
# ";" (Tencent codes hold ":" and ","), e.g. "staff_invited=SMS_2001;member_activated=SMS_2002".
# Used where the association's SMS template gives no code of its own, and for the platform's
# own messages (the staff invitation); Aliyun and Tencent refuse an event with none.
SMS_TEMPLATES = {event.strip(): code.strip() for event, _sep, code in (
    pair.partition("=") for pair in env_str("SMS_TEMPLATES", "").split(";") if "=" in pair)}
SMS_CODES_PER_PHONE_PER_DAY = env_int("SMS_CODES_PER_PHONE_PER_DAY", 10)
SMS_CODES_PER_IP_PER_DAY = env_int("SMS_CODES_PER_IP_PER_DAY", 50)
# Public certificate lookups (证书查询, /verify/) per client address and hour.
CERTIFICATE_LOOKUPS_PER_IP_PER_HOUR = env_int("CERTIFICATE_LOOKUPS_PER_IP_PER_HOUR", 60)
LOGIN_HUMAN_CHECK_AFTER_FAILURES = env_int("LOGIN_HUMAN_CHECK_AFTER_FAILURES", 3)
LOGIN_LOCK_AFTER_FAILURES = env_int("LOGIN_LOCK_AFTER_FAILURES", 10)
# Wrong answers to the human check (huiji/humancheck.py) in 15 minutes before it pauses: per
# identity (the login name, a sign-up's phone), and per address, higher, as one office or
# mobile carrier puts many people behind one address.
HUMAN_CHECK_FAILURES_PER_IDENTITY = env_int("HUMAN_CHECK_FAILURES_PER_IDENTITY", 10)
HUMAN_CHECK_FAILURES_PER_ADDRESS = env_int("HUMAN_CHECK_FAILURES_PER_ADDRESS", 30)
# Payment notifications refused before their signature was checked (anyone can send them) are
# stored up to these counts a minute, per sending address and per association; past them they
# are answered but not stored, so that they cannot fill the database. Verified ones always are.
PAYMENT_REFUSED_NOTICES_PER_IP_PER_MINUTE = env_int(
    "PAYMENT_REFUSED_NOTICES_PER_IP_PER_MINUTE", 20)
PAYMENT_REFUSED_NOTICES_PER_MINUTE = env_int("PAYMENT_REFUSED_NOTICES_PER_MINUTE", 200)
# How many proxies of our own (nginx, the ingress) sit in front of the application: the client
# address is the one the outermost of them appended to X-Forwarded-For (huiji.clientip). 0: the
# header is ignored and the TCP peer's address is used, since a client can write the header.
TRUSTED_PROXIES = env_int("HUIJI_TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"HUIJI_TRUSTED_PROXIES={TRUSTED_PROXIES} must be 0 or more.")

# A TrueType CJK font for generated PDFs; the default is WenQuanYi Micro Hei from the
# paperang-p2-fonts-cjk wheel.
CJK_FONT_PATH = env_str("CJK_FONT_PATH")

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND")
# Without a broker, tasks run inline (eagerly) in the process that queues them.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
# Acknowledged after the task ran: a worker killed mid-task leaves its task to the broker,
# which hands it to the next worker; tasks are idempotent (docs/operations.md, "Faults").
CELERY_TASK_ACKS_LATE = True
# A broker shared with other applications (or test runs) can give Huiji a queue of its own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "huiji.ops.tasks.heartbeat", "schedule": 60.0},
    # Deliver what a broker or provider outage left in every association's outbox.
    "outbox-sweep": {"task": "tenants.for_each_association", "schedule": 60.0,
                     "args": ["notifications.outbox_sweep"]},
    "orders-expire": {"task": "tenants.for_each_association", "schedule": 600.0,
                      "args": ["billing.orders_expire"]},
    # Ask the gateways about online payments whose notification never came.
    "orders-reconcile": {"task": "tenants.for_each_association", "schedule": 300.0,
                         "args": ["billing.orders_reconcile"]},
    # The membership lifecycle: overdue, suspended, lapsed by the dates, and the reminders
    # (docs/lifecycle.md). Nightly at 01:30 (TIME_ZONE, Asia/Shanghai); run twice, it does
    # nothing the second time.
    "membership-lifecycle": {"task": "tenants.for_each_association",
                             "schedule": crontab(hour=1, minute=30),
                             "args": ["memberships.lifecycle"]},
    # The dashboard's summary rows (docs/dashboards.md); the lifecycle job also queues it
    # when it has run, so this is the fallback for a night the job did not finish.
    "dashboards-refresh": {"task": "tenants.for_each_association",
                           "schedule": crontab(hour=3, minute=0),
                           "args": ["dashboards.refresh"]},
    # Exported member files are deleted after EXPORT_KEEP_HOURS (docs/bulk.md).
    "bulk-expire": {"task": "tenants.for_each_association", "schedule": 3600.0,
                    "args": ["bulk.expire"]},
    # The operator console's summary table: one task per association, each visiting its own
    # schema only (docs/operations.md, "Operator console").
    "platform-stats": {"task": "platform_stats.refresh_all", "schedule": 900.0},
    # Association archives made in the console are deleted after ASSOCIATION_EXPORT_KEEP_DAYS.
    "association-exports-expire": {"task": "operations.exports_expire",
                                   "schedule": crontab(hour=4, minute=0)},
}

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "huiji.errors.api_exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Huiji API",
    "DESCRIPTION": "会籍 membership platform",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Master key for secrets stored encrypted in the database (payment keys). Falls back to
# SECRET_KEY; production sets its own so rotating SECRET_KEY does not lose the secrets.
ENCRYPTION_KEY = env_str("ENCRYPTION_KEY")
# The data keys (huiji.crypto): `id=base64key,id=base64key`, 32-byte keys, the first current.
# Everything encrypted at rest is sealed with them (payment keys, ID numbers and the fields a
# profile marks sensitive). Unset: the embedded development key, refused by production.
HUIJI_DATA_KEYS = env_str("HUIJI_DATA_KEYS")

# --- Operations ---------------------------------------------------------------------------------
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Without a token /metrics is open (a developer's machine); production closes it instead.
METRICS_OPEN_WITHOUT_TOKEN = True
# Content-Security-Policy (huiji.csp): scripts, styles and everything else only from our own
# origin; no page needs an inline script, style or event handler. Production enforces it;
# development only reports violations (browser console), so Django's debug pages still show.
CSP_POLICY = ("default-src 'self'; object-src 'none'; base-uri 'self'; "
              "frame-ancestors 'none'")
CONTENT_SECURITY_POLICY = ""
CONTENT_SECURITY_POLICY_REPORT_ONLY = ""
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development")
SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0") or 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "django_tenants.log.TenantContextFilter"}},
    "formatters": {
        "tenant": {
            "format": "%(asctime)s %(levelname)s [%(schema_name)s:%(domain_url)s] "
            "%(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["tenant"],
                    "formatter": "tenant"},
        # Errors per association for the operator console (platform_stats.errors).
        "tenant_errors": {"class": "shared_apps.platform_stats.errors.TenantErrorCounter",
                          "level": "ERROR"},
    },
    "root": {"handlers": ["console", "tenant_errors"],
             "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # pgserver logs every attach and detach of the embedded server at INFO.
                "pgserver": {"level": "WARNING"}},
}

if SENTRY_DSN:
    from huiji.ops.sentry import init_sentry

    init_sentry(SENTRY_DSN, environment=SENTRY_ENVIRONMENT,
                traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)
