# The database and its three accounts, as SQL on stdout: one definition for scripts/db.sh (local
# development and tests), the Compose stack's init script and scripts/compose-check.sh.
#
#   accounts_sql DB APP_USER APP_PW MIGRATOR_USER MIGRATOR_PW ADMIN_USER ADMIN_PW HOST [HOST...]
#
# Least privilege: the application reads and writes data only. It cannot create, alter or drop
# tables or triggers, so it cannot lift the audit log's append-only triggers either. It may run the
# schema owner's procedures (contact_attempts_drop_expired...), which check what they do, and read
# the server's process list (PROCESS, for the encryption-at-rest check). The migrator owns the
# schema (the databases DB and DB_*); the administrator is the DBA. Each account exists at every
# HOST it may connect from. Passwords are hex or base64 (no quotes).
accounts_sql() {
  local db="$1" app="$2" app_pw="$3" migrator="$4" migrator_pw="$5" admin="$6" admin_pw="$7"
  shift 7
  local host
  printf 'CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n' "$db"
  for host in "$@"; do
    cat <<SQL
CREATE USER IF NOT EXISTS '$app'@'$host' IDENTIFIED BY '$app_pw';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM '$app'@'$host';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`$db\`.* TO '$app'@'$host';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`${db}\_%\`.* TO '$app'@'$host';
GRANT EXECUTE ON \`$db\`.* TO '$app'@'$host';
GRANT EXECUTE ON \`${db}\_%\`.* TO '$app'@'$host';
GRANT PROCESS ON *.* TO '$app'@'$host';
CREATE USER IF NOT EXISTS '$migrator'@'$host' IDENTIFIED BY '$migrator_pw';
GRANT ALL PRIVILEGES ON \`$db\`.* TO '$migrator'@'$host';
GRANT ALL PRIVILEGES ON \`${db}\_%\`.* TO '$migrator'@'$host';
GRANT PROCESS ON *.* TO '$migrator'@'$host';
CREATE USER IF NOT EXISTS '$admin'@'$host' IDENTIFIED BY '$admin_pw';
GRANT ALL PRIVILEGES ON *.* TO '$admin'@'$host' WITH GRANT OPTION;
SQL
  done
  echo 'FLUSH PRIVILEGES;'
}
