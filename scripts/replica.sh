#!/usr/bin/env bash
# A streaming physical read replica of the machine's PostgreSQL (issue 24),
# for trying BARTA_READ_DATABASE_URL locally: a second cluster on
# $REPLICA_PORT made with `pg_basebackup -R -X stream` from the primary,
# running as a hot standby.
#   scripts/replica.sh start [DB]   # prints postgres://postgres@127.0.0.1:5433/DB (DB: postgres)
#   scripts/replica.sh status       # recovery state, replay LSN, lag; the primary's pg_stat_replication row
#   scripts/replica.sh stop         # fast shutdown, drops the slot, removes $REPLICA_DIR
#   scripts/replica.sh promote-test # failover drill: promote, check it takes writes, rebuild
# Environment: REPLICA_PORT (5433), REPLICA_DIR (/tmp/barta-replica),
# PRIMARY_HOST (127.0.0.1), PRIMARY_PORT (5432), PG_SUPERUSER (postgres),
# REPLICA_SLOT (barta_replica_<port>; empty: no replication slot),
# PGBIN (the directory of pg_ctl, pg_basebackup; found when unset).
# The primary must have wal_level=replica (or logical) and max_wal_senders > 0
# and trust local connections (as the CI machine does). When its pg_hba.conf
# does not admit a replication connection from 127.0.0.1, a trust line is
# added (marked "barta replica.sh") and the primary reloaded.
# Postgres binaries run as the postgres user (runuser when called as root).
set -euo pipefail
SELF="$(readlink -f "$0")"
cd /

REPLICA_PORT="${REPLICA_PORT:-5433}"
REPLICA_DIR="${REPLICA_DIR:-/tmp/barta-replica}"
PRIMARY_HOST="${PRIMARY_HOST:-127.0.0.1}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
PG_SUPERUSER="${PG_SUPERUSER:-postgres}"
REPLICA_SLOT="${REPLICA_SLOT-barta_replica_${REPLICA_PORT}}"
APP_NAME="barta-replica-${REPLICA_PORT}"
MARKER="barta-replica.marker"
LOG="$REPLICA_DIR/replica.log"
WAIT_S="${WAIT_S:-60}"

say() { printf 'replica.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# ---- running postgres tools -------------------------------------------------
if [ "$(id -u)" = 0 ]; then
  AS_PG=(runuser -u postgres --)
elif [ "$(id -un)" = postgres ]; then
  AS_PG=()
else
  die "run as root or as the postgres user"
fi

find_pgbin() {
  local c
  for c in "${PGBIN:-}" /usr/lib/postgresql/15/bin "$(dirname "$(readlink -f "$(command -v pg_ctl 2>/dev/null || echo /usr/local/bin/pg_ctl)")")"; do
    [ -n "$c" ] && [ -x "$c/pg_ctl" ] && [ -x "$c/pg_basebackup" ] && "$c/pg_ctl" --version >/dev/null 2>&1 && { echo "$c"; return; }
  done
  die "no pg_ctl/pg_basebackup found (set PGBIN)"
}
PGBIN="$(find_pgbin)"
pg_ctl() { "${AS_PG[@]}" "$PGBIN/pg_ctl" "$@"; }

PRIMARY="host=$PRIMARY_HOST port=$PRIMARY_PORT user=$PG_SUPERUSER dbname=postgres connect_timeout=5"
REPLICA="host=127.0.0.1 port=$REPLICA_PORT user=$PG_SUPERUSER dbname=postgres connect_timeout=5"
# psql -At against the primary / the replica; extra args pass through.
qp() { psql -X -q -At -v ON_ERROR_STOP=1 "$PRIMARY" "$@"; }
qr() { psql -X -q -At -v ON_ERROR_STOP=1 "$REPLICA" "$@"; }

running() { [ -f "$REPLICA_DIR/PG_VERSION" ] && pg_ctl status -D "$REPLICA_DIR" >/dev/null 2>&1; }

# Never touch anything but a directory this script made (or an empty one).
safe_rm_dir() {
  [ -e "$REPLICA_DIR" ] || return 0
  local real primary_dir
  real="$(readlink -f "$REPLICA_DIR")"
  case "$real" in /|/tmp|/var|/var/lib|/var/lib/postgresql*|/etc*|/usr*|/root|/home) die "refusing to remove $real" ;; esac
  primary_dir="$(qp -c 'SHOW data_directory' 2>/dev/null || true)"
  [ -n "$primary_dir" ] && [ "$real" = "$(readlink -f "$primary_dir")" ] && die "REPLICA_DIR is the primary's data directory"
  if [ -f "$real/$MARKER" ] || [ -z "$(ls -A "$real")" ]; then
    rm -rf "$real"
  else
    die "$real exists and was not made by replica.sh; remove it yourself or set REPLICA_DIR"
  fi
}

