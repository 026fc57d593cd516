"""pytest: the real PostgreSQL/PostGIS and Redis, faster password hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-test-key")
# Browser tests fill the forms at machine speed: the time-trap's minimum is 0 here
# (its token is still required); tests of the trap set SIGNUP_FORM_MIN_SECONDS themselves.
os.environ.setdefault("SIGNUP_FORM_MIN_SECONDS", "0")
# A test that finds the broker down must not leave later tests unpublished: no pause
# unless a test asks for one (tests/reliability).
os.environ.setdefault("SIGNUP_PUBLISH_PAUSE", "0")

from .base import *  # noqa: E402,F403
from .base import REDIS_URL, env  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests never share cache keys with a developer's running site, nor with another test
# session on the same Redis (each session clears its rate-limit counters before every test).
CACHES["default"]["KEY_PREFIX"] = f"berniecrat-test-{DATABASES['default']['NAME']}"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tasks sent by tests that start no worker go to a broker database no worker reads,
# never to a developer's running worker (tests.plugins.processes switches per test).
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/13")
