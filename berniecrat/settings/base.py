"""Settings shared by every environment, read from the environment (django-environ).

Local defaults work on a developer machine with PostgreSQL/PostGIS and Redis on
loopback; ``.env.example`` documents every variable.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file beside manage.py is optional; real environment variables win.
env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    # allauth's passkey list (/accounts/2fa/webauthn/) loads its template tags.
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "districts",
    "signups",
    "organizing",
    "pipeline",
    "coverage",
    "calls",
    "public_site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # After CSPMiddleware, so it marks responses before the policy header is written.
    "berniecrat.middleware.PersonalDataMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# Content security policy (django-csp): our own files only, no inline script or style
# (pages put data in data-* attributes and keep their JavaScript and CSS in static/).
# The map's web workers come from blob: URLs. The Swagger UI page alone is relaxed
# (berniecrat.middleware). Email HTML is not served, so its inline styles are fine.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "berniecrat.urls"
WSGI_APPLICATION = "berniecrat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgis://postgres@127.0.0.1:5432/berniecrat"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# Kept connections are checked (one cheap round trip) at the start of each request and
# task, so one that PostgreSQL dropped (a restart, a failover) is replaced instead of
# failing the next request or email.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No JIT: PostgreSQL compiles any query it estimates costly, and each runs once here (compiling
# the intake's spatial join of 1,000 points took 1.0 s of its 1.3 s; without JIT it takes 0.15 s).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "berniecrat",
        # The cache (rate-limit counters, geocoder answers) is never worth a hung request:
        # its users carry on without it when Redis does not answer in time.
        "OPTIONS": {
            "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
            "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
        },
    }
}

# --- Accounts (organizers only; supporters never log in) ---------------------
AUTH_USER_MODEL = "accounts.User"
# Sessions in PostgreSQL; the user read with their TOTP answer in one query (accounts.sessions, .backends).
SESSION_ENGINE = "accounts.sessions"
AUTHENTICATION_BACKENDS = ["accounts.backends.ModelBackend", "accounts.backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
# An organizer's login email changes only once the new address is verified: a new address waits,
# unverified and not primary, until its owner opens the link allauth mails to it; then it
# replaces the old one. (Each account starts with its address verified and primary,
# accounts.services.organizer_email_vouch, so an unverified one can never be made primary.)
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.OrganizerAccountAdapter"
# WebAuthn: callers (calls.access) may use a passkey as their second factor instead of an
# authenticator app; organizers still need TOTP (accounts.access). Browsers allow WebAuthn
# on https only, and on http://localhost when the insecure origin is allowed (development).
# Failed logins (allauth counts each attempt, and gives it back when it succeeds): per client
# address 10 a minute and 30 an hour, whatever the accounts; per account and address
# (accounts.adapters keys "/key" on both) 5 in 5 minutes. An attacker thus locks out only
# their own address; organizers elsewhere still log in (tests/security/test_login_lockout.py).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,30/h/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Berniecrat"

# --- Email -------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="smtp://127.0.0.1:1025")
vars().update(_email)
# An email service instead of SMTP, through django-anymail, e.g.
# DJANGO_EMAIL_BACKEND=anymail.backends.postmark.EmailBackend and ANYMAIL='{"POSTMARK_SERVER_TOKEN": "..."}'.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default=_email["EMAIL_BACKEND"])
ANYMAIL = env.json("ANYMAIL", default={})
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Berniecrat <noreply@localhost>")
# Seconds an SMTP connect or reply may take. A worker keeps its connection open between
# messages (signups.emails.send); one that died silently must fail, not hang the worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- API ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "berniecrat.api.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "berniecrat.api.JSONNegotiation",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "EXCEPTION_HANDLER": "berniecrat.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}

# --- Client address behind proxies -------------------------------------------
# How many reverse proxies of ours append to X-Forwarded-For in front of the site (0: the
# header is ignored and the connection's address is the client). One number for every
# use of the client's address: our rate limits and /readyz (berniecrat.ratelimit.client_ip)
# and allauth's login limits (ALLAUTH_TRUSTED_PROXY_COUNT; its adapter asks client_ip too).
# Production has no default (settings.production): behind a proxy, 0 would count every
# visitor as the proxy, and one attacker's failed logins would lock out every organizer.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- Organizer API tokens and pages (accounts.ApiToken, django-rest-knox) -------
# Keys are stored hashed in accounts' own table (it adds a name); knox's migrations
# would create an unused table of its own model, so they are not run.
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 - a model name, not a secret
MIGRATION_MODULES = {"knox": None}
# Days a new token works (an organizer may choose fewer, never more).
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
REST_KNOX = {"TOKEN_TTL": datetime.timedelta(days=API_TOKEN_DAYS), "AUTH_HEADER_PREFIX": "Token"}
# Rows per page of an organizer API list (cursor pagination), and the most a client may ask for.
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=100)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=500)

# Rate limits on the public sign-up forms and API, counted in Redis (berniecrat.ratelimit).
# RATELIMIT_ENABLE=0 turns them all off (load tests from a single address).
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# POST /api/v1/signups/ per client address (partners with a key are counted per partner instead).
SIGNUP_API_RATE = env("SIGNUP_API_RATE", default="30/minute")
# POSTs of the /run/ and /volunteer/ forms per client address (a watch party on one Wi-Fi fits).
SIGNUP_FORM_RATE = env("SIGNUP_FORM_RATE", default="20/minute")
# Sign-ups per email address, forms and API together (a person fixing a typo fits).
SIGNUP_EMAIL_RATE = env("SIGNUP_EMAIL_RATE", default="5/hour")
# Partner sites posting their own visitors' sign-ups: name=key pairs, comma-separated
# (keys of 32+ random characters). A request with a valid X-Partner-Key header skips the
# per-address limit and is counted per partner at SIGNUP_PARTNER_RATE; the per-email limit stays.
SIGNUP_PARTNER_KEYS = env.dict("SIGNUP_PARTNER_KEYS", default={})
SIGNUP_PARTNER_RATE = env("SIGNUP_PARTNER_RATE", default="600/minute")
# The forms' time-trap: a submission sooner than this after the form was shown is refused
# (a person takes longer), and a form older than SIGNUP_FORM_MAX_AGE must be sent again.
SIGNUP_FORM_MIN_SECONDS = env.float("SIGNUP_FORM_MIN_SECONDS", default=2.0)
SIGNUP_FORM_MAX_AGE = env.int("SIGNUP_FORM_MAX_AGE", default=6 * 3600)
# POSTs of the "find your districts" form per client address (a street goes to the Census Geocoder).
PUBLIC_FIND_RATE = env("PUBLIC_FIND_RATE", default="30/minute")
# Memory for a coverage count's sorts (coverage.engine.execute_count): PostgreSQL's 4 MB spills from ~50,000 sign-ups.
COVERAGE_WORK_MEM = env("COVERAGE_WORK_MEM", default="64MB")

SPECTACULAR_SETTINGS = {
    "TITLE": "Berniecrat API",
    "DESCRIPTION": "Sign-ups for embedded forms, district lookup, and organizers' reads.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Docs assets are served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema component per choice set, however many fields use it.
    "ENUM_NAME_OVERRIDES": {
        "SkillEnum": "signups.models.Skill",
        "StageEnum": "pipeline.models.Stage",
        # Every layer (chambers, then local), and the local ones: named once for every API that takes them.
        "LayerEnum": "districts.models.LAYER_CHOICES",
        "LocalLayerEnum": "districts.models.LocalLayer",
    },
    # One URL served by a view per method (berniecrat.api.by_method): each described as itself.
    "PREPROCESSING_HOOKS": ["berniecrat.api.split_by_method"],
}

# --- Health checks (berniecrat.health) ----------------------------------------
# /readyz answers loopback clients, and others sending "Authorization: Bearer <HEALTH_TOKEN>"
# (empty: loopback only). /healthz (liveness) is public and checks nothing outside the process.
HEALTH_TOKEN = env("HEALTH_TOKEN", default="")
# Seconds a worker ping's answer is reused, so a burst of readiness checks pings once.
HEALTH_WORKER_CACHE_SECONDS = env.int("HEALTH_WORKER_CACHE_SECONDS", default=5)

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
# A task is acknowledged only once it has run, and a worker process that dies in
# the middle hands its task back (prefork: at once; a whole worker killed: after
# the visibility timeout below). Every task is idempotent, so a second run is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
# Without it Celery's Django fix-up opens a new database connection for every task, which held
# the email drain to about 60 a second (bench/findings.md, section 5). With it, a task keeps its
# process's connection as a request does; berniecrat.celery drops one broken or past CONN_MAX_AGE.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# Email has a queue of its own, so a geocoding backlog never delays a confirmation and its pool can
# run more processes (mostly waiting on SMTP). A worker without -Q consumes both (make run, the
# tests); in production each queue gets its own worker pool (Procfile: "worker" and "email").
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {"celery": {}, "email": {}}
CELERY_TASK_ROUTES = {
    # Every email of the outbox (signups.outbox), whatever its kind.
    "signups.tasks.send_emails": {"queue": "email"},
    "calls.tasks.send_caller_invitation": {"queue": "email"},
}
CELERY_ACCEPT_CONTENT = ["json"]
# A broker that is down must not hang a request: connecting and each command give up after about a
# second, then the process stops publishing for SIGNUP_PUBLISH_PAUSE seconds (signups.outbox) and the
# sweeper sends what was not published. (A sign-up is one INSERT; the workers and pipeline publish.)
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=1.0),
    # A task taken by a worker that vanished (killed, machine lost) is delivered again
    # after this many seconds. Longer than any task runs (a 10,000-row geocoding batch: 10 min).
    "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=3600),
    # How often a worker looks for such tasks (seconds x every Nth look scans Redis).
    "unacked_restore_interval": env.int("CELERY_BROKER_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_BROKER_RESTORE_THROTTLE", default=10),
}
# Publishing is retried once, at once: a sign-up is already committed, and the
# sweeper below re-queues whatever could not be published.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}
CELERY_BEAT_SCHEDULE = {
    "sweep": {"task": "signups.tasks.sweep", "schedule": 60.0},
    "prune-submissions": {"task": "signups.tasks.prune_submissions", "schedule": 3600.0},
    "prune-unconfirmed-nominations": {"task": "pipeline.tasks.prune_unconfirmed_nominations", "schedule": 3600.0},
    "refresh-call-queue": {"task": "calls.tasks.refresh_call_queue", "schedule": 60.0},
    # public_site.coverage.REFRESH_SECONDS: the public snapshot is rebuilt here, not in a request.
    "refresh-public-snapshot": {"task": "public_site.tasks.refresh_snapshot", "schedule": 30.0},
}
# Seconds a process remembers answers that only a data load changes (a ZIP code's row, the districts
# at its centre: berniecrat.memo); the loading process forgets them at once, the others after this.
REFERENCE_MEMORY_SECONDS = env.float("REFERENCE_MEMORY_SECONDS", default=300.0)
# After a failed publish, a process leaves its follow-up work to the sweeper for this long.
SIGNUP_PUBLISH_PAUSE = env.float("SIGNUP_PUBLISH_PAUSE", default=30.0)
# An email (any kind: signups.outbox) claimed this long ago and still not sent belongs to a dead worker.
EMAIL_CLAIM_TIMEOUT = env.int("EMAIL_CLAIM_TIMEOUT", default=600)
# Seconds after which the sweeper hands an email over again that was handed to Celery but never
# sent (the task was lost with a broker restart or a worker).
EMAIL_REQUEUE_AFTER = env.int("EMAIL_REQUEUE_AFTER", default=300)
# Emails per task for the email workers: fewer broker round trips; a chunk's last waits this many sends.
EMAIL_CHUNK_SIZE = env.int("EMAIL_CHUNK_SIZE", default=20)

# --- Sign-up intake (signups.services.intake; manage.py run_intake) ----------------
# Submissions an intake worker applies per transaction; seconds an idle one waits before looking again.
SIGNUP_INTAKE_BATCH_SIZE = env.int("SIGNUP_INTAKE_BATCH_SIZE", default=500)
SIGNUP_INTAKE_POLL = env.float("SIGNUP_INTAKE_POLL", default=0.2)
# While submissions arrive this fast (per second: a livestream's burst) the intake workers wait,
# leaving the cores to the web, but never hold one longer than SIGNUP_INTAKE_MAX_HOLD seconds.
SIGNUP_INTAKE_BURST_RATE = env.float("SIGNUP_INTAKE_BURST_RATE", default=100)
SIGNUP_INTAKE_MAX_HOLD = env.float("SIGNUP_INTAKE_MAX_HOLD", default=120)
# Days a processed submission is kept (then only its daily counts are); data requests see it until then.
SIGNUP_INTAKE_RETENTION_DAYS = env.int("SIGNUP_INTAKE_RETENTION_DAYS", default=30)
# Days changes held for an email's owner wait for their confirmation (then they expire).
SIGNUP_PENDING_CHANGE_DAYS = env.int("SIGNUP_PENDING_CHANGE_DAYS", default=7)

# --- Call teams ----------------------------------------------------------------
# "Next person" claims a would-be candidate for this many minutes; nobody else is given them meanwhile.
CALLS_CLAIM_MINUTES = env.int("CALLS_CLAIM_MINUTES", default=15)
# After no answer (or a message left), the person is not offered again for this many hours.
CALLS_RETRY_HOURS = env.int("CALLS_RETRY_HOURS", default=4)
# Calling hours in the person's own time zone: from the first hour (inclusive) to the second (exclusive).
CALLS_HOURS = (9, 20)

# --- Districts ---------------------------------------------------------------
_shared_data = BASE_DIR.parent / "shared" / "data"
_districts_data_dir = env("DISTRICTS_DATA_DIR", default=str(_shared_data) if _shared_data.is_dir() else "")
# None when there is no local copy: load_districts then downloads from the Census Bureau.
DISTRICTS_DATA_DIR = Path(_districts_data_dir).resolve() if _districts_data_dir else None
# Downloaded Census files are kept here so a second load does not fetch them again.
DISTRICTS_CACHE_DIR = env.path("DISTRICTS_CACHE_DIR", default=str(BASE_DIR / ".cache" / "districts"))
# The TIGER/Line release downloaded when there is no local data directory.
DISTRICTS_TIGER_YEAR = env.int("DISTRICTS_TIGER_YEAR", default=2026)
# Where `load_districts --census` downloads TIGER/Line from (a mirror, or a test server on this machine).
DISTRICTS_TIGER_URL = env("DISTRICTS_TIGER_URL", default="https://www2.census.gov/geo/tiger")

# US Census Geocoder (https://geocoding.geo.census.gov/geocoder/): address -> point.
CENSUS_GEOCODER_URL = env("CENSUS_GEOCODER_URL", default="https://geocoding.geo.census.gov/geocoder")
CENSUS_GEOCODER_BENCHMARK = env("CENSUS_GEOCODER_BENCHMARK", default="Public_AR_Current")
CENSUS_GEOCODER_TIMEOUT = env.float("CENSUS_GEOCODER_TIMEOUT", default=10.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# Debian 12's GDAL 3.6 cannot block its own file and network access when parsing spatial references;
# only organizers' `load_districts` hands GDAL files (Census data, never uploads): check silenced.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
