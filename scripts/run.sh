#!/usr/bin/env bash
# `make run`: migrate, load demo data on first start, then serve the portal with a real
# Celery worker and beat beside it. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-cm_portal.settings.base}
mkdir -p var/celery/queue var/celery/processed var/celery/control locale

$PY manage.py migrate --no-input -v0
$PY manage.py compilemessages --ignore ".venv/*" --ignore ".tools/*" -v0 ||
  echo "compilemessages failed: the interface may show untranslated text." >&2
$PY manage.py load_demo --if-empty
$PY manage.py load_demo_cases --if-empty

.venv/bin/celery -A cm_portal worker --beat --loglevel=INFO --concurrency=2 \
  --schedule var/celery/beat-schedule >var/celery/worker.log 2>&1 &
worker=$!
stop_worker() { kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true; }
trap stop_worker EXIT
# Ctrl-C or a TERM is the normal way to stop: exit 0 once the worker is down.
trap 'exit 0' INT TERM
echo "Celery worker and beat started (log: var/celery/worker.log)."
echo "Open http://localhost:${PORT:-8000}/ and log in with a demo account above."
$PY manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
