#!/usr/bin/env bash
# A private, disposable MariaDB with encryption at rest, for development and tests.
#
#   scripts/db.sh start     start it (initialising on first use) and print its URL
#   scripts/db.sh stop      shut it down cleanly
#   scripts/db.sh kill      kill -9 the server (crash tests)
#   scripts/db.sh status    say whether it runs
#   scripts/db.sh url       print the application's connection URL (data only: no DDL, no TRIGGER)
#   scripts/db.sh migration-url  print the schema owner's URL (migrations)
#   scripts/db.sh admin-url print an administrator's URL (tests that play the DBA)
#   scripts/db.sh destroy   stop it and delete its directory
#
# Environment: CW_DB_DIR (default .data/mariadb), CW_DB_PORT (default 3307), CW_DB_NAME (callwarden).
# It never touches a system MariaDB: own datadir, socket, pid file and port, bound to 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${CW_DB_DIR:-$ROOT/.data/mariadb}"
PORT="${CW_DB_PORT:-3307}"
NAME="${CW_DB_NAME:-callwarden}"
APP_USER="callwarden"
ADMIN_USER="callwarden_admin"
MIGRATOR_USER="callwarden_migrator"
CNF="$DIR/my.cnf"
SOCK="$DIR/run/mysqld.sock"
PIDFILE="$DIR/run/mysqld.pid"
CREDS="$DIR/credentials"

die() { echo "db.sh: $*" >&2; exit 1; }
# shellcheck source=lib/db-accounts.sh
. "$ROOT/scripts/lib/db-accounts.sh"
log() { echo "db.sh: $*" >&2; }

if [ "$PORT" = "3306" ]; then die "refusing port 3306: that is where a system MariaDB lives; pick another CW_DB_PORT"; fi

find_bin() {
  local name
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    if [ -x "/usr/sbin/$name" ]; then echo "/usr/sbin/$name"; return 0; fi
  done
  return 1
}

ensure_installed() {
  if find_bin mariadbd >/dev/null && find_bin mariadb-install-db >/dev/null; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "mariadbd not found: installing Debian's mariadb-server (once)"
    # Keep the package from starting a system-wide server: we only want the binaries.
    local made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
    fi
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
    if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  else
    die "mariadbd is missing. Install MariaDB 10.6+ with the file_key_management plugin (Debian/Ubuntu: 'sudo apt-get install mariadb-server'), or set DATABASE_URL to an existing encrypted server."
  fi
}

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

client() {
  "$(find_bin mariadb mysql)" --no-defaults --socket="$SOCK" -u"$(id -un)" "$@"
}

write_config() {
  cat > "$CNF" <<CNF
[mariadbd]
user=$(id -un)
datadir=$DIR/data
socket=$SOCK
pid-file=$PIDFILE
port=$PORT
bind-address=127.0.0.1
skip-name-resolve
log-error=$DIR/mysqld.log
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
default-time-zone=+00:00
max_connections=400
innodb_buffer_pool_size=256M
# Encryption at rest (TDE): tables, redo log, temporary tables and files, Aria, binlog.
plugin_load_add=file_key_management
file_key_management_filename=$DIR/keys/keyfile
file_key_management_encryption_algorithm=AES_CTR
innodb_encrypt_tables=ON
innodb_encrypt_log=ON
innodb_encrypt_temporary_tables=ON
innodb_encryption_threads=2
innodb_default_encryption_key_id=1
encrypt_tmp_disk_tables=ON
encrypt_tmp_files=ON
encrypt_binlog=ON
aria_encrypt_tables=ON
CNF
}

init_datadir() {
  log "initialising a new encrypted datadir in $DIR"
  mkdir -p "$DIR/data" "$DIR/run" "$DIR/keys"
  chmod 700 "$DIR" "$DIR/keys"
  # file_key_management key file: "<key id>;<hex key>". Key 1 is the default, 2 is for PII tables, 3 for audit.
  (umask 077; for id in 1 2 3; do echo "$id;$(random_hex 32)"; done > "$DIR/keys/keyfile")
  chmod 600 "$DIR/keys/keyfile"
  write_config
  "$(find_bin mariadb-install-db mysql_install_db)" --defaults-file="$CNF" --skip-test-db \
    --auth-root-authentication-method=socket >"$DIR/install.log" 2>&1 \
    || { cat "$DIR/install.log" >&2; die "mariadb-install-db failed"; }
}

