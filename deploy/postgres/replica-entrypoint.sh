#!/usr/bin/env bash
# Replica container entrypoint (postgres image): on first start (empty data
# volume) copy the primary with pg_basebackup -R, which writes
# standby.signal and primary_conninfo; then run the image's own entrypoint,
# which finds an initialised data directory and starts PostgreSQL as a hot
# standby that streams from the primary.
# Reads PRIMARY_HOST, PRIMARY_PORT, REPLICATION_USER, REPLICATION_PASSWORD,
# REPLICATION_SLOT (empty: no slot).
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
: "${PRIMARY_HOST:=postgres}"
: "${PRIMARY_PORT:=5432}"
: "${REPLICATION_USER:=replicator}"
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
REPLICATION_SLOT="${REPLICATION_SLOT-replica1}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  # A copy cut short by an earlier failed start: pg_basebackup needs an empty directory.
  find "$PGDATA" -mindepth 1 -delete
  echo "replica: waiting for the primary at $PRIMARY_HOST:$PRIMARY_PORT"
  until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; do sleep 1; done
  conn="host=$PRIMARY_HOST port=$PRIMARY_PORT user=$REPLICATION_USER password=$REPLICATION_PASSWORD application_name=${HOSTNAME:-replica}"
  slot=()
  [ -n "$REPLICATION_SLOT" ] && slot=(--slot="$REPLICATION_SLOT")
  echo "replica: pg_basebackup from $PRIMARY_HOST:$PRIMARY_PORT${REPLICATION_SLOT:+ (slot $REPLICATION_SLOT)}"
  if ! gosu postgres pg_basebackup -D "$PGDATA" -d "$conn" -R -X stream --checkpoint=fast "${slot[@]}"; then
    # The slot is made by the primary's init script; a primary initialised
    # before that script existed has none: create it with the copy.
    [ -n "$REPLICATION_SLOT" ] || exit 1
    find "$PGDATA" -mindepth 1 -delete
    gosu postgres pg_basebackup -D "$PGDATA" -d "$conn" -R -X stream --checkpoint=fast \
      --create-slot "${slot[@]}"
  fi
  echo "replica: copy done; starting as a hot standby"
fi

exec docker-entrypoint.sh "$@"
