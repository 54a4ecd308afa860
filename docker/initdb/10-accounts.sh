# Sourced (it is not executable) by the MariaDB image's entrypoint on an empty data directory, as
# root over the socket through the entrypoint's docker_process_sql: the database and its three
# accounts of scripts/lib/db-accounts.sh, reachable from the Compose network, with the passwords
# of the Compose secrets.
(
  set -euo pipefail
  # shellcheck source=../../scripts/lib/db-accounts.sh
  . /opt/callwarden/db-accounts.sh
  secret() { tr -d '\r\n' < "/run/secrets/$1"; }
  accounts_sql "${CALLWARDEN_DATABASE:-callwarden}" \
    callwarden "$(secret db_app_password)" \
    callwarden_migrator "$(secret db_migrator_password)" \
    callwarden_admin "$(secret db_admin_password)" \
    '%' | docker_process_sql
)
