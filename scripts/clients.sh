#!/usr/bin/env bash
# scripts/clients.sh — does Barta work with the clients people actually use?
# Starts a demo server and runs, each as a named check with PASS/FAIL/WARN/SKIP
# and a one-line reason:
#   Apollo Client 3 and graphql-request on /graphql (queries, pagination,
#   errors, APQ), graphql-codegen + tsc on schema.graphql, openapi-typescript
#   + tsc and redocly lint on /openapi.json, rss-parser on the feeds, the
#   standardwebhooks library on signed webhook deliveries, eventsource on a
#   live page's stream; then
#   scripts/verify.sh (feedparser, graphql-http audit, schemathesis with the
#   project's configuration) and schemathesis once more without it.
# Prints a summary table; exits 1 when any check FAILs (WARN and SKIP do not
# fail the run), 2 when it cannot run at all.
#
#   BARTA=/tmp/clients-bin/barta scripts/clients.sh
#
# Environment:
#   BARTA                the server binary (default target/debug/barta; never built here)
#   CLIENTS_PORT         port of this script's server (default 18700)
#   CLIENTS_VERIFY_PORT  port for scripts/verify.sh's own server (default CLIENTS_PORT+1)
#   CLIENTS_DIR          where the pinned Node tools are installed (default /tmp/barta-clients);
#                        scripts/clients/package-lock.json is installed there with npm ci,
#                        never inside the repo
#   CLIENTS_OUT          logs, generated files and evidence of this run (default $CLIENTS_DIR/last-run)
#   CLIENTS_VERIFY=0     skip scripts/verify.sh
#   CLIENTS_ST_NOCONFIG=0  skip the schemathesis runs without the project configuration
#   VERIFY_DIR, ST_MAX_EXAMPLES, ST_SEED   passed on to verify.sh / run_schemathesis.sh
#   ST_SEED_OPENAPI, ST_SEED_OPENAPI_ADMIN, ST_SEED_GRAPHQL
#                        seed of one schemathesis run without the configuration (default ST_SEED),
#                        to repeat a previous run's three seeds without seeding verify.sh's runs
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/scripts/clients"
BARTA="${BARTA:-$repo/target/debug/barta}"
port="${CLIENTS_PORT:-18700}"
verify_port="${CLIENTS_VERIFY_PORT:-$((port + 1))}"
cache="${CLIENTS_DIR:-/tmp/barta-clients}"
out="${CLIENTS_OUT:-$cache/last-run}"
verify_dir="${VERIFY_DIR:-/tmp/bv/verify}"
base="http://127.0.0.1:$port"

[[ -x "$BARTA" ]] || { echo "no server binary at $BARTA (set BARTA=…; this script does not build)"; exit 2; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then echo "node and npm are needed"; exit 2; fi

# --- the Node tools, pinned by scripts/clients/package-lock.json -------------
# Installed outside the repo and reinstalled only when the lock file changes.
mkdir -p "$cache" || exit 2
lock_sum="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
if [[ ! -d "$cache/node_modules" || "$(cat "$cache/.lock-sha256" 2>/dev/null)" != "$lock_sum" ]]; then
  echo "== installing the pinned client tools in $cache (npm ci)"
  cp "$src/package.json" "$src/package-lock.json" "$cache/" || exit 2
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed"; exit 2; }
  echo "$lock_sum" >"$cache/.lock-sha256"
fi
# The check files run next to that node_modules so their imports resolve.
cp -r "$src/lib.mjs" "$src/graphql.mjs" "$src/feeds.mjs" "$src/webhooks.mjs" "$src/live.mjs" "$src/redocly.yaml" "$src/codegen" "$src/openapi" "$cache/" || exit 2
rm -rf "$cache/gen" "$out" && mkdir -p "$cache/gen" "$out" || exit 2
gen="$cache/gen"
bin="$cache/node_modules/.bin"

# --- the server ----------------------------------------------------------------
# A fixed port, so refuse to start when something already answers there
# (the checks would silently test that other server).
if curl -fs -m 2 "$base/healthz" >/dev/null 2>&1; then
  echo "something already answers on $base; set CLIENTS_PORT"; exit 2
fi
work="$(mktemp -d /tmp/barta-clients.XXXXXX)"
db="sqlite://$work/barta.db?mode=rwc"
pid=""
# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  cp "$work/server.log" "$out/server.log" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Keys before serving, as verify.sh does (`keys create` creates and migrates
# the database). Only schemathesis' admin runs use the key.
admin="$("$BARTA" keys create --name clients-admin --scope admin --database "$db" 2>/dev/null | grep -o 'barta_[A-Za-z0-9_-]*' | head -1)"
[[ -n "$admin" ]] || { echo "could not create an admin key"; exit 2; }
# Webhooks may call the receiver of the standardwebhooks check on 127.0.0.1.
"$BARTA" serve --demo --bind "127.0.0.1:$port" --database "$db" --index-dir "$work/index" \
  --public-url "$base" --webhook-allow-private >"$work/server.log" 2>&1 &
pid=$!
ready=""
for _ in $(seq 1 60); do
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" == 200 ]]; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
[[ -n "$ready" ]] || { echo "server did not become ready"; cat "$work/server.log"; exit 2; }
echo "== server on $base ($BARTA; log: $out/server.log)"

# --- bookkeeping -----------------------------------------------------------------
names=() statuses=() reasons=()
record() { # name status reason
  names+=("$1") statuses+=("$2") reasons+=("$3")
  printf '%-34s %-5s %s\n' "$1" "$2" "$3"
}
# Runs a Node check script; its `RESULT<TAB>name<TAB>status<TAB>reason` lines
# become checks, `EVIDENCE` lines go to evidence.txt, the rest to its log.
run_node() { # label script
  local label="$1" script="$2" log="$out/$1.log" n=0 kind name status reason
  echo; echo "== $label"
  BARTA_BASE="$base" BARTA_ADMIN_KEY="$admin" WEBHOOK_PORT="$((port + 90))" node "$cache/$script" >"$log" 2>&1
  while IFS=$'\t' read -r kind name status reason; do
    case "$kind" in
      RESULT) record "$name" "$status" "$reason"; n=$((n + 1)) ;;
      EVIDENCE) printf '[%s] request: %s\n[%s] response: %s\n' "$label" "$name" "$label" "$status" >>"$out/evidence.txt" ;;
    esac
  done <"$log"
  ((n > 0)) || record "$label" FAIL "no result; crashed: $(tail -1 "$log")"
}
# Last non-empty line of a file, for a one-line reason.
last() { grep -v '^[[:space:]]*$' "$1" | tail -1 | cut -c1-200; }
tsc_flags=(--noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext)

