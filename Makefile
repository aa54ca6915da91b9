# Two commands for a newcomer: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
PY := .venv/bin/python
MANAGE := $(PY) manage.py
# compilemessages needs at least one locale folder; makemessages fills locale/ (commit it).
COMPILEMESSAGES := mkdir -p locale && $(MANAGE) compilemessages --ignore ".venv/*" --ignore ".tools/*"

.PHONY: run test bench loadtest lint typecheck check-deploy venv system-packages services demo-code messages clean

# Debian packages the portal needs (WeasyPrint's pango, gettext, Chromium for browser tests).
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	gettext chromium python3-venv poppler-utils
# npm fetches axe-core for the accessibility tests; a node and npm installed some other
# way (nvm, NodeSource) are used as they are.
ifeq ($(shell command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && echo yes),)
APT_PACKAGES += nodejs npm
endif
system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "Not root and no sudo: install these as root first:" $$missing >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# uv itself, in .tools, unless one is on PATH already.
$(TOOLS)/bin/uv:
	@command -v uv >/dev/null 2>&1 || { \
	  echo "Installing uv into $(TOOLS)"; \
	  python3 -m venv $(TOOLS) && $(TOOLS)/bin/pip install -q uv; }

# The virtualenv from uv.lock, on a Python >= 3.12 found on this machine. Only when there is
# none does uv fetch a managed Python (Debian 12's own python3 is 3.11).
venv: $(TOOLS)/bin/uv
	@python=$$(scripts/find-python 2>/dev/null) || { \
	  echo "No Python >= 3.12 on this machine: asking uv for a managed Python 3.13"; \
	  UV_PYTHON_DOWNLOADS=automatic $(UV) python install 3.13 && \
	  python=$$($(UV) python find 3.13); } || { scripts/find-python; exit 1; }; \
	UV_PYTHON=$$python $(UV) sync --frozen --quiet
	@mkdir -p var

# axe-core, pinned in package-lock.json, for tests/browser/test_accessibility.py. npm keeps
# the tarball's file times, hence the touch: otherwise the target is never up to date.
node_modules/axe-core/axe.min.js: package.json package-lock.json | system-packages
	npm ci --no-audit --no-fund
	@touch $@

# make run: SQLite and a folder broker unless DATABASE_URL / REDIS_URL say otherwise.
run: system-packages venv
	@DEBUG=$${DEBUG:-true} scripts/run.sh

demo-code: venv
	@DEBUG=true $(MANAGE) demo_code

messages: venv
	# English is the source language: only the Swedish catalogue is kept.
	$(MANAGE) makemessages --locale sv --no-obsolete --ignore ".venv/*" --ignore ".tools/*" \
		--ignore "tests/*" --ignore "var/*" --ignore "node_modules/*" --add-location file
	$(COMPILEMESSAGES)

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# mypy with django-stubs on what [tool.mypy] in pyproject.toml lists (cm_portal/, the access
# modules, the services).
typecheck: venv
	.venv/bin/mypy

# Production settings as a deployment has them: a real key, a host, an SMTP mailer.
check-deploy: venv
	DJANGO_SETTINGS_MODULE=cm_portal.settings.production \
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	ALLOWED_HOSTS=cm.example.org SITE_URL=https://cm.example.org DATABASE_URL=sqlite:///var/check.sqlite3 \
	EMAIL_URL=smtp+tls://mailer:password@mail.example.org:587 \
	$(MANAGE) check --deploy --fail-level WARNING

# make bench [QUICK=1] [PARTICIPANTS=N]: seed cm_portal_bench (10,000 participants, 1,000 with
# QUICK, or N) and time the pages; beside a run at another size, each row's growth from 10,000.
bench: venv services
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) bench/run.py $(if $(QUICK),--quick,) \
		$(if $(PARTICIPANTS),--participants $(PARTICIPANTS),)

services:
	@scripts/ensure-services

# make test: everything CI checks, in the order that fails fastest. pytest runs in one
# process per core (pytest-xdist; PYTEST_WORKERS=0 for one process), each with its own
# test database; worksteal hands the long tests (browsers, subprocesses) round evenly.
# More processes than cores gain nothing: the suite keeps every core busy (Python,
# PostgreSQL and Chromium), and on two cores 2, 3 and 4 processes took 249, 249 and 255 s.
PYTEST_WORKERS ?= auto
# Compiled bytecode is kept in var/pycache even where the environment sets
# PYTHONDONTWRITEBYTECODE (container images often do): without it every Python process of
# the run (each pytest worker, manage.py, every gunicorn worker and manage.py subprocess the
# tests start) compiles the same ~1,700 modules again, about 10 s of CPU each.
test: export PYTHONDONTWRITEBYTECODE :=
test: export PYTHONPYCACHEPREFIX := $(CURDIR)/var/pycache
test: system-packages venv services node_modules/axe-core/axe.min.js
	$(COMPILEMESSAGES) -v0
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	DJANGO_SETTINGS_MODULE=cm_portal.settings.test $(MANAGE) makemigrations --check --dry-run -v1
	$(MAKE) --no-print-directory check-deploy
	DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# make loadtest: gunicorn (production settings over loopback HTTP) and 50 simulated staff for
# 60 s on a scratch PostgreSQL database (LOAD_DB, default cm_portal_load); see bench/load/.
loadtest: venv services
	bench/load/run.sh

clean:
	rm -rf var .venv $(TOOLS) node_modules
