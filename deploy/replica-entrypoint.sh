#!/bin/sh
# The streaming replica: on first start, a base backup of the primary (-R writes
# standby.signal and primary_conninfo), then PostgreSQL as a hot standby, read-only.
set -eu
# For pg_basebackup, and for the standby's WAL receiver (libpq reads it from the environment).
export PGPASSWORD="$REPLICATION_PASSWORD"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres-primary -U replicator -q; do sleep 1; done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  gosu postgres pg_basebackup -h postgres-primary -U replicator -D "$PGDATA" -R -X stream -c fast
fi
exec gosu postgres postgres -c hot_standby=on
