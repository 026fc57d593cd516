"""pytest: the real PostgreSQL/PostGIS and Redis, faster password hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-test-key")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests never share cache keys with a developer's running site.
CACHES["default"]["KEY_PREFIX"] = "berniecrat-test"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
