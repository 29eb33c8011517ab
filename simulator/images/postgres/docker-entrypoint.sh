#!/usr/bin/env bash
# The official postgres image's contract, reimplemented for the offline stand-in: initialise PGDATA
# on first start from the environment, run /docker-entrypoint-initdb.d, then exec the server.
set -Eeuo pipefail

TEMPLATE=/var/lib/postgresql/template

die() {
  printf 'Error: %s\n' "$*" >&2
  exit 1
}

check_password() {
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
    die 'Database is uninitialized and superuser password is not specified.
       Set POSTGRES_PASSWORD to a non-empty value, or POSTGRES_HOST_AUTH_METHOD=trust to allow
       all connections without a password (not recommended).'
  fi
}

create_cluster() {
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  if [ -n "${POSTGRES_INITDB_ARGS:-}" ]; then
    # shellcheck disable=SC2086 # the variable holds several initdb flags on purpose
    initdb --username=postgres --pgdata="$PGDATA" $POSTGRES_INITDB_ARGS >/dev/null
  else
    cp -a "$TEMPLATE/." "$PGDATA/"
  fi
}

configure_access() {
  local method="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  {
    echo 'local all all trust'
    echo 'host all all 127.0.0.1/32 trust'
    echo 'host all all ::1/128 trust'
    echo "host all all all $method"
  } >"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
}

# The temporary server listens on the Unix socket only, so nothing outside (a health check, a
# test) sees it as ready before initialisation has finished.
start_temporary_server() {
  pg_ctl --pgdata="$PGDATA" --wait --silent \
    --options="-c listen_addresses='' -p 5432" start
}

stop_temporary_server() {
  pg_ctl --pgdata="$PGDATA" --wait --silent --mode=fast stop
}

sql() {
  psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --username=postgres --no-password "$@"
}

create_role_and_database() {
  local user="${POSTGRES_USER:-postgres}"
  local db="${POSTGRES_DB:-$user}"
  local password="${POSTGRES_PASSWORD:-}"

  if [ "$user" = postgres ]; then
    sql --dbname=postgres -v pw="$password" <<<"ALTER ROLE postgres PASSWORD :'pw';"
  else
    sql --dbname=postgres -v user="$user" -v pw="$password" \
      <<<"CREATE ROLE :\"user\" WITH SUPERUSER LOGIN PASSWORD :'pw';"
  fi

  if [ "$db" != postgres ]; then
    sql --dbname=postgres -v db="$db" -v user="$user" \
      <<<"CREATE DATABASE :\"db\" OWNER :\"user\";"
  fi
}

run_init_scripts() {
  local db="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"
  local file
  shopt -s nullglob
  for file in /docker-entrypoint-initdb.d/*; do
    case "$file" in
      *.sh) echo "running $file"; if [ -x "$file" ]; then "$file"; else . "$file"; fi ;;
      *.sql) echo "running $file"; sql --dbname="$db" -f "$file" ;;
      *.sql.gz) echo "running $file"; gunzip -c "$file" | sql --dbname="$db" ;;
      *) echo "ignoring $file" ;;
    esac
  done
}

initialise() {
  check_password
  create_cluster
  configure_access
  start_temporary_server
  create_role_and_database
  run_init_scripts
  stop_temporary_server
  echo
  echo 'PostgreSQL init process complete; ready for start up.'
  echo
}

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  initialise
fi

exec "$@"
