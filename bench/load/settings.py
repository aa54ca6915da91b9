"""Production settings over plain HTTP on loopback, for the load test only.

Everything is production (DEBUG off, manifest static files, Redis cache, database sessions)
except what cannot work without TLS: the HTTPS redirect, HSTS and secure-only cookies.
"""

from cm_portal.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