# A slot nobody streams from keeps WAL on the primary forever: drop it.
drop_slot() {
  [ -n "$REPLICA_SLOT" ] || return 0
  local i
  for i in $(seq 1 20); do
    case "$(qp -c "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$REPLICA_SLOT') THEN 'gone'
                               WHEN EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$REPLICA_SLOT' AND active) THEN 'active'
                               ELSE 'idle' END")" in
      gone) return 0 ;;
      idle) qp -c "SELECT pg_drop_replication_slot('$REPLICA_SLOT')" >/dev/null && { say "dropped replication slot $REPLICA_SLOT on the primary"; return 0; } ;;
      active) sleep 0.5 ;;  # the walsender has not noticed the replica went away yet
    esac
  done
  die "replication slot $REPLICA_SLOT is still in use on the primary"
}

# ---- the primary's side -----------------------------------------------------
check_primary() {
  qp -c 'SELECT 1' >/dev/null 2>&1 || die "primary at $PRIMARY_HOST:$PRIMARY_PORT does not answer"
  local level senders
  level="$(qp -c 'SHOW wal_level')"; senders="$(qp -c 'SHOW max_wal_senders')"
  [ "$level" = replica ] || [ "$level" = logical ] || die "primary has wal_level=$level; needs replica"
  [ "$senders" -gt 0 ] || die "primary has max_wal_senders=0"
}

replication_allowed() {
  psql -X -q -At "host=$PRIMARY_HOST port=$PRIMARY_PORT user=$PG_SUPERUSER replication=true connect_timeout=5" \
    -c IDENTIFY_SYSTEM >/dev/null 2>&1
}

ensure_hba() {
  replication_allowed && return 0
  local hba
  hba="$(qp -c 'SHOW hba_file')"
  [ -w "$hba" ] || die "primary refuses replication connections and $hba is not writable here"
  if ! grep -q '^# barta replica.sh' "$hba"; then
    say "adding a 'host replication' trust line for 127.0.0.1 to $hba"
    printf '%s\n' '# barta replica.sh added this: streaming replicas from this machine (scripts/replica.sh)' \
      "host    replication     all             127.0.0.1/32            trust" >> "$hba"
  fi
  qp -c 'SELECT pg_reload_conf()' >/dev/null
  local i
  for i in $(seq 1 10); do replication_allowed && return 0; sleep 0.3; done
  die "primary still refuses replication connections from 127.0.0.1 (an earlier line in $hba?)"
}

# ---- commands ---------------------------------------------------------------
# One start/stop at a time.
lock() {
  exec 9>"${REPLICA_DIR}.lock"
  flock -w 120 9 || die "another replica.sh holds ${REPLICA_DIR}.lock"
}

wait_ready() {
  local i
  for i in $(seq 1 $((WAIT_S * 2))); do
    if [ "$(qr -c 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" = t ]; then return 0; fi
    running || { tail -20 "$LOG" >&2 || true; die "replica exited while starting (log above, $LOG)"; }
    sleep 0.5
  done
  tail -20 "$LOG" >&2 || true
  die "replica did not accept connections in recovery within ${WAIT_S}s"
}

