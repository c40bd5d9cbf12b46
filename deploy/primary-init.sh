#!/bin/sh
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): a role
# the replica streams as, and the line of pg_hba.conf that lets it.
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
  -c "CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$REPLICATION_PASSWORD'"
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
