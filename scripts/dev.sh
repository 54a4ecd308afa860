#!/usr/bin/env bash
# npm run dev: the service on a local encrypted MariaDB, migrated and seeded with demo data.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECRETS="${CW_SECRETS_DIR:-.data/secrets}"
run_ts() { node -r @swc-node/register "$@"; }

if [ -z "${DATABASE_URL:-}" ] && [ -z "${DB_HOST:-}" ]; then
  DATABASE_URL="$(bash scripts/db.sh start)"
  MIGRATION_DATABASE_URL="$(bash scripts/db.sh migration-url)"
  export DATABASE_URL MIGRATION_DATABASE_URL
fi
run_ts src/cli.ts secrets:generate "$SECRETS" >/dev/null
if [ -z "${MASTER_KEY:-}" ]; then export MASTER_KEY_FILE="${MASTER_KEY_FILE:-$SECRETS/master.key}"; fi
export JWT_KEYS_DIR="${JWT_KEYS_DIR:-$SECRETS/jwt}"
if [ -z "${SMS_WEBHOOK_SECRET:-}" ]; then
  export SMS_WEBHOOK_SECRET_FILE="${SMS_WEBHOOK_SECRET_FILE:-$SECRETS/sms-webhook.secret}"
fi
run_ts src/cli.ts migrate
run_ts src/cli.ts seed
echo "CallWarden: http://${HOST:-127.0.0.1}:${PORT:-3000}/graphql (GraphiQL in the browser; Ctrl-C stops)" >&2
exec node -r @swc-node/register src/main.ts
