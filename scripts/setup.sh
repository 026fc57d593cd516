#!/usr/bin/env bash
# Set up, or bring up to date, everything berniecrat needs on Debian 12:
# system packages, PostgreSQL/PostGIS and Redis, the virtualenv, the database,
# static files and the district boundaries. Safe to run again: every step
# checks first and does nothing when there is nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
	printf 'setup: %s\n' "$*" >&2
	exit 1
}

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "not root and no sudo: cannot install system packages or start services"
	SUDO=(sudo)
fi

PY=.venv/bin/python
PG_VERSION=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V | tail -n1)
PG_VERSION=${PG_VERSION:-15}
# Django settings the management commands use; manage.py's own default.
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-berniecrat.settings.local}

# --- (a) system packages ------------------------------------------------------
step "System packages"
missing=()
command -v make >/dev/null || missing+=(make)
[ -e /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates) # HTTPS downloads (Census)
command -v pg_ctlcluster >/dev/null || missing+=("postgresql-$PG_VERSION")
[ -e "/usr/share/postgresql/$PG_VERSION/extension/postgis.control" ] || missing+=("postgresql-$PG_VERSION-postgis-3")
if ! command -v ogrinfo >/dev/null || ! compgen -G '/usr/lib/*/libgdal.so*' >/dev/null; then
	missing+=(gdal-bin) # pulls in libgdal, GEOS and PROJ, which GeoDjango loads
fi
[ -x /usr/bin/chromium ] || missing+=(chromium) # browser tests (tests/e2e)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ! -x "$PY" ]; then
	command -v python3 >/dev/null || missing+=(python3)
	python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
fi
# psycopg2 is built from source against the system's libpq (requirements.in says why):
# pg_config and libpq's headers, a C compiler and Python's headers.
command -v pg_config >/dev/null || missing+=(libpq-dev)
command -v gcc >/dev/null || missing+=(gcc)
[ -e "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null)/Python.h" ] ||
	missing+=(python3-dev)
if [ ${#missing[@]} -gt 0 ]; then
	note "installing: ${missing[*]}"
	"${SUDO[@]}" apt-get update
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
	note "all installed"
fi

# --- (b) services -------------------------------------------------------------
wait_for() { # wait_for DESCRIPTION COMMAND...: retry for up to 30 s
	local what=$1
	shift
	for _ in $(seq 60); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	die "$what did not come up"
}

step "PostgreSQL"
if pg_isready -q -h 127.0.0.1; then
	note "running"
else
	note "starting cluster $PG_VERSION/main"
	"${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
	wait_for PostgreSQL pg_isready -q -h 127.0.0.1
fi

step "Redis"
if [ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ]; then
	note "running"
else
	note "starting redis-server on 127.0.0.1:6379"
	"${SUDO[@]}" mkdir -p /var/lib/redis /var/log/redis
	"${SUDO[@]}" redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log
	wait_for Redis sh -c '[ "$(redis-cli -h 127.0.0.1 ping)" = PONG ]'
fi

# --- (c) virtualenv -----------------------------------------------------------
step "Python virtualenv (.venv)"
if [ ! -x "$PY" ]; then
	python=$(command -v python3.11 || command -v python3) || die "no python3"
	note "creating with $python"
	"$python" -m venv .venv
fi
# Both locks, every package pinned with its hashes: the runtime one (requirements.txt, all
# that production installs) and the test and development tools (requirements-dev.txt).
stamp=.venv/.requirements.sha256
wanted=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
	note "requirements.txt and requirements-dev.txt unchanged since the last install"
else
	# psycopg2-binary (before the lock) installs the same module as psycopg2: remove it first.
	if .venv/bin/pip show -q psycopg2-binary 2>/dev/null; then
		.venv/bin/pip uninstall --disable-pip-version-check -y psycopg2-binary
		.venv/bin/pip uninstall --disable-pip-version-check -y psycopg2 2>/dev/null || true
	fi
	.venv/bin/pip install --disable-pip-version-check --require-hashes -r requirements.txt -r requirements-dev.txt
	echo "$wanted" >"$stamp"
fi

# --- (d) database -------------------------------------------------------------
step "Database and PostGIS"
"$PY" scripts/ensure_database.py

# --- (e, f) Django ------------------------------------------------------------
step "Migrations"
"$PY" manage.py migrate --noinput

step "Static files"
"$PY" manage.py collectstatic --noinput

# --- (g) district boundaries --------------------------------------------------
step "District boundaries"
# DISTRICTS_DATA_DIR as the settings see it (environment, then .env, then ../shared/data).
data_dir=$("$PY" -c 'from django.conf import settings; print(settings.DISTRICTS_DATA_DIR or "")')
if [ -n "$data_dir" ] && [ -d "$data_dir/boundaries" ]; then
	"$PY" manage.py load_districts "$data_dir/boundaries"
else
	note "no DISTRICTS_DATA_DIR${data_dir:+ ($data_dir/boundaries missing)}: downloading Census TIGER/Line"
	"$PY" manage.py load_districts --census
fi

step "Local government boundaries"
# The generalised nationwide county layer (DISTRICTS_DATA_DIR/local/, a few seconds); towns, places and
# school districts come from the Census: load_districts --census YEAR --layers county,cousub,place,school.
if [ -n "$data_dir" ] && [ -d "$data_dir/local" ]; then
	"$PY" manage.py load_districts "$data_dir/local"
else
	note "no DISTRICTS_DATA_DIR/local: no local layers (load_districts --census --layers county,cousub,place,school)"
fi

step "ZIP codes"
if [ -n "$data_dir" ] && [ -d "$data_dir/zip" ]; then
	"$PY" manage.py load_zipcodes "$data_dir/zip"
else
	note "no DISTRICTS_DATA_DIR/zip: ZIP centroids from the zipcodes package (no ZIP -> district table)"
	"$PY" manage.py load_zipcodes --from-package
fi

step "Organizers"
# `make run` never invents anyone; on an empty database this says how to create the first organizer.
"$PY" manage.py organizer_status

step "Done"