# --- a. GraphQL clients ------------------------------------------------------------
run_node graphql graphql.mjs

# --- b. graphql-codegen on the checked-in schema, then tsc ---------------------------
echo; echo "== graphql-codegen"
# From $cache: codegen finds its plugins relative to the working directory.
if ! (cd "$cache" && CODEGEN_SCHEMA="$repo/schema.graphql" CODEGEN_DOCUMENTS="$cache/codegen/operations.graphql" \
  CODEGEN_OUT="$gen/graphql.ts" "$bin/graphql-codegen" --config codegen/codegen.yml) >"$out/codegen.log" 2>&1; then
  record graphql-codegen FAIL "codegen: $(sed -n '/FAILED/,$p' "$out/codegen.log" | tr -s ' \n' ' ' | cut -c1-200)"
elif ! (cd "$cache" && "$bin/tsc" "${tsc_flags[@]}" codegen/use.ts) >"$out/codegen-tsc.log" 2>&1; then
  record graphql-codegen FAIL "tsc: $(head -1 "$out/codegen-tsc.log" | cut -c1-200)"
else
  record graphql-codegen PASS "$(grep -c '^export type' "$gen/graphql.ts") types from schema.graphql + 6 operations; tsc --strict clean"
fi

# --- c. openapi-typescript on the live document, then tsc ------------------------------
echo; echo "== openapi-typescript"
curl -fs "$base/openapi.json" -o "$gen/openapi.json"
if ! "$bin/openapi-typescript" "$base/openapi.json" -o "$gen/openapi.d.ts" >"$out/openapi-typescript.log" 2>&1; then
  record openapi-typescript FAIL "generate: $(last "$out/openapi-typescript.log")"
elif ! (cd "$cache" && "$bin/tsc" "${tsc_flags[@]}" openapi/use.ts) >"$out/openapi-tsc.log" 2>&1; then
  record openapi-typescript FAIL "tsc: $(head -1 "$out/openapi-tsc.log" | cut -c1-200)"
else
  record openapi-typescript PASS "types for /v1/articles, /v1/articles/{id_or_slug}, Problem, ArticleCreate; tsc --strict clean"
  # Which fields a strict client must guard: printed, and kept for the report.
  (cd "$cache" && node openapi/fields.mjs ListItem ArticleData Problem CreateArticle) | tee "$out/openapi-fields.txt" | sed 's/^FIELDS\t/  note: /; s/\t/: /'
fi

# --- d. redocly lint, recommended ruleset ---------------------------------------------------
echo; echo "== redocly lint"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$bin/redocly" lint --config "$cache/redocly.yaml" --format json "$base/openapi.json" >"$out/redocly.json" 2>"$out/redocly.log"
if ! jq -e .totals >/dev/null 2>&1 <"$out/redocly.json"; then
  record redocly-lint FAIL "redocly did not report: $(last "$out/redocly.log")"
else
  errors="$(jq .totals.errors <"$out/redocly.json")" warnings="$(jq .totals.warnings <"$out/redocly.json")"
  jq -r '.problems[] | "  \(.severity) \(.ruleId): \(.message)"' <"$out/redocly.json" | tee "$out/redocly.txt"
  if [[ "$errors" == 0 ]]; then
    record redocly-lint PASS "$errors errors, $warnings warnings (recommended ruleset)"
  else
    record redocly-lint FAIL "$errors errors, $warnings warnings (recommended ruleset)"
  fi
