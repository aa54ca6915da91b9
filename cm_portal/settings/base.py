"""Settings shared by every environment.

Every value comes from the environment through the one ``env`` object below.
``FileAwareEnv`` reads ``NAME_FILE`` (a path) before ``NAME``, so secrets can be
mounted as files. A malformed value raises at start-up, never later.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.FileAwareEnv()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_flag(name: str, *, default: bool) -> bool:
    """A true/false variable; anything else stops the start (env.bool reads typos as False)."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in _TRUE | _FALSE:
        return raw in _TRUE
    raise ImproperlyConfigured(f"{name}={raw!r} is not true or false.")


DEBUG = env_flag("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    # A laptop demo needs no configuration: a key made once and kept out of git.
    _key_file = BASE_DIR / "var" / "dev-secret-key"
    if not _key_file.exists():
        import secrets

        _key_file.parent.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(secrets.token_urlsafe(64))
    SECRET_KEY = _key_file.read_text().strip()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Where uploaded files (consent scans, rendered reports) live: never under the
# web root, and only ever served through permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))

INSTALLED_APPS = [
    "cm_portal",
    "cm_portal.programmes",
    "participants",
    "consent",
    "plans",
    "reporting",
    "reporting.research",
    "cm_portal.oidc",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "guardian",
    "crispy_forms",
    "crispy_bootstrap5",
    "dbfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Refuses an oversized body before anything reads it (the CSRF check would).
    "cm_portal.uploads.UploadLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the session timeout, which tells the person why they were logged out.
    "django.contrib.messages.middleware.MessageMiddleware",
    # Every view needs a login unless marked with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cm_portal.middleware.SessionTimeoutMiddleware",
    "cm_portal.middleware.RequireTwoFactorMiddleware",
    "cm_portal.middleware.NoStoreForAuthenticatedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes last, as its documentation asks, so it sees the final response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cm_portal.urls"
WSGI_APPLICATION = "cm_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cm_portal.context_processors.navigation",
                "plans.context_processors.unread_reminders",
            ],
        },
    },
]

# Without DATABASE_URL the demo runs on a SQLite file, so `make run` needs nothing installed.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A connection PostgreSQL has terminated is detected and replaced before use.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cm_portal.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, refusing the password of an organisation that logs in through its
    # identity provider; then that provider's login (cm_portal.oidc).
    "cm_portal.oidc.backend.PasswordBackend",
    "cm_portal.oidc.backend.OrganisationOIDCBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = int(timedelta(days=3).total_seconds())
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions live in the database so that they can be ended on the server.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=10)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_flag("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# django-axes (cm_portal.throttling): five failures within 15 minutes lock the login for 15
# minutes, counted both per account whatever the address (one account attacked from many
# addresses) and per client address whatever the account (password spraying). The e-mail
# address is counted in lower case, the address is the client's behind PROXY_COUNT proxies,
# and a success forgives that account's failures only.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "cm_portal.throttling.AxesHandler"
AXES_USERNAME_CALLABLE = "cm_portal.throttling.axes_username"
AXES_CLIENT_IP_CALLABLE = "cm_portal.throttling.client_ip"
# Our login form names the e-mail field "username" (AuthenticationForm's name).
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["username", "password"]
AXES_VERBOSE = False
# How many reverse proxies of ours append to X-Forwarded-For (cm_portal.throttling.client_ip).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# django-guardian: no anonymous user row; nobody anonymous ever sees case data.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="CM-portalen")

# Encrypts the identity providers' client secrets in the database (cm_portal.oidc);
# without it a key is derived from SECRET_KEY. OIDC_SECRET_KEY_FILE works too.
OIDC_SECRET_KEY = env.str("OIDC_SECRET_KEY", default="")

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Stored files (cm_portal/storage.py): in PostgreSQL by default, so every web and worker host
# reaches them and one pg_dump holds cases and files; "s3" for an S3-compatible object store;
# "filesystem" (PRIVATE_MEDIA_ROOT) for a single box only.
FILE_STORAGE = env.str("FILE_STORAGE", default="database")
_FILE_STORAGES: dict[str, dict[str, object]] = {
    "database": {"BACKEND": "cm_portal.storage.DatabaseStorage"},
    "filesystem": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "s3": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET", default=""),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            # Never a public object: files are read by the permission-checked views.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    },
}
if FILE_STORAGE not in _FILE_STORAGES:
    raise ImproperlyConfigured(
        f"FILE_STORAGE={FILE_STORAGE!r} is not one of {', '.join(_FILE_STORAGES)}."
    )
if FILE_STORAGE == "s3" and not env.str("S3_BUCKET", default=""):
    raise ImproperlyConfigured("FILE_STORAGE=s3 needs S3_BUCKET.")
STORAGES = {
    "default": _FILE_STORAGES[FILE_STORAGE],
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads are refused while they stream (cm_portal/uploads.py): a declared body over the
# first limit, or files past the second, get 413 before the rest is read. The forms' own
# limit (10 MB for a consent scan) sits below both and says so on the form.
UPLOAD_MAX_BODY_BYTES = 12 * 1024 * 1024
UPLOAD_MAX_FILE_BYTES = 12 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "cm_portal.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587 (see django-environ);
# without it, mail is printed to the console.
_email = env.email_url("EMAIL_URL", default="consolemail://")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "timeout": env.int("EMAIL_TIMEOUT", default=10),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {key: value for key, value in _smtp_options.items() if value is not None}
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CM-portalen <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in e-mails (set-password, reminders) point here.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

# Retention (participants.retention): a closed case is deleted RETENTION_YEARS after its
# last entry, RETENTION_NOTICE_DAYS after it fell due (the dry-run report shows it first).
# The access log keeps its rows ACCESS_LOG_RETENTION_YEARS; the database's guard allows
# deleting nothing younger (cm_portal migration 0006), so this may be raised, not lowered.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=5)
RETENTION_NOTICE_DAYS = env.int("RETENTION_NOTICE_DAYS", default=30)
ACCESS_LOG_RETENTION_YEARS = env.int("ACCESS_LOG_RETENTION_YEARS", default=5)
# Each night the head of the access log's hash chain is e-mailed to the administrators and
# to these addresses (comma-separated; e.g. the data protection officer, outside IT).
ACCESS_LOG_ANCHOR_EMAILS = env.list("ACCESS_LOG_ANCHOR_EMAILS", default=[])

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Celery. Without REDIS_URL the broker is a folder on disk: a real queue shared by the
# web process, the worker and beat, so the demo needs nothing installed.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_DATA_DIR = BASE_DIR / "var" / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Logging never carries request bodies; the filter strips CR/LF and identity numbers
# from anything a handler writes.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "cm_portal.logging.ScrubPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["scrub"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# Demo accounts and their known second factor exist only where this is on.
DEMO_MODE = env_flag("DEMO_MODE", default=DEBUG)
