"""``make bench``: the test settings on the scratch database, plus the Django admin as the
reference list to compare ours with. The project itself never installs the admin."""

from .test import *  # noqa: F403
from .test import INSTALLED_APPS, env

DATABASES = {
    "default": env.db(
        "BENCH_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/cm_portal_bench"
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = 600
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.admin"]
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["testserver", "localhost"]
LANGUAGE_CODE = "en"
