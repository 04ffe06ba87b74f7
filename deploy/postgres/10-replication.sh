#!/usr/bin/env bash
# Primary, first start only (/docker-entrypoint-initdb.d runs on an empty
# data volume): a login role for streaming replication, a physical slot for
# the replica, and a pg_hba.conf line that lets the role in over the network.
# Reads REPLICATION_USER, REPLICATION_PASSWORD, REPLICATION_SLOT.
# An already initialised volume skips this file: run the same SQL by hand.
set -euo pipefail
: "${REPLICATION_USER:=replicator}"
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
: "${REPLICATION_SLOT:=replica1}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v user="$REPLICATION_USER" -v pass="$REPLICATION_PASSWORD" -v slot="$REPLICATION_SLOT" <<'SQL'
SELECT format('CREATE ROLE %I WITH REPLICATION LOGIN PASSWORD %L', :'user', :'pass')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
-- The slot keeps the WAL the replica still needs (capped by
-- max_slot_wal_keep_size in compose.yaml, so a dead replica cannot fill the disk).
SELECT pg_create_physical_replication_slot(:'slot')
 WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :'slot');
SQL

# The image's pg_hba.conf lets every user into every database with a
# password, but "all" does not cover replication connections.
if ! grep -q "^host[[:space:]]\+replication[[:space:]]\+$REPLICATION_USER[[:space:]]" "$PGDATA/pg_hba.conf"; then
  printf '%s\n' "# deploy/postgres/10-replication.sh: the streaming replica" \
    "host replication $REPLICATION_USER all scram-sha-256" >> "$PGDATA/pg_hba.conf"
fi
