#!/usr/bin/env bash
# Install Servicedesk and start it on the embedded SQLite database with demo data (Debian 12).
# Safe to run again: the database, secret key and demo login under ./instance are kept.
#   PORT=8080 bash packaging/dev/run-demo.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PORT=${PORT:-5000}
INSTANCE=$ROOT/instance
ensure_venv

mkdir -p "$INSTANCE/data"
chmod 700 "$INSTANCE"
secret() {  # secret FILE BYTES: a random value kept in FILE (readable by its owner only)
    [ -s "$1" ] || (umask 077 && "$VENV/bin/python" -c "import secrets; print(secrets.token_urlsafe($2))" > "$1")
    cat "$1"
}
export SERVICEDESK_DATABASE_URL=${SERVICEDESK_DATABASE_URL:-sqlite:///$INSTANCE/servicedesk.db}
export SERVICEDESK_DATA_DIR=${SERVICEDESK_DATA_DIR:-$INSTANCE/data}
export SERVICEDESK_SECRET_KEY=${SERVICEDESK_SECRET_KEY:-$(secret "$INSTANCE/secret-key" 48)}
export SERVICEDESK_BASE_URL=${SERVICEDESK_BASE_URL:-http://127.0.0.1:$PORT}
export SERVICEDESK_DEMO_ADMIN_PASSWORD=${SERVICEDESK_DEMO_ADMIN_PASSWORD:-$(secret "$INSTANCE/demo-admin-password" 12)}
SD=$VENV/bin/servicedesk

say "migrating the database"
"$SD" init
# The marker remembers which database got the demo data; a new database gets it again.
if [ "$(cat "$INSTANCE/demo-loaded" 2>/dev/null)" != "$SERVICEDESK_DATABASE_URL" ]; then
    say "loading demo data (takes a few seconds)"
    if "$SD" demo >/dev/null; then
        echo "$SERVICEDESK_DATABASE_URL" > "$INSTANCE/demo-loaded"
    else
        say "no demo data loaded (see above); the login below may not exist"
    fi
fi

cat <<INFO

  Servicedesk is starting on  http://127.0.0.1:$PORT/

  Admin login:  admin@example.com
  Password:     $SERVICEDESK_DEMO_ADMIN_PASSWORD

  Every demo account has the same password, e.g. the agent tom.becker@example.com,
  the team lead sandra.koehler@example.com or the requester katharina.von.berg@example.com.
  Data: $INSTANCE  (delete it to start afresh).  Stop with Ctrl+C.

INFO
exec "$SD" serve --host 127.0.0.1 --port "$PORT"
