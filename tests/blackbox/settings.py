"""Production settings for the black-box run over HTTP against gunicorn (tests/blackbox).

Production in everything an attacker meets (DEBUG off, database sessions, the Redis cache that
holds the rate limits, django-axes, the security middleware), except what cannot work on plain
HTTP over loopback (the HTTPS redirect, HSTS, secure-only cookies) and two things that are not
under test: e-mail goes to files the test reads (delivery lies outside the project), and
passwords use the test suite's fast hasher so that the factories' accounts can log in.
"""

from bench.load.settings import *  # noqa: F403
from cm_portal.settings.base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": env.str("BLACKBOX_MAIL_DIR")},
    }
}
# Static files from the source folders, as in development: no collectstatic step per run.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,  # noqa: F405
        "KEY_PREFIX": env.str("BLACKBOX_CACHE_PREFIX"),
    }
}
# The queue the outbox publishes to: a test's own, so that only its own worker takes the task.
CELERY_TASK_DEFAULT_QUEUE = env.str("BLACKBOX_QUEUE", default="celery")
