"""Production: HTTPS only, secure cookies, HSTS, strict CSP; passes ``check --deploy --fail-level WARNING``.

Required environment: ``DJANGO_SECRET_KEY`` (50+ random characters),
``DJANGO_ALLOWED_HOSTS`` and ``TRUSTED_PROXY_COUNT`` (how many reverse proxies of ours
stand in front, 0 for none: rate limits and login lockout key on the client's address);
``SITE_URL`` (https) for the links in emails (``tests/reliability/test_deploy_settings.py``).
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# No default: a production site must say which host names it answers to.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])
# No default: 0 (no proxy of ours) and 1 (one in front) are both common, and the wrong one
# either lets a forged X-Forwarded-For choose the address or counts everyone as the proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# A load balancer probes gunicorn directly over plain HTTP: a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Confirmation and unsubscribe links carry tokens in their path: never send them on as a Referer.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True  # noqa: F405