cmd_start() {
  local db="${1:-postgres}"
  lock
  if running; then
    say "already running on port $REPLICA_PORT ($REPLICA_DIR); in recovery: $(qr -c 'SELECT pg_is_in_recovery()' 2>/dev/null || echo '?')"
    echo "postgres://$PG_SUPERUSER@127.0.0.1:$REPLICA_PORT/$db"
    return 0
  fi
  check_primary
  ensure_hba
  if [ -e "$REPLICA_DIR" ]; then
    say "$REPLICA_DIR exists but no server runs there: rebuilding it"
    safe_rm_dir
  fi
  drop_slot  # a stale one from a crashed run
  mkdir -p "$REPLICA_DIR"; chown postgres:postgres "$REPLICA_DIR"; chmod 700 "$REPLICA_DIR"
  local slot=()
  [ -n "$REPLICA_SLOT" ] && slot=(--create-slot --slot="$REPLICA_SLOT")
  say "pg_basebackup from $PRIMARY_HOST:$PRIMARY_PORT into $REPLICA_DIR${REPLICA_SLOT:+ (slot $REPLICA_SLOT)}"
  if ! "${AS_PG[@]}" "$PGBIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PG_SUPERUSER" \
      -D "$REPLICA_DIR" -R -X stream --checkpoint=fast "${slot[@]}" \
      -d "application_name=$APP_NAME"; then
    rm -rf "$REPLICA_DIR"; drop_slot || true
    die "pg_basebackup failed"
  fi
  # Debian keeps postgresql.conf and pg_hba.conf in /etc, so the copy has
  # none: give the replica its own. Settings a hot standby must match or
  # exceed (max_connections, max_worker_processes, ...) stay at the defaults
  # the primary also uses here; raise them here if the primary's are higher.
  "${AS_PG[@]}" tee "$REPLICA_DIR/postgresql.conf" >/dev/null <<CONF
# written by scripts/replica.sh
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
cluster_name = '$APP_NAME'
hot_standby = on
hot_standby_feedback = on
max_connections = $(qp -c 'SHOW max_connections')
max_worker_processes = $(qp -c 'SHOW max_worker_processes')
max_wal_senders = $(qp -c 'SHOW max_wal_senders')
max_prepared_transactions = $(qp -c 'SHOW max_prepared_transactions')
max_locks_per_transaction = $(qp -c 'SHOW max_locks_per_transaction')
shared_buffers = 64MB
wal_level = replica
ssl = off
timezone = 'Etc/UTC'
log_timezone = 'Etc/UTC'
log_line_prefix = '%m [%p] %q%u@%d '
CONF
  "${AS_PG[@]}" tee "$REPLICA_DIR/pg_hba.conf" >/dev/null <<'HBA'
# written by scripts/replica.sh
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    replication     all             127.0.0.1/32            trust
HBA
  "${AS_PG[@]}" touch "$REPLICA_DIR/$MARKER"
  # 9>&-: the server must not inherit (and hold) this script's lock.
  pg_ctl start -D "$REPLICA_DIR" -l "$LOG" -w -t "$WAIT_S" >/dev/null 9>&- \
    || { tail -20 "$LOG" >&2 || true; die "pg_ctl start failed (log above)"; }
  wait_ready
  say "running on port $REPLICA_PORT, in recovery, streaming from $PRIMARY_HOST:$PRIMARY_PORT"
  echo "postgres://$PG_SUPERUSER@127.0.0.1:$REPLICA_PORT/$db"
}

