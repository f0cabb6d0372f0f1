# invoicedesk — `make run` serves the demo, `make test` runs everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PORT ?= 8000
# PostgreSQL everywhere. Tests use DATABASE_URL if set, else this server when it answers (CI has it), else the
# embedded PostgreSQL in var/postgres that settings start (invoicedesk/embedded_postgres.py). `make run` uses
# DATABASE_URL or the embedded one.
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/invoicedesk
# Expanded when a recipe runs (after `setup`): DATABASE_URL, else PG_TEST_URL if it answers, else empty (embedded).
TEST_DATABASE_URL = $(shell if [ -n "$$DATABASE_URL" ]; then echo "$$DATABASE_URL"; \
  elif $(PY) -c 'import sys, psycopg; psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()' "$(PG_TEST_URL)" 2>/dev/null; \
  then echo "$(PG_TEST_URL)"; fi)
CHROMIUM ?= /usr/bin/chromium
# Everything here runs on a development machine: the demo, the tests, the checks, the benches' drivers. The app
# itself takes an unset INVOICEDESK_ENV for production (DEBUG off, no demo); a value given outside wins.
export INVOICEDESK_ENV ?= development

.PHONY: help setup run test lint hooks typecheck pytest db-stop messages browser fonts bench bench-webhooks bench-pages bench-refunds bench-scaleout soak clean

help:
	@echo "make run    set up and serve the demo at http://127.0.0.1:$(PORT)"
	@echo "make test   ruff, mypy, the tests (browser tests included) on PostgreSQL"
	@echo "make bench  list-page timings on a million invoices (PostgreSQL)"
	@echo "make bench-webhooks  webhook intake on gunicorn and processing by 1 and 4 workers, beside their floors"
	@echo "make bench-pages     detail, audit, deep list pages, CSV export beside their SQL and Django admin"
	@echo "make bench-refunds   refunds through gunicorn to SUCCEEDED beside the SDK call and psycopg writes"
	@echo "make bench-scaleout  webhook processing and refunds with 1, 2 and 4 worker processes"
	@echo "make soak   kill -9 workers while refunds and emails are in flight; nothing lost or doubled"
	@echo "make hooks  install the git pre-commit hook (ruff, ruff format, lint-imports)"

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python >= 3.12 is required"'
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@echo "· installing Python packages into $(VENV) (once; a minute or two)"
	@$(PY) -m pip install -qq --upgrade pip
	@$(PY) -m pip install -qq -c constraints.txt -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@echo "· installing htmx (npm ci)"
	@npm ci --silent --no-audit --no-fund --loglevel=error
	@touch $@

messages: $(VENV)/.installed
	@$(VENV)/bin/pybabel -q compile -d invoicedesk/locale -D django

setup: $(VENV)/.installed node_modules/.installed messages
	@mkdir -p var

run: setup fonts
	@echo "· preparing the database ($${DATABASE_URL:+DATABASE_URL}$${DATABASE_URL:-an embedded PostgreSQL in var/postgres; make db-stop stops it})"
	@$(MANAGE) migrate --noinput -v 0
	@$(MANAGE) serve_demo --port $(PORT)

# Debian's Chromium drives the browser tests (Playwright cannot download its own here); without a CJK font
# Japanese pages render as boxes in its screenshots and in the return invoices' PDFs (which embed it);
# pdftotext (poppler-utils) reads those PDFs back in the tests.
CJK_FONT ?= /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
browser:
	@test -x $(CHROMIUM) -a -e $(CJK_FONT) -a -x /usr/bin/pdftotext || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing chromium, fonts-noto-cjk and poppler-utils (Debian packages) for the tests…"; \
	    apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null; \
	  elif [ -x $(CHROMIUM) ]; then echo "No CJK font at $(CJK_FONT): Japanese screenshots will show boxes (apt-get install fonts-noto-cjk)"; \
	  else echo "Install Chromium, a CJK font and pdftotext (apt-get install chromium fonts-noto-cjk poppler-utils) or set CHROMIUM=/path/to/chromium"; exit 1; fi; }

# Return invoices (PDF) embed a Japanese font; without one their Japanese prints as boxes.
fonts:
	@test -e $(CJK_FONT) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "· installing fonts-noto-cjk (Debian) for the Japanese in return invoices"; \
	    apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	  else echo "· no CJK font at $(CJK_FONT): return invoices will show Japanese as boxes (apt-get install fonts-noto-cjk, or any Noto Sans CJK JP)"; fi; }

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	@# The server's own `postgres` database: makemigrations only checks the history, and the app's may not exist yet.
	DATABASE_URL="$(patsubst %/invoicedesk,%/postgres,$(TEST_DATABASE_URL))" $(MANAGE) makemigrations --check --dry-run

# Run ruff, ruff format and lint-imports before every commit.
hooks: setup
	$(VENV)/bin/pre-commit install

typecheck: setup
	$(VENV)/bin/mypy

# Under CI=true an unreachable server is a failure: the embedded one is for machines with none.
pytest: setup browser
	@url="$(TEST_DATABASE_URL)"; \
	if [ -z "$$url" ] && [ "$${CI:-}" = "true" ]; then echo "CI: PostgreSQL is not reachable at $(PG_TEST_URL)"; exit 1; fi; \
	echo "Tests on $${url:+$${url%%@*}@…}$${url:-the embedded PostgreSQL in var/postgres}"; \
	DATABASE_URL="$$url" CHROMIUM=$(CHROMIUM) $(VENV)/bin/pytest

db-stop:
	@$(PY) -m invoicedesk.embedded_postgres stop

test: lint typecheck pytest

bench: setup
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/invoicedesk_bench}" $(PY) bench/invoice_list.py

# Benchmarks recreate the database they are given (never part of `make test`); see bench/README.md.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432

bench-webhooks: setup
	DATABASE_URL="$${DATABASE_URL:-$(BENCH_PG)/invoicedesk_bench_webhooks}" $(PY) bench/webhooks.py

# Shares the million invoices of `make bench` (loaded once).
bench-pages: setup
	DATABASE_URL="$${DATABASE_URL:-$(BENCH_PG)/invoicedesk_bench}" $(PY) bench/pages.py

bench-refunds: setup
	DATABASE_URL="$${DATABASE_URL:-$(BENCH_PG)/invoicedesk_bench_refunds}" $(PY) bench/refunds.py

bench-scaleout: setup
	DATABASE_URL="$${DATABASE_URL:-$(BENCH_PG)/invoicedesk_bench_scaleout}" $(PY) bench/scaleout.py

# Workers killed at random while refunds and emails are in flight: nothing lost, nothing done twice.
soak: setup
	$(PY) bench/kill_soak.py

clean:
	-@test -x $(PY) && $(PY) -m invoicedesk.embedded_postgres stop
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
