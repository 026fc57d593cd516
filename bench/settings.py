"""Bench-only settings: production security settings, the bench database, and the bare baseline views.

Used by ``make bench`` only (``DJANGO_SETTINGS_MODULE=bench.settings``). Everything the
production settings do stays on (HTTPS-only cookies, HSTS, DEBUG off); only what a
loopback load test needs differs, each through the environment the production
settings already read:

* ``DJANGO_SECURE_SSL_REDIRECT=0``: the load generator speaks plain HTTP on loopback
  and sends ``X-Forwarded-Proto: https`` as the TLS-terminating proxy would;
* ``DJANGO_ALLOWED_HOSTS``: loopback names only; ``TRUSTED_PROXY_COUNT=0`` (no proxy);
* ``DATABASE_URL`` defaults to the bench database ``berniecrat_bench``;
* ``REDIS_URL`` defaults to Redis database 9, so the bench's queue and cache never meet
  a developer's ``make run`` (database 0) or the test suite's (13-15);
* ``RATELIMIT_ENABLE`` is set per run by ``bench/run.py`` (0 for throughput runs).

``ROOT_URLCONF`` adds ``/bench/hello`` and ``/bench/insert`` (``bench.urls``).
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-not-used-anywhere-else-0123456789abcdef")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SITE_URL", "https://127.0.0.1")
os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/berniecrat_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
# The load generator talks to gunicorn directly: no proxy in front.
os.environ.setdefault("TRUSTED_PROXY_COUNT", "0")

from berniecrat.settings.production import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
