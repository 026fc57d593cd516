#!/usr/bin/env bash
# make bench: set up (bench database berniecrat_bench, districts, ZIPs), install the load tools, run bench/run.py.
#   bash bench/bench.sh            # quick scale
#   bash bench/bench.sh --full     # the scale of issue 6
set -euo pipefail
cd "$(dirname "$0")/.."

export BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgis://postgres@127.0.0.1:5432/berniecrat_bench}

# wrk (Debian) drives the closed-loop runs.
if ! command -v wrk >/dev/null; then
	SUDO=()
	[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
	"${SUDO[@]}" apt-get update
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk
fi

# The project's own setup, pointed at the bench database: PostgreSQL/PostGIS, Redis, .venv,
# migrations, static files, the nationwide district layers and the ZIP codes.
DATABASE_URL=$BENCH_DATABASE_URL bash scripts/setup.sh

stamp=.venv/.bench-requirements.sha256
wanted=$(sha256sum bench/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
	.venv/bin/pip install --disable-pip-version-check -q -r bench/requirements.txt
	echo "$wanted" >"$stamp"
fi

exec env PYTHONPATH=. .venv/bin/python -m bench.run "$@"
