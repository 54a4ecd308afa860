#!/usr/bin/env bash
# The Compose stack's start-up sequence (docker/compose.yaml), run against the local encrypted
# MariaDB of scripts/db.sh where no Docker engine runs:
#   1. secrets of the kinds the compose file's header makes;
#   2. the init SQL the db service runs (scripts/lib/db-accounts.sh) into a fresh database;
#   3. migrate with the migrator's URL file and nothing else, NODE_ENV=production;
#   4. the API with NODE_ENV=production and the api service's variables (the application's
#      account, master key, JWT signing key and SMS webhook secret from files), until
#      /health/ready answers 200 (which needs every table encrypted at rest);
#   5. the application's account refused DDL (it cannot lift the audit log's triggers).
# Cleans up after itself (database, accounts, files, process). Exit 0 when every step held.
#
# Environment: CW_DB_DIR and CW_DB_PORT as for scripts/db.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/db-accounts.sh
. "$ROOT/scripts/lib/db-accounts.sh"
NODE="$ROOT/node_modules/.bin/node"
DB="callwarden_compose_check"
APP="cwcheck_app"
MIGRATOR="cwcheck_migrator"
ADMIN="cwcheck_admin"
PORT_DB="${CW_DB_PORT:-3307}"

say() { echo "compose-check: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

# 0. The compose file itself, as Compose reads it: `docker compose config` where the plugin is
#    installed, else Debian's docker-compose (installed here once when we are root with apt), which
#    needs no Docker engine either.
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  if ! command -v docker-compose >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      say "docker-compose not found: installing Debian's docker-compose (once)"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
    else
      fail "neither 'docker compose' nor docker-compose is installed (Debian: apt-get install docker-compose)"
    fi
  fi
  compose=(docker-compose)
fi
"${compose[@]}" -f "$ROOT/docker/compose.yaml" config -q || fail "docker/compose.yaml is not valid"
say "compose file valid (${compose[*]} config)"

bash "$ROOT/scripts/db.sh" start >/dev/null
admin_url="$(bash "$ROOT/scripts/db.sh" admin-url)"
# mysql://user:password@127.0.0.1:port/db
admin_user="${admin_url#mysql://}"; admin_user="${admin_user%%:*}"
admin_pw="${admin_url#mysql://*:}"; admin_pw="${admin_pw%%@*}"
as_admin() { mariadb -h127.0.0.1 -P"$PORT_DB" -u"$admin_user" -p"$admin_pw" "$@"; }

work="$(mktemp -d)"
api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  as_admin -e "DROP DATABASE IF EXISTS \`$DB\`; DROP USER IF EXISTS '$APP'@'127.0.0.1', '$MIGRATOR'@'127.0.0.1', '$ADMIN'@'127.0.0.1';" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 1. Secrets of the kinds the compose file's header makes with openssl, made here with Node's
#    crypto (a fresh machine need not have the openssl command).
secrets="$work/secrets"
mkdir -p "$secrets" "$work/jwt"
(
  umask 077
  cd "$secrets"
  random() { "$NODE" -e "process.stdout.write(require('crypto').randomBytes($1).toString('$2'))"; }
  random 16 hex > db_app.password
  random 16 hex > db_migrator.password
  random 16 hex > db_admin.password
  printf 'mysql://%s:%s@127.0.0.1:%s/%s' "$MIGRATOR" "$(cat db_migrator.password)" "$PORT_DB" "$DB" > migration_database.url
  random 32 base64 > master.key
  "$NODE" -e "const { generateKeyPairSync } = require('crypto'); process.stdout.write(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }))" > "$work/jwt/jwt-signing.pem"
  random 32 hex > sms_webhook.secret
)

# 2. The db service's init SQL, from a clean slate.
as_admin -e "DROP DATABASE IF EXISTS \`$DB\`; DROP USER IF EXISTS '$APP'@'127.0.0.1', '$MIGRATOR'@'127.0.0.1', '$ADMIN'@'127.0.0.1';"
accounts_sql "$DB" "$APP" "$(cat "$secrets/db_app.password")" "$MIGRATOR" \
  "$(cat "$secrets/db_migrator.password")" "$ADMIN" "$(cat "$secrets/db_admin.password")" \
  127.0.0.1 | as_admin
say "database and accounts created"

# 3. The migrate service: its one variable, production mode, nothing else from this shell.
env -i PATH="$PATH" HOME="$HOME" NODE_ENV=production \
  MIGRATION_DATABASE_URL_FILE="$secrets/migration_database.url" \
  "$NODE" -r @swc-node/register "$ROOT/src/cli.ts" migrate >&2 || fail "migrate"
say "migrated"

# 4. The api service's variables, production mode.
api_port="$("$NODE" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
(
  cd "$ROOT"
  exec env -i PATH="$PATH" HOME="$HOME" NODE_ENV=production HOST=127.0.0.1 PORT="$api_port" \
    DB_HOST=127.0.0.1 DB_PORT="$PORT_DB" DB_USER="$APP" DB_NAME="$DB" \
    DB_PASSWORD_FILE="$secrets/db_app.password" \
    MASTER_KEY_FILE="$secrets/master.key" \
    JWT_KEYS_DIR="$work/jwt" \
    SMS_WEBHOOK_SECRET_FILE="$secrets/sms_webhook.secret" \
    WEBAUTHN_RP_ID=localhost WEBAUTHN_ORIGINS=https://localhost \
    LOG_LEVEL=warn \
    "$NODE" -r @swc-node/register src/main.ts
) >"$work/api.log" 2>&1 &
api_pid=$!
ready=""
for _ in $(seq 1 120); do
  if ! kill -0 "$api_pid" 2>/dev/null; then cat "$work/api.log" >&2; fail "the API exited"; fi
  status="$("$NODE" -e "fetch('http://127.0.0.1:$api_port/health/ready').then(r=>console.log(r.status),()=>console.log(0))")"
  if [ "$status" = "200" ]; then ready=1; break; fi
  sleep 0.5
done
[ -n "$ready" ] || { cat "$work/api.log" >&2; fail "/health/ready did not answer 200 within 60 s"; }
say "API ready in production mode"

# 5. Least privilege: the application's account cannot change the schema.
app_sql() { mariadb -h127.0.0.1 -P"$PORT_DB" -u"$APP" -p"$(cat "$secrets/db_app.password")" "$DB" -e "$1" 2>&1; }
for statement in 'DROP TRIGGER audit_events_no_update' 'CREATE TABLE intruder (id INT)' 'ALTER TABLE audit_events ADD COLUMN x INT'; do
  if out="$(app_sql "$statement")"; then fail "the application's account ran: $statement"; fi
  case "$out" in
    *denied*) ;;
    *) fail "the application's account failed '$statement' for another reason: $out" ;;
  esac
done
say "the application's account is refused DDL"
say "ok"
