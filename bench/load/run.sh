#!/usr/bin/env bash
# make loadtest: scratch database, seed, gunicorn on a free loopback port, 200 simulated staff,
# a table. Stops gunicorn whatever happens; any failed step stops the run with its exit code.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=.venv/bin/python
LOAD_DB=${LOAD_DB:-cm_portal_load}
PG=${LOAD_PG:-postgres://postgres@127.0.0.1:5432}
export DATABASE_URL=${LOAD_DATABASE_URL:-$PG/$LOAD_DB}
export REDIS_URL=${LOAD_REDIS_URL:-redis://127.0.0.1:6379/2}
export DJANGO_SETTINGS_MODULE=bench.load.settings
export DEBUG=false
export SECRET_KEY=${SECRET_KEY:-$($PY -c 'import secrets; print(secrets.token_urlsafe(64))')}
export ALLOWED_HOSTS=127.0.0.1,localhost
export SITE_URL=${SITE_URL:-https://localhost}  # production insists on an https origin
export LOG_LEVEL=WARNING
# As docker-compose.yml runs it (WEB_CONCURRENCY=3).
WORKERS=${LOAD_WORKERS:-3}
PARTICIPANTS=${LOAD_PARTICIPANTS:-10000}
USERS=${LOAD_USERS:-200}
# The saturation sweep after the run (LOAD_SWEEP= turns it off).
LOAD_SWEEP=${LOAD_SWEEP-1}
DURATION=${LOAD_DURATION:-60}
THINK=${LOAD_THINK:-5}
OUT=var/loadtest
mkdir -p "$OUT"

fail() { echo "loadtest: $*" >&2; exit 1; }
[ -x "$PY" ] || fail "no virtualenv: run 'make venv' first"
"$PY" -c "import psycopg; psycopg.connect('$PG/postgres').close()" 2>/dev/null \
	|| fail "PostgreSQL is not reachable at $PG (start it: make services)"
"$PY" -c "import redis; redis.Redis.from_url('$REDIS_URL').ping()" 2>/dev/null \
	|| fail "Redis is not reachable at $REDIS_URL (start it: make services)"

"$PY" - "$PG/postgres" "$LOAD_DB" <<'PYEOF'
import sys

import psycopg
from psycopg import sql

with psycopg.connect(sys.argv[1], autocommit=True) as connection:
    if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [sys.argv[2]]).fetchone():
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(sys.argv[2])))
        print(f"created database {sys.argv[2]}")
PYEOF

echo "== migrate, static files, seed ($PARTICIPANTS participants, $USERS case managers)"
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py collectstatic --noinput -v0
"$PY" bench/load/prepare.py --participants "$PARTICIPANTS" --users "$USERS" --out "$OUT/users.json"

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "== gunicorn: $WORKERS workers on 127.0.0.1:$PORT ($(nproc) cores)"
.venv/bin/gunicorn cm_portal.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
	--worker-class sync --timeout 60 --log-level warning --error-logfile "$OUT/gunicorn.log" \
	>"$OUT/gunicorn.out" 2>&1 &
GUNICORN=$!
stop() { kill "$GUNICORN" 2>/dev/null && wait "$GUNICORN" 2>/dev/null || true; }
trap stop EXIT

for _ in $(seq 1 60); do
	kill -0 "$GUNICORN" 2>/dev/null || { cat "$OUT/gunicorn.log" >&2; fail "gunicorn did not start"; }
	"$PY" -c "import http.client as h; c = h.HTTPConnection('127.0.0.1', $PORT, timeout=2); c.request('GET', '/accounts/login/'); assert c.getresponse().status == 200" 2>/dev/null && break
	sleep 0.5
done
"$PY" -c "import http.client as h; c = h.HTTPConnection('127.0.0.1', $PORT, timeout=5); c.request('GET', '/accounts/login/'); assert c.getresponse().status == 200" \
	|| { tail -n 40 "$OUT/gunicorn.log" >&2; fail "gunicorn does not answer on port $PORT"; }

echo "== load: $USERS simulated staff for $DURATION s${LOAD_SWEEP:+, then the saturation sweep}"
status=0
"$PY" bench/load/run.py --users-file "$OUT/users.json" --port "$PORT" --users "$USERS" \
	--duration "$DURATION" --think "$THINK" ${LOAD_SWEEP:+--sweep} | tee "$OUT/result.txt" || status=$?
if [ "$status" -ne 0 ]; then
	tail -n 40 "$OUT/gunicorn.log" >&2
fi
# The contact entries queued deadline recomputations; no worker runs here, so drop them.
"$PY" -c "import redis; redis.Redis.from_url('$REDIS_URL').delete('celery')" || true
exit "$status"
