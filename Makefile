# Two commands for a newcomer: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
PY := .venv/bin/python
MANAGE := $(PY) manage.py

.PHONY: run test lint check-deploy venv system-packages services demo-code messages bench clean

# Debian packages the portal needs (WeasyPrint's pango, gettext, Chromium for browser tests).
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	gettext chromium python3-venv poppler-utils
system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(TOOLS)/bin/uv:
	@command -v uv >/dev/null 2>&1 || { python3 -m venv $(TOOLS) && $(TOOLS)/bin/pip install -q uv; }

venv: $(TOOLS)/bin/uv
	@UV_PYTHON=$$(scripts/find-python) $(UV) sync --frozen --quiet
	@mkdir -p var

# make run: SQLite and a folder broker unless DATABASE_URL / REDIS_URL say otherwise.
run: system-packages venv
	@DEBUG=$${DEBUG:-true} scripts/run.sh

demo-code: venv
	@DEBUG=true $(MANAGE) demo_code

messages: venv
	$(MANAGE) makemessages --locale sv --locale en --no-obsolete --ignore ".venv/*" --ignore ".tools/*" --add-location file
	$(MANAGE) compilemessages --ignore ".venv/*" --ignore ".tools/*"

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

check-deploy: venv
	DJANGO_SETTINGS_MODULE=cm_portal.settings.production \
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	ALLOWED_HOSTS=cm.example.org DATABASE_URL=sqlite:///var/check.sqlite3 \
	$(MANAGE) check --deploy --fail-level WARNING

services:
	@scripts/ensure-services

# make test: everything CI checks, in the order that fails fastest.
test: system-packages venv services
	$(MANAGE) compilemessages --ignore ".venv/*" --ignore ".tools/*" -v0
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=cm_portal.settings.test $(MANAGE) makemigrations --check --dry-run -v1
	$(MAKE) --no-print-directory check-deploy
	DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf var .venv $(TOOLS)
