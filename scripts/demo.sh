#!/usr/bin/env bash
# `make demo`: the site on a database of its own, filled with invented sign-ups, and a
# demo organizer whose login is printed. Never touches the main database: DATABASE_URL
# (and REDIS_URL, so cache and Celery queue are apart too) point at the demo ones.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?DATABASE_URL must name the demo database}"
: "${REDIS_URL:?REDIS_URL must name the demo Redis database}"
DEMO_SIGNUPS=${DEMO_SIGNUPS:-3000}
DEMO_EMAIL=${DEMO_EMAIL:-demo@example.org}
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-organizer}
export DATABASE_URL REDIS_URL CELERY_BROKER_URL="$REDIS_URL"
PY=.venv/bin/python

printf '==> Demo database %s\n' "${DATABASE_URL##*/}"
# The same set-up as the main database (create, migrate, districts, ZIP codes): every
# step notices what is already done, so a second `make demo` takes seconds.
bash scripts/setup.sh

printf '==> Demo sign-ups\n'
# --seed 1 every time: a second run finds the same people already there and adds none.
"$PY" manage.py seed_demo --signups "$DEMO_SIGNUPS" --seed 1

printf '==> Demo organizer\n'
login=$("$PY" manage.py create_organizer "$DEMO_EMAIL" --all-states --password "$DEMO_PASSWORD" --totp)
printf '%s\n' "$login" | sed 's/^/    /'
secret=$(printf '%s\n' "$login" | sed -n 's/^TOTP secret: //p')
port="${PORT:-$(sed -n 's/^[[:space:]]*PORT[[:space:]]*=[[:space:]]*//p' .env 2>/dev/null | tail -n1 | tr -d "\"' ")}"
port=${port:-8000}
cat <<TEXT

    Log in at http://127.0.0.1:$port/organize/ with
      email:     $DEMO_EMAIL
      password:  $DEMO_PASSWORD
      code:      from an authenticator app given the TOTP secret above, or now:
                 $PY manage.py shell -c "from allauth.mfa.totp.internal.auth import hotp_value, format_hotp_value; import time; print(format_hotp_value(hotp_value('$secret', int(time.time()) // 30)))"
                 or one of the recovery codes.

TEXT

mkdir -p .cache
PORT="$port" exec .venv/bin/python scripts/supervise.py
