#!/bin/sh
# `make run`: the development server with a real Celery worker and beat beside it, on the
# embedded broker (a SQLite file in var/) unless REDIS_URL names a Redis. The worker and beat run
# in the background and are stopped when the server stops (Ctrl-C included).
# Usage: config/run-local.sh PYTHON HOST
set -u
PY=${1:-.venv/bin/python}
HOST=${2:-127.0.0.1:8000}
LOGS=${HOTRO_LOG_DIR:-var}
mkdir -p var "$LOGS"
# SQLite takes one writer at a time: one worker process, tasks one after another.
"$PY" -m celery -A config.celery_app worker --pool=solo --loglevel=INFO \
    --without-gossip --without-mingle --without-heartbeat >>"$LOGS/celery-worker.log" 2>&1 &
WORKER=$!
"$PY" -m celery -A config.celery_app beat --loglevel=INFO >>"$LOGS/celery-beat.log" 2>&1 &
BEAT=$!
SERVER=
stop() {
    trap - EXIT INT TERM
    kill -TERM $SERVER "$WORKER" "$BEAT" 2>/dev/null
    wait $SERVER "$WORKER" "$BEAT" 2>/dev/null
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "Celery worker (pid $WORKER) and beat (pid $BEAT) log to $LOGS/celery-worker.log, $LOGS/celery-beat.log"
# In the background too, so that a signal to this script (not only Ctrl-C) stops all three.
"$PY" manage.py runserver "$HOST" &
SERVER=$!
wait "$SERVER"
