#!/bin/sh
# Runs once, when the database volume is created: the runtime role sohoa's web and workers connect as.
# It is not the tables' owner (that is POSTGRES_USER, which only the migrate service uses), so it cannot
# drop the audit log's triggers; the migration grants it what it may do (storage/grants.py).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v pw="$(cat "${DB_RUNTIME_PASSWORD_FILE:-/run/secrets/db_runtime_password}")" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE sohoa LOGIN PASSWORD :'pw' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
GRANT CONNECT ON DATABASE :"db" TO sohoa;
SQL