provision() {
  local app_pw admin_pw migrator_pw
  if [ ! -f "$CREDS" ]; then
    (umask 077; printf 'APP_PASSWORD=%s\nADMIN_PASSWORD=%s\n' "$(random_hex 16)" "$(random_hex 16)" > "$CREDS")
  fi
  if ! grep -q '^MIGRATOR_PASSWORD=' "$CREDS"; then
    (umask 077; printf 'MIGRATOR_PASSWORD=%s\n' "$(random_hex 16)" >> "$CREDS")
  fi
  # shellcheck disable=SC1090
  . "$CREDS"
  app_pw="$APP_PASSWORD"; admin_pw="$ADMIN_PASSWORD"; migrator_pw="$MIGRATOR_PASSWORD"
  accounts_sql "$NAME" "$APP_USER" "$app_pw" "$MIGRATOR_USER" "$migrator_pw" "$ADMIN_USER" \
    "$admin_pw" 127.0.0.1 localhost | client
}

start() {
  ensure_installed
  if running; then
    provision; url; return 0
  fi
  [ -f "$DIR/data/mysql/db.frm" ] || [ -d "$DIR/data/mysql" ] || init_datadir
  write_config
  rm -f "$SOCK"
  mkdir -p "$DIR/run"
  setsid "$(find_bin mariadbd mysqld)" --defaults-file="$CNF" </dev/null >>"$DIR/mysqld.log" 2>&1 &
  local i
  for i in $(seq 1 300); do
    if [ -S "$SOCK" ] && client -e 'SELECT 1' >/dev/null 2>&1; then
      provision
      url
      return 0
    fi
    sleep 0.1
  done
  tail -n 30 "$DIR/mysqld.log" >&2 || true
  die "MariaDB did not accept connections within 30 s (log: $DIR/mysqld.log)"
}

stop() {
  if ! running; then log "not running"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || { log "stopped"; return 0; }
    sleep 0.1
  done
  die "MariaDB (pid $pid) did not stop within 30 s"
}

crash() {
  running || die "not running"
  local pid; pid="$(cat "$PIDFILE")"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  log "killed pid $pid"
}

url() {
  [ -f "$CREDS" ] || die "not initialised: run 'scripts/db.sh start'"
  # shellcheck disable=SC1090
  . "$CREDS"
  echo "mysql://$APP_USER:$APP_PASSWORD@127.0.0.1:$PORT/$NAME"
}

migration_url() {
  [ -f "$CREDS" ] || die "not initialised: run 'scripts/db.sh start'"
  # shellcheck disable=SC1090
  . "$CREDS"
  echo "mysql://$MIGRATOR_USER:$MIGRATOR_PASSWORD@127.0.0.1:$PORT/$NAME"
}

admin_url() {
  [ -f "$CREDS" ] || die "not initialised: run 'scripts/db.sh start'"
  # shellcheck disable=SC1090
  . "$CREDS"
  echo "mysql://$ADMIN_USER:$ADMIN_PASSWORD@127.0.0.1:$PORT/$NAME"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kill) crash ;;
  status) if running; then echo "running (pid $(cat "$PIDFILE"), port $PORT, dir $DIR)"; else echo "stopped"; exit 3; fi ;;
  url) url ;;
  migration-url) migration_url ;;
  admin-url) admin_url ;;
  datadir) echo "$DIR/data" ;;
  destroy) stop; rm -rf "$DIR"; log "removed $DIR" ;;
  *) echo "usage: $0 start|stop|kill|status|url|migration-url|admin-url|datadir|destroy" >&2; exit 2 ;;
esac
