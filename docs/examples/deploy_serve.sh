#!/bin/sh
# Serve the app in production: `deploy_serve.sh gunicorn` (the default) or
# `deploy_serve.sh granian`. The image's CMD (deploy_Dockerfile); tests/e2e/test_scale.py
# starts its two gunicorn instances with this script.
#
#   APP               the WSGI object, module:name (default deploy_wsgi:application)
#   BIND              gunicorn's address (default 0.0.0.0:8000, in deploy_gunicorn_conf.py)
#   PORT              granian's port (default 8000)
#   WEB_CONCURRENCY   worker processes (default 2)
#   GUNICORN_THREADS  threads per gunicorn worker (default 8)
#   GRANIAN_THREADS   blocking threads per granian worker (default 8)
#   GUNICORN_CMD_ARGS more gunicorn options, read by gunicorn itself
#   PYTHON            the interpreter (default python3)
set -eu
here=$(dirname "$0")
app=${APP:-deploy_wsgi:application}
python=${PYTHON:-python3}

case "${1:-gunicorn}" in
gunicorn)
    exec "$python" -m gunicorn --config "$here/deploy_gunicorn_conf.py" "$app"
    ;;
granian)
    exec "$python" -m granian --interface wsgi --host 0.0.0.0 --port "${PORT:-8000}" \
        --workers "${WEB_CONCURRENCY:-2}" --blocking-threads "${GRANIAN_THREADS:-8}" \
        --workers-kill-timeout 30 --no-access-log "$app"
    ;;
*)
    echo "usage: $0 [gunicorn|granian]" >&2
    exit 2
    ;;
esac
