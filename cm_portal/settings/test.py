"""Tests: real PostgreSQL and Redis on this machine unless told otherwise."""

import os

from .base import *  # noqa: F403
from .base import env

# `make test` runs pytest in several processes at once (pytest-xdist, "gw0", "gw1", ...).
# pytest-django gives each its own test database (test_<name>_gw0, ...), and so its own
# stored files; here each also gets its own default Celery queue, so that no process
# counts, empties or deletes what another wrote. A plain `pytest` is "".
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

DEBUG = False
DEMO_MODE = False
SECRET_KEY = "test-only-secret-key-not-for-any-real-installation-0123456789"  # noqa: S105
DATABASES = {
    "default": env.db("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/cm_portal"),
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A test database is thrown away: a commit need not wait for the disk (the flush after each
# transactional test, the live-server and worker tests commit a lot). What is committed is
# visible to every connection at once, as before; only a crash of PostgreSQL could lose it.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = f"celery-{XDIST_WORKER}" if XDIST_WORKER else "celery"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Stored files in the test database, as in production (each xdist process has its own).
STORAGES = {
    "default": {"BACKEND": "cm_portal.storage.DatabaseStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_CODE = "sv"
# Serve static files straight from the source folders, as in development.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
