"""Settings for the IUC portal: one module, configured by environment variables.

The embedded defaults are for a developer's machine (DEBUG on, SQLite under var/,
Celery eager, e-mails written as files). Production sets DEBUG=false and must then
provide SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and EMAIL_URL; every
security setting follows from DEBUG being off, so `check --deploy` is clean.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

_LOCAL_ONLY_SECRET = "django-insecure-local-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_LOCAL_ONLY_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SITE_ID = 1
SITE_NAME = env.str("SITE_NAME", default="IUC city-to-city portal")
# The portal's public address, for links in e-mails (no request there to ask).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # modeltranslation must come before the admin: programme content in every language.
    "modeltranslation",
    "iuc_portal.core.admin_site.PortalAdminConfig",  # django.contrib.admin, our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "corsheaders",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "simple_history",
    "import_export",
    "bootstrap",  # django-bootstrap-static: Bootstrap's CSS/JS, served by the project
    "iuc_portal.core",
    "iuc_portal.accounts",
    "iuc_portal.mail",
    "iuc_portal.jobs",
    "applications",
    "assessments",
    "pairings",
    "action_plans",
    "programme",
]

MIDDLEWARE = [
    "iuc_portal.core.middleware.HeadWithoutBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "iuc_portal.core.middleware.ConstantCSPMiddleware",  # django-csp's, the header built once
    "corsheaders.middleware.CorsMiddleware",
    # Before sessions, CSRF and authentication: anonymous readers of public pages are
    # answered from the cache at the cost of one stamp query.
    "programme.page_cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "iuc_portal.core.middleware.NoNulInQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "iuc_portal.accounts.middleware.StaffSecondFactorMiddleware",
    "iuc_portal.core.middleware.PrivateNoStoreMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "iuc_portal.urls"
WSGI_APPLICATION = "iuc_portal.wsgi.application"

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
                "iuc_portal.core.context_processors.site",
            ],
        },
    },
    {
        # Plain text (e-mail subjects and text bodies): the same templates, rendered
        # without HTML escaping. `render_to_string(name, context, using="text")`.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "autoescape": False,
            "context_processors": ["iuc_portal.core.context_processors.site"],
        },
    },
]

# --- Data stores -------------------------------------------------------------

if "DATABASE_URL" not in env:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded SQLite database lives here
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as a web app's database: a transaction takes the write lock when it begins
    # (a read-then-write transaction cannot fail to upgrade its lock), others wait for
    # it up to `timeout` seconds instead of answering "database is locked", and WAL lets
    # readers go on while one writer writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_TIMEOUT", default=20),
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-20000;"
            ),
        }
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if not DEBUG else 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

# Rendered pages have a cache of their own ("pages"): however many an anonymous visitor
# makes the portal store, they never push the sign-in rate limits out of "default".
if REDIS_URL:
    _redis_cache = {
        "BACKEND": "iuc_portal.core.cache.PortalRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    _prefix = env.str("CACHE_KEY_PREFIX", default="iuc")
    CACHES = {
        "default": {**_redis_cache, "KEY_PREFIX": _prefix},
        "pages": {**_redis_cache, "KEY_PREFIX": f"{_prefix}-pages"},
        # Each worker's own copies of what it reads most (the public pages, whose keys
        # hold a stamp of the data, so a copy is never stale).
        "local": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        },
    }

# --- Celery ------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# Without a broker (a developer's machine) tasks run in-process, right away.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
if not CELERY_BROKER_URL:
    # Eager tasks publish nothing; naming the in-memory transport keeps kombu from
    # warning "No hostname was supplied" on every command.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Default limits; PDF tasks set tighter ones. The visibility timeout (after which
# Redis hands an unacknowledged message to another worker) must exceed every limit.
CELERY_TASK_SOFT_TIME_LIMIT = 200
CELERY_TASK_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request must not hang on a broker that is down or frozen (accepts TCP, never
# answers): one publish attempt, every socket operation bounded to about a second.
# The outbox and PDF-job sweepers pick up whatever could not be published.
BROKER_SOCKET_TIMEOUT = env.float("BROKER_SOCKET_TIMEOUT", default=0.5)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_SOCKET_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 300,
    "socket_timeout": BROKER_SOCKET_TIMEOUT,
    "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
    "max_retries": 0,
}
CELERY_REDIS_SOCKET_TIMEOUT = BROKER_SOCKET_TIMEOUT
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_SOCKET_TIMEOUT
CELERY_TASK_PUBLISH_RETRY = False
# E-mails and PDFs have queues of their own, so a hung mail server never holds up a
# PDF (and the reverse); beat's periodic jobs use the default queue "celery".
# docker-compose.yml runs one worker per queue.
CELERY_TASK_ROUTES = {
    "iuc_portal.mail.tasks.*": {"queue": "mail"},
    "applications.tasks.render_application_pdf": {"queue": "pdf"},
    "action_plans.tasks.render_plan_pdf": {"queue": "pdf"},
}
CELERY_TIMEZONE = "Europe/Brussels"
CELERY_BEAT_SCHEDULE = {
    # Retries, e-mails a broker outage left behind, rows a dead worker left "sending".
    "send-pending-emails": {
        "task": "iuc_portal.mail.tasks.send_pending_emails",
        "schedule": 60.0,
    },
    # PDF jobs never started (broker down, message lost) or whose worker died.
    "requeue-stuck-jobs": {
        "task": "iuc_portal.jobs.tasks.requeue_stuck_jobs",
        "schedule": 30.0,
    },
    # Crontab times are in CELERY_TIMEZONE (Europe/Brussels).
    "send-milestone-reminders": {
        "task": "action_plans.tasks.send_milestone_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "send-proposal-reminders": {
        "task": "pairings.tasks.send_proposal_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "send-staff-digest": {
        "task": "action_plans.tasks.send_staff_digest",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
    },
}

# --- E-mail ------------------------------------------------------------------

EMAIL_FILE_PATH = VAR_DIR / "mail"
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="IUC portal <noreply@iuc.example.eu>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Temporary SMTP failures are retried (backoff up to an hour) this long, then fail.
MAIL_RETRY_WINDOW_HOURS = env.int("MAIL_RETRY_WINDOW_HOURS", default=24)
# One slow or silent mail server holds a worker for at most this long per attempt.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Accounts ----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, reading the signed-in user in plain SQL
# (iuc_portal/accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "iuc_portal.accounts.backends.ModelBackend",
    "iuc_portal.accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_ADAPTER = "iuc_portal.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[IUC] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# Second factor (required for staff, see accounts/middleware.py): an authenticator
# app (TOTP) with recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

# --- Internationalisation ----------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
]
# Programme content (calls, themes, regions, milestone titles) is translated by staff in
# the admin with django-modeltranslation; a missing translation falls back to English.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Brussels"
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG:
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise expects it to exist
# Uploaded documents are private: stored outside every public path and served
# only through views that check who is asking. There is deliberately no MEDIA_URL.
PRIVATE_STORAGE_ROOT = Path(env.str("PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
MAX_DOCUMENT_UPLOAD_BYTES = 10 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security ----------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probed over plain HTTP inside the network
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_FAILURE_VIEW = "iuc_portal.core.views.csrf_failure"
LANGUAGE_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Database sessions, read with plain SQL (iuc_portal/core/sessions.py).
SESSION_ENGINE = "iuc_portal.core.sessions"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A strict policy: every script and style comes from the project itself.
# --- Open data (programme.api) ------------------------------------------------------

# Anonymous clients of /api/ may make this many requests (429 beyond it).
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="120/m")
# Who a client is, for the rate limit: the address of the connection, unless the portal
# sits behind that many trusted proxies (then the matching X-Forwarded-For entry). A
# client-supplied header alone never changes it.
NINJA_NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# Anyone may read the open data from a browser on another site; nothing else is shared.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
# Conditional requests from another site's page need their headers allowed by preflight.
CORS_ALLOW_HEADERS = ("accept", "accept-language", "if-none-match", "if-modified-since")
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Logging -----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