fi

# --- e. rss-parser on the feeds ---------------------------------------------------------------
run_node feeds feeds.mjs

# --- f. the Standard Webhooks reference library on Barta's signatures ----------------------------
run_node webhooks webhooks.mjs

# --- g. the eventsource package on a live page's stream --------------------------------------------
run_node live live.mjs

# --- schemathesis without the project's configuration -------------------------------------------
# verify.sh always runs schemathesis with scripts/schemathesis*.toml (which
# widen the accepted statuses of some operations) and the GraphQL hooks, and
# has no switch to leave them out; so run it here a second time from an
# empty directory, against this script's server, to show what the
# configuration hides. Needs the verifiers verify.sh sets up.
st_run() { # name mode target [header] [seed]
  local name="$1" mode="$2" target="$3" header="${4:-}" seed="${5:-${ST_SEED:-}}" dir="$work/st-$1" rc
  mkdir -p "$dir"
  echo; echo "== $name"
  (cd "$dir" && ST_SEED="$seed" ST_HEADER="$header" ST_REPORT_DIR="$out/$name-report" ST_EXCLUDE_CHECKS='' \
    "$verify_dir/run_schemathesis.sh" "$mode" "$target") >"$out/$name.log" 2>&1
  rc=$?
  tail -25 "$out/$name.log"
  if ((rc == 0)); then
    record "$name" PASS "$(last "$out/$name.log")"
  else
    # One line per failing case (operation | check | answer | detail | curl)
    # for the report, and their tally as the reason.
    python3 "$src/st_failures.py" "$out/$name-report"/junit-*.xml >"$out/$name-failures.txt" 2>&1
    record "$name" FAIL "exit $rc: $(python3 "$src/st_failures.py" "$out/$name-report"/junit-*.xml --summary 2>&1 | cut -c1-220)"
  fi
}

# --- f. scripts/verify.sh (its own server, its own port) -----------------------------------------
if [[ "${CLIENTS_VERIFY:-1}" == 1 ]]; then
  echo; echo "== scripts/verify.sh (log: $out/verify.log)"
  BARTA="$BARTA" VERIFY_PORT="$verify_port" VERIFY_DIR="$verify_dir" bash "$repo/scripts/verify.sh" >"$out/verify.log" 2>&1
  verify_rc=$?
  # Its summary lines look like `  name    PASS` or `  name    FAIL (1)`.
  folded=0
  while read -r vname vstatus vrest; do
    [[ -n "$vname" ]] || continue
    # Anything but PASS ("FAIL (1)", "not run") counts as a failure.
    [[ "$vstatus" == PASS ]] && vs=PASS || vs=FAIL
    record "verify:$vname" "$vs" "verify.sh: $vstatus${vrest:+ $vrest}"
    folded=$((folded + 1))
  done < <(sed -n '/^== summary/,$p' "$out/verify.log" | tail -n +2)
  ((folded > 0)) || record verify.sh FAIL "exit $verify_rc without a summary: $(last "$out/verify.log")"
else
  record verify.sh SKIP "CLIENTS_VERIFY=0"
fi

if [[ "${CLIENTS_ST_NOCONFIG:-1}" != 1 ]]; then
  record schemathesis-noconfig SKIP "CLIENTS_ST_NOCONFIG=0"
elif [[ ! -x "$verify_dir/run_schemathesis.sh" || ! -x "$verify_dir/.venv/bin/schemathesis" ]]; then
  record schemathesis-noconfig SKIP "verifiers not set up in $verify_dir (scripts/verify.sh sets them up)"
else
  st_run st-openapi-noconfig openapi "$base/openapi.json" "" "${ST_SEED_OPENAPI:-}"
  st_run st-openapi-admin-noconfig openapi "$base/openapi.json" "Authorization: Bearer $admin" "${ST_SEED_OPENAPI_ADMIN:-}"
  st_run st-graphql-noconfig graphql "$base/graphql" "Authorization: Bearer $admin" "${ST_SEED_GRAPHQL:-}"
fi

# --- summary -------------------------------------------------------------------------------------
echo; echo "== summary (logs and evidence: $out)"
printf '| %-34s | %-6s | %s |\n' check status reason
printf '|%s|%s|%s|\n' "------------------------------------" "--------" "--------"
status=0
for i in "${!names[@]}"; do
  printf '| %-34s | %-6s | %s |\n' "${names[$i]}" "${statuses[$i]}" "${reasons[$i]//|/\\|}"
  [[ "${statuses[$i]}" == FAIL* ]] && status=1
done
[[ -s "$out/evidence.txt" ]] && { echo; echo "== evidence"; cat "$out/evidence.txt"; }
exit "$status"
