"""Django settings for Haven. Every value that varies comes from `haven.config.Config`,
so there is one settings module for every environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from haven.config import Config

CONFIG = Config.from_environ()

PLATFORM_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = CONFIG.var_dir

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
HAVEN_BASE_DOMAIN = CONFIG.base_domain
ALLOWED_HOSTS = CONFIG.allowed_hosts

# Apps in the public schema: the tenant registry, platform accounts, operators and trusts.
SHARED_APPS = [
    "django_tenants",
    "haven",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "knox",
    "accounts",
    "console",
    "insights",
    "trusts",
    "billing",
]

# Apps in every school's schema: a school's staff accounts and sessions live with its data,
# so an account of one school can never authenticate on another's host.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "accounts",
    "safeguarding",
    "safeguarding.people",
    "safeguarding.access",
    "safeguarding.concerns",
    "safeguarding.audit",
    "safeguarding.alerts",
    "safeguarding.records",
    "safeguarding.transfers",
    "safeguarding.retention",
    "safeguarding.imports",
]

INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.School"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# Set the search path only when the schema changes, not before every query: the host
# middleware sets it once per request. (Behind a transaction-pooling proxy, set it per
# transaction instead; see deploy/README.md.)
TENANT_LIMIT_SET_CALLS = True
# New schools are cloned from this schema (tenants.schemas); it never serves requests.
HAVEN_TEMPLATE_SCHEMA = "_template"

ROOT_URLCONF = "haven.urls_school"
PUBLIC_SCHEMA_URLCONF = "haven.urls_public"

MIDDLEWARE = [
    # Headers for every response, and static files for any host (a suspended school's
    # notice page needs its stylesheet), before the host picks a schema.
    "django.middleware.security.SecurityMiddleware",
    "haven.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.SchoolHostMiddleware",
    # A school held read-only by an overdue invoice: writes refused, except recording a
    # concern (and signing in); reading never blocked.
    "billing.read_only.BillingReadOnlyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    # Last, so that it sees the sign-in view's answer and turns a lockout into a page.
    "axes.middleware.AxesMiddleware",
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
                "haven.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "haven.wsgi.application"

DATABASES = {
    "default": {
        **dj_database_url.parse(CONFIG.database_url, conn_max_age=60, conn_health_checks=True),
        "ENGINE": "django_tenants.postgresql_backend",
    }
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CONFIG.redis_url,
        # Every key carries the schema, so two schools never read each other's entries.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out email and address before a password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.HavenBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # Length and character kinds as the school (or the platform) has set them.
    {"NAME": "accounts.passwords.SchoolPasswordValidator"},
    # Django's own list of 20,000 common passwords, shipped in the package.
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Invitation and reset links last three days; a used link dies with the old password hash.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
LOGIN_URL = "accounts:login"

# Lockout (django-axes): five failures for one email from one address lock that pair for
# 15 minutes. Never by email alone, so nobody can lock a DSL out from somewhere else.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.lockout.username"
AXES_CLIENT_IP_CALLABLE = "haven.clients.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out"
# Sign-ins are in the school's audit log; no second log of them.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "username"]

# Second factors: a wrong code makes the next try wait 5, 10, 20... seconds (django-otp).
OTP_TOTP_ISSUER = "Haven"
OTP_TOTP_THROTTLE_FACTOR = 5
OTP_STATIC_THROTTLE_FACTOR = 5
# Security keys and passkeys (django-otp-webauthn), only ever as a second factor after the
# password. Each host is its own relying party, so a key made on one school's address is
# useless on another's (accounts.passkeys).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_ID_CALLABLE = "accounts.passkeys.relying_party_id"
OTP_WEBAUTHN_RP_NAME_CALLABLE = "accounts.passkeys.relying_party_name"
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.HostHelper"
# Only for the library's system check, which wants a fixed list: HostHelper never reads it
# and accepts exactly the origin of the request's own host.
OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"https://{HAVEN_BASE_DOMAIN}"]
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions are kept in the school's schema and read through the school's cache keys.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Host-only cookies: a parent-domain cookie would carry one school's session to another.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CONFIG.secure_cookies
CSRF_COOKIE_SECURE = CONFIG.secure_cookies
# Over HTTPS the __Host- prefix makes browsers refuse any cookie that names a domain.
_COOKIE_PREFIX = "__Host-" if CONFIG.secure_cookies else ""
SESSION_COOKIE_NAME = f"{_COOKIE_PREFIX}haven_session"
CSRF_COOKIE_NAME = f"{_COOKIE_PREFIX}haven_csrf"
if CONFIG.secure_cookies:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    # Every school is a subdomain, all of them served over HTTPS only.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# django-tenants puts each school's files under a folder named after its schema.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    # Every key starts with the school's schema; see tenants/storage.py.
    "default": {
        "BACKEND": "tenants.storage.SchoolS3Storage"
        if CONFIG.s3_bucket
        else "tenants.storage.SchoolFileSystemStorage"
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Upload bodies are checked and limited by safeguarding.concerns.files; this only bounds
# what Django holds in memory before spilling to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

if CONFIG.email_host:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = CONFIG.email_host
    EMAIL_PORT = CONFIG.email_port
    EMAIL_HOST_USER = CONFIG.email_user
    EMAIL_HOST_PASSWORD = CONFIG.email_password
    EMAIL_USE_TLS = CONFIG.email_use_tls
else:
    # Without a mail server, messages are written to var/mail for a developer to read;
    # haven.checks refuses this outside a local install unless HAVEN_EMAIL_TO_FILES is set.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = CONFIG.from_email

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Haven school API",
    "DESCRIPTION": "Pupils, incidents, actions, files and categories of one school, on its own "
    "host. Everything is filtered by the school's access policy: what you may not see is a 404.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # The status of a school appears in several operator answers: one enum, one name.
    "ENUM_NAME_OVERRIDES": {"SchoolStatusEnum": "tenants.models.School.Status"},
}
REST_KNOX = {"TOKEN_TTL": timedelta(days=90), "AUTO_REFRESH": False}

CELERY_BROKER_URL = CONFIG.celery_broker_url
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it has run, so a worker that dies loses nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# tenant-schemas-celery's, which also runs an entry for "tenant_schemas": ["public"] once in
# the public schema (see insights.scheduler).
CELERY_BEAT_SCHEDULER = "insights.scheduler.Scheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # In every school's schema (tenant-schemas-celery's default for a beat entry).
    "audit-verify": {"task": "audit.verify_log", "schedule": crontab(hour=2, minute=30)},
    # Also in every school's schema, each sweeping its own outbox messages (each school's
    # sweep locks only its own rows, so the schools' sweeps never wait on each other).
    "outbox-sweep": {"task": "outbox.sweep", "schedule": 60.0},
    # Alerts to the DSL on duty move on once their wait is over (alerts.services).
    "alerts-escalate": {"task": "alerts.escalate", "schedule": 60.0},
    # Overdue actions remind their assignee, then the DSLs; digests go out before school.
    "alerts-remind-overdue": {"task": "alerts.remind_overdue", "schedule": crontab(minute=5)},
    "alerts-digest": {"task": "alerts.send_digests", "schedule": crontab(hour=7, minute=0)},
    # Confirmed purges run, then newly due records are listed for the DSLs (retention).
    "retention-nightly": {"task": "retention.nightly", "schedule": crontab(hour=1, minute=15)},
    # Once, in the public schema (insights.scheduler): changed schools' facts are refreshed
    # by tasks in their schemas (insights.services), and nightly every school's, for what
    # time alone moves (a month's end, actions falling overdue).
    "insights-refresh": {
        "task": "insights.queue_refreshes",
        "schedule": 10.0,
        "tenant_schemas": ["public"],
    },
    "insights-nightly": {
        "task": "insights.mark_all_changed",
        "schedule": crontab(hour=0, minute=20),
        "tenant_schemas": ["public"],
    },
    # Once, in the public schema: reminders for overdue invoices, then read-only access
    # (billing.dunning); idempotent, so a missed or repeated day does no harm.
    "billing-dunning": {
        "task": "billing.dunning",
        "schedule": crontab(hour=6, minute=30),
        "tenant_schemas": ["public"],
    },
    # Once, in the public schema: each school's counts for the operators' console.
    "console-health": {
        "task": "console.measure_health",
        "schedule": crontab(hour=3, minute=40),
        "tenant_schemas": ["public"],
    },
}
# Publishing a task while Redis is down gives up within a second, so a request that queues
# one after its commit (tenants.outbox) is not held up; the outbox sweep sends it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"school": {"()": "django_tenants.log.TenantContextFilter"}},
    "formatters": {
        "haven": {"format": "%(asctime)s %(levelname)s [%(schema_name)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["school"],
            "formatter": "haven",
        }
    },
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Exports: WeasyPrint reports each step of every PDF, fontTools each font subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
