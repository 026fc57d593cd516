"""pytest: the real PostgreSQL/PostGIS and Redis, faster password hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-test-key")

from .base import *  # noqa: E402,F403
from .base import REDIS_URL, env  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests never share cache keys with a developer's running site.
CACHES["default"]["KEY_PREFIX"] = "berniecrat-test"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tasks sent by tests that start no worker go to a broker database no worker reads,
# never to a developer's running worker (tests.plugins.processes switches per test).
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/13")
