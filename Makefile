# Developer and CI entry points. `make` alone lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: help setup run demo test lint format lock

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## Install and start what the project needs, migrate, load districts (idempotent)
	bash scripts/setup.sh

# Under supervisord (scripts/supervise.py): a process that dies is restarted, the others go on.
# Django reads .env itself (the real environment wins); the Procfile only needs PORT.
run: setup ## Set up, then run web (http://127.0.0.1:8000, or PORT), intake and Celery workers, beat, supervised; Ctrl-C stops all
	@mkdir -p .cache
	port="$${PORT:-$$(sed -n 's/^[[:space:]]*PORT[[:space:]]*=[[:space:]]*//p' .env 2>/dev/null | tail -n1 | tr -d "\"' ")}"; \
	PORT="$${port:-8000}" exec $(PY) scripts/supervise.py

# `make demo`: its own database and Redis database, so the main ones never see invented people.
DEMO_DATABASE_URL ?= postgis://postgres@127.0.0.1:5432/berniecrat_demo
DEMO_REDIS_URL ?= redis://127.0.0.1:6379/11
DEMO_SIGNUPS ?= 3000

demo: setup ## Like run, on a separate demo database with invented sign-ups and a demo organizer (login printed)
	DATABASE_URL='$(DEMO_DATABASE_URL)' REDIS_URL='$(DEMO_REDIS_URL)' DEMO_SIGNUPS='$(DEMO_SIGNUPS)' bash scripts/demo.sh

test: setup ## Set up, then ruff, import contracts, module sizes, Django checks, missing migrations, the whole pytest suite
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/python scripts/check_sizes.py
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Not part of `make test`: about 10 minutes at the quick scale, 35 at the issue's (BENCH_ARGS=--full).
BENCH_ARGS ?=
.PHONY: bench
bench: ## Benchmarks under production settings (gunicorn, Celery, SMTP sink) -> bench/RESULTS.md; BENCH_ARGS=--full
	bash bench/bench.sh $(BENCH_ARGS)

lint: $(VENV)/bin/ruff ## ruff format --check, ruff check, the import contracts (pyproject.toml) and module sizes
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/python scripts/check_sizes.py

format: $(VENV)/bin/ruff ## Reformat and apply ruff's safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

$(VENV)/bin/ruff:
	bash scripts/setup.sh

# pip-compile's own options; the index and find-links lines are left out so the lock names no host.
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host

lock: $(VENV)/bin/ruff ## Recompile requirements.txt and requirements-dev.txt from their .in files (keeps pins; UPGRADE=1 upgrades)
	$(PIP_COMPILE) $(if $(UPGRADE),--upgrade) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) $(if $(UPGRADE),--upgrade) --output-file requirements-dev.txt requirements-dev.in