cmd_stop() {
  lock
  if running; then
    pg_ctl stop -D "$REPLICA_DIR" -m fast -w >/dev/null
    say "stopped the replica on port $REPLICA_PORT"
  else
    say "no replica running in $REPLICA_DIR"
  fi
  if qp -c 'SELECT 1' >/dev/null 2>&1; then drop_slot; else say "primary down: slot $REPLICA_SLOT (if any) not dropped"; fi
  safe_rm_dir
  rm -f "${REPLICA_DIR}.lock"
}

cmd_status() {
  local rc=0
  if running; then
    echo "== replica 127.0.0.1:$REPLICA_PORT ($REPLICA_DIR)"
    # Lag: 0 when everything received is replayed (an idle primary sends no
    # transactions, so the replay timestamp alone would keep growing).
    psql -X -q -P pager=off -x -v ON_ERROR_STOP=1 "$REPLICA" -c "
      SELECT pg_is_in_recovery() AS in_recovery,
             pg_last_wal_receive_lsn() AS receive_lsn,
             pg_last_wal_replay_lsn() AS replay_lsn,
             pg_last_xact_replay_timestamp() AS last_replayed_xact_at,
             now() - pg_last_xact_replay_timestamp() AS lag,
             CASE WHEN NOT pg_is_in_recovery() THEN NULL
                  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN interval '0'
                  ELSE now() - pg_last_xact_replay_timestamp() END AS lag_if_behind,
             (SELECT status FROM pg_stat_wal_receiver) AS wal_receiver"
  else
    echo "== replica: not running (port $REPLICA_PORT, $REPLICA_DIR)"
    rc=3
  fi
  echo "== primary $PRIMARY_HOST:$PRIMARY_PORT pg_stat_replication"
  psql -X -q -P pager=off -x -v ON_ERROR_STOP=1 "$PRIMARY" -c "
    SELECT application_name, client_addr, state, sync_state,
           pg_current_wal_lsn() AS primary_lsn, sent_lsn, flush_lsn, replay_lsn,
           pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS replay_behind_bytes,
           write_lag, flush_lag, replay_lag, reply_time
      FROM pg_stat_replication ORDER BY application_name" \
    | sed 's/^(0 rows)$/(no standby connected)/'
  if [ -n "$REPLICA_SLOT" ]; then
    echo "== primary replication slot $REPLICA_SLOT"
    psql -X -q -P pager=off -x "$PRIMARY" -c "
      SELECT slot_name, active, restart_lsn,
             pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) AS wal_retained
        FROM pg_replication_slots WHERE slot_name = '$REPLICA_SLOT'" \
      | sed 's/^(0 rows)$/(none)/'
  fi
  return $rc
}

# Failover drill: promote the replica, see it take a write, then put things
# back (rebuild the replica if one was running, else stop it again).
cmd_promote_test() {
  local was_running=0 t0 t1
  running && was_running=1
  [ $was_running = 1 ] || cmd_start >/dev/null
  [ "$(qr -c 'SELECT pg_is_in_recovery()')" = t ] || die "the server on $REPLICA_PORT is not a standby (already promoted?); run stop, then start"
  say "promoting the replica on port $REPLICA_PORT (SELECT pg_promote())"
  t0=$(date +%s.%N)
  [ "$(qr -c 'SELECT pg_promote(wait => true, wait_seconds => 30)')" = t ] || die "pg_promote() did not finish within 30 s"
  qr -c 'CREATE TABLE barta_promote_probe (id int); INSERT INTO barta_promote_probe VALUES (1); DROP TABLE barta_promote_probe'
  t1=$(date +%s.%N)
  say "promoted: in recovery = $(qr -c 'SELECT pg_is_in_recovery()'); took a write; $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s from pg_promote() to a committed write"
  say "the promoted copy has left the primary's timeline; discarding it"
  cmd_stop
  if [ $was_running = 1 ]; then
    say "rebuilding the replica"
    cmd_start >/dev/null
    say "replica running again on port $REPLICA_PORT"
  fi
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  promote-test) cmd_promote_test ;;
  *) sed -n '2,9p' "$SELF" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
