# Two commands do all the set-up on a fresh Debian/Ubuntu machine: `make run` and `make test`.
# Each step leaves a stamp in .stamps/ so that a second run only redoes what changed.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3.11
# pip on these machines warns about absent local mirrors on every package; keep the log readable.
QUIET_PIP := 2>&1 | grep -v 'is ignored: it is neither' || test $${PIPESTATUS[0]} -eq 0
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
# Pango for WeasyPrint; HarfBuzz's subsetter makes CJK font subsetting ~50x faster; a CJK font; libpq and gettext.
RUN_PACKAGES := fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk libpq-dev gettext
# Tests also drive Debian's chromium (Playwright cannot download its own browser here), read PDFs as images and count
# rate limits in Redis from two processes (redis-server; redis-tools for redis-cli in .ci/run).
# Operations: PostgreSQL's server binaries and pg_dump (make faulttest, backup, restore), PgBouncer (the pooler test),
# wrk (make loadtest: a C load generator leaves the 2 cores to the server).
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils redis-server redis-tools postgresql pgbouncer wrk
DEV_ENV := DEBUG=1

.PHONY: run serve worker beat test lint audit format bench bench-scale migrations-check setup setup-dev messages fonts clean \
	faulttest backup restore loadtest

run: setup
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py make_county_ca
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# Production settings on this machine: gunicorn, DEBUG off, static files collected and served by whitenoise.
# SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, WEB_CONCURRENCY come from the environment when set.
SERVE_ENV := SECRET_KEY=$${SECRET_KEY:-local-serve-not-a-secret} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} \
	SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-0} PORTAL_BASE_URL=$${PORTAL_BASE_URL:-http://127.0.0.1:8000}
serve: setup
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput -v 0
	$(SERVE_ENV) $(VENV)/bin/gunicorn portal.wsgi -c portal/gunicorn.conf.py

# The task queue's worker and its scheduler (one beat per deployment), with the settings of `make serve`. They need
# CELERY_BROKER_URL (Redis, its own database number); without it the portal runs its tasks inline and needs neither.
NEED_BROKER := test -n "$${CELERY_BROKER_URL:-}" || { echo "设置 CELERY_BROKER_URL（如 redis://127.0.0.1:6379/1） / set CELERY_BROKER_URL"; exit 2; }
worker: setup
	@$(NEED_BROKER)
	$(SERVE_ENV) $(VENV)/bin/celery -A portal worker -l info
beat: setup
	@$(NEED_BROKER)
	@mkdir -p var
	$(SERVE_ENV) $(VENV)/bin/celery -A portal beat -l info --schedule var/celerybeat-schedule

test: setup-dev
	$(PY) manage.py makemigrations --check --dry-run --settings=portal.settings_test
	$(PY) -m pytest

lint: setup-dev audit
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Known vulnerabilities in the installed packages (pip-audit, PyPI's advisory data). Fails on a finding. Where the
# advisory service cannot be reached (these machines reach only the package index) it says how many packages went
# unaudited instead of claiming "no known vulnerabilities".
audit: setup-dev
	@out=$$($(VENV)/bin/pip-audit --progress-spinner off 2>&1); rc=$$?; \
	echo "$$out" | grep -v -e 'is ignored: it is neither' -e 'Dependency not found on PyPI' -e '^Name  *Skip Reason' -e '^-----'; \
	unaudited=$$(echo "$$out" | grep -c 'Dependency not found on PyPI'); \
	if [ "$$unaudited" -gt 0 ]; then echo "pip-audit: $$unaudited packages NOT audited (the advisory service is unreachable from this machine); the line above speaks only of the rest"; fi; \
	exit $$rc

format: setup-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: setup-dev
	$(PY) manage.py makemigrations --check --dry-run --settings=portal.settings_test

setup: $(STAMPS)/system-run $(STAMPS)/venv-run messages fonts
setup-dev: $(STAMPS)/system-test $(STAMPS)/venv-dev messages fonts

$(STAMPS)/system-%: Makefile
	@mkdir -p $(STAMPS)
	@pkgs="$(if $(filter test,$*),$(TEST_PACKAGES),$(RUN_PACKAGES))"; \
	missing=$$(for p in $$pkgs; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "安装系统软件包 / installing system packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "缺少系统软件包，请以 root 安装 / missing system packages, install as root: sudo apt-get install $$missing"; exit 1; \
	  fi; \
	fi
	@touch $@

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip $(QUIET_PIP)

$(STAMPS)/venv-run: requirements.txt | $(VENV)/bin/python
	@mkdir -p $(STAMPS)
	$(VENV)/bin/pip install -q -r requirements.txt $(QUIET_PIP)
	@touch $@

$(STAMPS)/venv-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	@mkdir -p $(STAMPS)
	$(VENV)/bin/pip install -q -r requirements-dev.txt $(QUIET_PIP)
	@touch $@ $(STAMPS)/venv-run

# Compiled catalogs (.mo) are built, not committed; compilemessages is quick and skips up-to-date files.
messages:
	@$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv -v 0

# The compact CJK font for PDFs, derived from fonts-noto-cjk (about 30 s, once).
fonts: static/fonts/PortalSerifSC-Common.otf

static/fonts/PortalSerifSC-Common.otf:
	$(DEV_ENV) $(PY) manage.py build_pdf_fonts

# The bench runs with production settings (DEBUG off, the manifest static storage after collectstatic), so that it
# measures what production renders: with DEBUG on it never showed that hashed static names broke every PDF.
PROD_LOCAL_ENV := SECRET_KEY=bench-only-not-a-secret ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 \
	PORTAL_BASE_URL=http://127.0.0.1:8000
bench: setup-dev
	$(PROD_LOCAL_ENV) $(PY) manage.py migrate --noinput -v 0
	$(PROD_LOCAL_ENV) $(PY) manage.py collectstatic --noinput -v 0
	$(PROD_LOCAL_ENV) $(PY) manage.py bench

# Province scale: load SCALE_REQUESTS requests in bulk over every community of the shipped region list into the
# database DATABASE_URL names (PostgreSQL; your own database: the load is added to what is there), check the register
# and the seal ledger, then print the oversight figures (live), the county page and the API checks.
SCALE_REQUESTS ?= 1000000
SCALE_CONCURRENCY ?= 4
bench-scale: setup-dev
	@test -n "$$DATABASE_URL" || { echo "bench-scale: set DATABASE_URL=postgres://…/your_own_database"; exit 1; }
	$(DEV_ENV) $(PY) manage.py migrate --noinput -v 0
	$(DEV_ENV) $(PY) manage.py seed_demo --requests $(SCALE_REQUESTS) --bulk --concurrency $(SCALE_CONCURRENCY)
	$(DEV_ENV) $(PY) manage.py verify_register
	$(DEV_ENV) $(PY) manage.py verify_seal_ledger
	$(PROD_LOCAL_ENV) $(PY) manage.py collectstatic --noinput -v 0
	$(PROD_LOCAL_ENV) $(PY) manage.py bench --section scale --explain

# The database killed under load (scripts/faulttest.py): a private PostgreSQL cluster on a free port, gunicorn and
# clients issuing through the workflow; prints one summary line and exits non-zero when users or records suffered.
faulttest: setup-dev
	$(PROD_LOCAL_ENV) $(PY) manage.py collectstatic --noinput -v 0
	$(PY) scripts/faulttest.py

# Backup of DATABASE_URL (pg_dump -Fc, or SQLite's online backup) and every stored file into backups/<UTC time>/;
# `make restore BACKUP=backups/…` into a fresh database and an empty file store, then the three verify commands.
backup: setup
	$(SERVE_ENV) $(PY) manage.py backup

restore: setup
	@test -n "$(BACKUP)" || { echo "用法 / usage: make restore BACKUP=backups/<时间>"; exit 2; }
	$(SERVE_ENV) $(PY) manage.py restore "$(BACKUP)"

# A bounded load (wrk) on gunicorn with `make serve`'s settings on 127.0.0.1, after the demo data (idempotent) and the
# static files; one line per page (req/s, p50, p95, p99, errors, ratio to a bare 50-row view), then worker RSS.
loadtest: setup-dev
	$(SERVE_ENV) $(PY) manage.py migrate --noinput -v 0
	DEBUG=1 $(PY) manage.py seed_demo > /dev/null
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput -v 0
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)

clean:
	rm -rf $(STAMPS) $(VENV) staticfiles
