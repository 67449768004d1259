# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# The first Python >= 3.11 on the PATH (override with `make PYTHON=/path/to/python3.12 ...`).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	&& echo $$p && break; done)

# Local runs have DEBUG off, like production, with the checkout's settings wherever the
# environment sets none (knowledgebase/checkout.py, which manage.py also applies by itself):
# the per-checkout secret key in .secret-key (git-ignored), loopback hosts, this address
# as KB_SITE_URL, and plain HTTP (`--https` keeps production's redirect, for `make serve`).
CHECKOUT = $(BIN)/python -m knowledgebase.checkout --site-url http://$(HOST):$(PORT)
# Production server: one worker process per core plus one, four threads each (threads
# overlap the waits on the database; processes use the cores).
CORES := $(shell nproc 2>/dev/null || echo 2)
WORKERS ?= $(shell echo $$(( $(CORES) + 1 )))
THREADS ?= 4
# glibc's allocator, told to keep fewer per-thread arenas and to give large blocks (a
# search's working memory) back to the system when freed: without this a worker's memory
# grows by 20-30 MB after many different searches and stays there.
MALLOC_ENV = MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
MANAGE = $(CHECKOUT) $(BIN)/python manage.py
VNU_JAR := .tools/node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: help setup run serve test lint format superuser clean chromium lighthouse

help:
	@echo "make run        set up (venv, install, migrate, demo content, static) and serve on http://$(HOST):$(PORT)"
	@echo "make setup      everything 'run' does except serving"
	@echo "make serve      the production configuration on gunicorn (DJANGO_SECURE_SSL_REDIRECT=0 for plain HTTP)"
	@echo "make test       install test tools and run the whole test suite"
	@echo "make lint       ruff, Django system checks, missing-migration check"
	@echo "make superuser  create an admin account"
	@echo "make lighthouse Lighthouse scores of a term page on the production server"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is required (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

.secret-key:
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@chmod 600 $@

setup: $(VENV)/.installed .secret-key
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_content
	$(MANAGE) refresh_content_health
	$(MANAGE) rebuild_search_index --if-stale
	$(MANAGE) collectstatic --noinput --verbosity 0

run: setup
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(MANAGE) runserver $(HOST):$(PORT)

# The production configuration (DEBUG off, HTTPS redirect and HSTS on unless
# DJANGO_SECURE_SSL_REDIRECT=0) on gunicorn, with the site's gunicorn configuration
# (preloaded and warmed application, views written when a worker stops).
serve: setup
	@echo "Serving (gunicorn, $(WORKERS) workers x $(THREADS) threads) on http://$(HOST):$(PORT)/"
	$(MALLOC_ENV) $(CHECKOUT) --https $(BIN)/gunicorn -c knowledgebase/gunicorn.conf.py \
		knowledgebase.wsgi --bind $(HOST):$(PORT) \
		--workers $(WORKERS) --threads $(THREADS) --access-logfile - --log-level warning

superuser: setup
	$(MANAGE) createsuperuser

# The whole suite, in two runs: the tests without a browser in a random order (pytest-randomly;
# the seed is printed, `pytest -p randomly --randomly-seed=N` repeats an order), then the
# browser tests in file order. Both run even if the first fails; either failing fails.
test: $(VENV)/.installed-test chromium $(VNU_JAR)
	status=0; \
	$(BIN)/pytest -m "not browser" -p randomly || status=$$?; \
	$(BIN)/pytest -m browser -p no:randomly || status=$$?; \
	exit $$status

# The Nu HTML Checker (needs Java 17+), for the HTML validity tests.
$(VNU_JAR):
	npm install --silent --no-audit --no-fund --prefix .tools vnu-jar@26.9.27

# Lighthouse scores of the term page on the production server (bench/lighthouse.py).
LIGHTHOUSE := .tools/node_modules/.bin/lighthouse
$(LIGHTHOUSE):
	npm install --silent --no-audit --no-fund --prefix .tools lighthouse@12.2.3

lighthouse: setup chromium $(LIGHTHOUSE)
	$(BIN)/python bench/lighthouse.py

# Browser tests drive the system Chromium (never a downloaded one).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else echo "Chromium is missing: install it (e.g. apt-get install chromium) for browser tests"; fi; }

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=knowledgebase.settings_test $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=knowledgebase.settings_test $(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .tools staticfiles .pytest_cache .ruff_cache
