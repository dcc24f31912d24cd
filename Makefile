# The two commands: `make run` (try Grants locally) and `make test` (the whole suite).
# Both install what they need: a virtualenv in .venv, Python packages, GOV.UK Frontend from npm.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Debian's headless build of Chromium (the same browser without its windowing parts: lighter to start and run,
# and the journeys never show a window). CHROMIUM=/usr/bin/chromium runs them in the full browser.
CHROMIUM ?= /usr/bin/chromium-headless-shell
GOVUK_DIST := node_modules/govuk-frontend/dist/govuk
# The suite writes Python's bytecode even where the environment says not to (PYTHONDONTWRITEBYTECODE), so
# that a second run loads its test modules as pytest rewrote them (its asserts) instead of rewriting all.
# The suite runs on this many workers (pytest-xdist), one per core of a two-core machine; each has its
# own database, queue, mail server and browser servers. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
ASSETS := grants/static/govuk

.PHONY: run test install browser wrk audit assets db seed worker beat bench bench-jobs bench-opendata lint clean

# `make run PORT=8080` serves on another port (BASE_URL, the address in email links, follows it unless set);
# `make run FRESH=1` empties the database and seeds a new demo dated today.
RUN_ENV = BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)}
SEED_FLAGS = $(if $(filter 1 true yes,$(FRESH)),--fresh)

run: install ## Serve the embedded default (SQLite, in-process jobs, captured email) with demo data
	@echo "== Database: applying any new migrations, then the demo programme (first time about 20 s; after that it is found and kept)"
	$(RUN_ENV) $(FLASK) seed-demo --upgrade $(SEED_FLAGS)
	@echo "== Serving Grants on $${BASE_URL:-http://$(HOST):$(PORT)} (Ctrl-C stops it)"
	$(RUN_ENV) $(FLASK) run --host $(HOST) --port $(PORT)

test: install browser ## Run the whole suite against real PostgreSQL and Redis, browser journeys included
	PYTHONDONTWRITEBYTECODE= GRANTS_ENV=testing CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=20 $(PYTEST_ARGS)

install: $(VENV)/.installed $(ASSETS)/.installed

assets: $(ASSETS)/.installed

browser: ## Debian's headless Chromium for the browser journeys (Playwright drives it; no browser download)
	@test -x $(CHROMIUM) || { \
	  echo "Installing Chromium (headless) from Debian's packages for the browser journeys"; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(notdir $(CHROMIUM)) >/dev/null; }

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	@echo "== Installing Grants' Python packages into $(VENV) (first time, or when requirements/ changes: a few minutes)"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Grants needs Python 3.11 or newer (set PYTHON=...)")'
	@/sbin/ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || { \
	  echo "Installing Pango from Debian's packages (WeasyPrint draws the PDFs with it)"; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/base.txt -r requirements/dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	@echo "== Installing GOV.UK Frontend and axe-core from npm into node_modules (first time: about 10 s)"
	npm ci --no-audit --no-fund

$(ASSETS)/.installed: node_modules/.package-lock.json
	@echo "== Copying GOV.UK Frontend's styles, scripts, fonts and images into $(ASSETS)"
	rm -rf $(ASSETS)
	mkdir -p $(ASSETS)
	cp -R $(GOVUK_DIST)/assets/. $(ASSETS)/
	cp $(GOVUK_DIST)/govuk-frontend.min.css $(GOVUK_DIST)/govuk-frontend.min.js $(ASSETS)/
	touch $@

db: install ## Apply migrations to DATABASE_URL (or the development SQLite file)
	$(FLASK) db upgrade

seed: install ## The demo programme, unless it is there already (FRESH=1: empty the database and seed anew)
	$(RUN_ENV) $(FLASK) seed-demo --upgrade $(SEED_FLAGS)

worker: install ## A Celery worker (needs REDIS_URL)
	$(BIN)/celery -A workers worker --loglevel=INFO

beat: install ## The one Celery beat scheduler (needs REDIS_URL)
	$(BIN)/celery -A workers beat --loglevel=INFO

wrk: ## The HTTP load generator the page benchmark uses, from Debian's packages
	@command -v wrk >/dev/null || { \
	  echo "Installing wrk from Debian's packages for the page benchmark"; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }

bench: install wrk ## Every benchmark at programme scale on PostgreSQL: pages under load, jobs (prints figures)
	GRANTS_ENV=testing $(BIN)/python -m tests.benchmarks.bench $(BENCH_ARGS)

bench-jobs: install ## Benchmark the reminder sweep and email delivery on PostgreSQL (prints figures)
	GRANTS_ENV=testing $(BIN)/python -m tests.benchmarks.bench_jobs $(BENCH_ARGS)

bench-opendata: install ## Benchmark the 360Giving export of 10,000 grants on PostgreSQL (prints figures)
	GRANTS_ENV=testing $(BIN)/python -m tests.benchmarks.bench_opendata $(BENCH_ARGS)

lint: install ## Ruff, the layers of grants/ (import-linter contracts in pyproject.toml), then mypy (strict on grants/core and the services listed there)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

audit: install ## Static security analysis: bandit fails on any finding of medium severity or above
	$(BIN)/bandit -q -r grants workers config.py wsgi.py --severity-level medium

clean:
	rm -rf $(VENV) node_modules $(ASSETS) .pytest_cache
