#!/usr/bin/env bash
# scripts/screenshots.sh — look at Barta's three browser pages the way a
# person would, with no internet: headless Chromium (Debian's, driven by
# puppeteer-core) opens `/`, `/graphql` (GraphiQL, runs the `Latest` query)
# and `/docs` (Redoc) on a `barta serve --demo`, fails if any request leaves
# 127.0.0.1, fails or answers >= 400, or the console logs an error, and
# writes docs/screenshots/{home,graphiql,docs}.png (1280×900) and their
# README.md.
#
#   BARTA=target/debug/barta scripts/screenshots.sh   # build it first
#
# Needs: chromium and a Bengali font (Debian: `apt-get install -y
# --no-install-recommends chromium fonts-beng`), node + npm (puppeteer-core
# is installed from scripts/screenshots/package-lock.json into SHOTS_CACHE,
# outside the repo, so the repo holds no node_modules).
#
# Environment: BARTA (default target/debug/barta; this script builds
# nothing), SHOTS_PORT (default 18750, fixed so the README's URLs are
# stable), SHOTS_CACHE (default /tmp/barta-shots), SHOTS_OUT (default
# docs/screenshots), CHROMIUM (default `command -v chromium`),
# SHOTS_NO_NETNS=1 (skip the network namespace, flags only).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
barta="${BARTA:-target/debug/barta}"
port="${SHOTS_PORT:-18750}"
cache="${SHOTS_CACHE:-/tmp/barta-shots}"
out="${SHOTS_OUT:-$repo/docs/screenshots}"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
# Absolute: the inner run (below) and the server may start elsewhere.
[[ "$barta" = /* ]] || barta="$repo/$barta"
[[ "$out" = /* ]] || out="$repo/$out"

# --- outside the namespace: checks and puppeteer-core -------------------------
# npm needs the registry, so this part runs before the network is taken away.
if [[ -z "${SHOTS_INNER:-}" ]]; then
  [[ -x "$barta" ]] || { echo "no server binary at $barta: build it (cargo build) or set BARTA" >&2; exit 2; }
  [[ -n "$chromium" && -x "$chromium" ]] || {
    echo "no chromium: apt-get install -y --no-install-recommends chromium fonts-beng" >&2; exit 2; }
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then echo "node and npm are needed" >&2; exit 2; fi
  fc-list :lang=bn family | grep -q . || echo "warning: no font with Bengali glyphs (apt-get install fonts-beng); Bengali will show as boxes" >&2

  # Install only when the lock file changed since the last install.
  mkdir -p "$cache"
  if ! cmp -s scripts/screenshots/package-lock.json "$cache/package-lock.json" || [[ ! -d "$cache/node_modules/puppeteer-core" ]]; then
    echo "== npm ci (puppeteer-core) in $cache"
    cp scripts/screenshots/package.json scripts/screenshots/package-lock.json "$cache/"
    # --ignore-scripts: puppeteer-core downloads nothing anyway; the browser
    # is the system's.
    (cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --silent)
  fi
  # Node resolves `import "puppeteer-core"` from the script's own folder, so
  # the script runs from beside its node_modules.
  cp scripts/screenshots/shoot.mjs "$cache/shoot.mjs"

  # The strongest limit: a new network namespace holding only a loopback
  # interface, with the server and Chromium both inside it. Nothing in there
  # can reach any address but 127.0.0.1/::1, whatever a page asks for.
  # (`unshare --net` needs root or user namespaces: --map-root-user for
  # the latter.)
  if [[ -z "${SHOTS_NO_NETNS:-}" ]] && command -v unshare >/dev/null; then
    ns=()
    if unshare --net true 2>/dev/null; then ns=(unshare --net)
    elif unshare --net --map-root-user true 2>/dev/null; then ns=(unshare --net --map-root-user)
    fi
    if ((${#ns[@]})); then
      exec "${ns[@]}" env SHOTS_INNER=netns BARTA="$barta" SHOTS_OUT="$out" CHROMIUM="$chromium" \
        SHOTS_CACHE="$cache" SHOTS_PORT="$port" bash "$repo/scripts/screenshots.sh"
    fi
  fi
  if [[ -n "${SHOTS_NO_NETNS:-}" ]]; then echo "SHOTS_NO_NETNS: limiting Chromium by its flags only" >&2
  else echo "warning: cannot make a network namespace here (no unshare, or no root nor user namespaces); limiting Chromium by its flags only" >&2; fi
  export SHOTS_INNER=flags
fi

# --- the limited run -----------------------------------------------------------
if [[ "$SHOTS_INNER" == netns ]]; then
  # A new namespace's loopback starts down.
  if command -v ip >/dev/null; then
    ip link set lo up
    # Check the limit rather than trust it: no route but loopback's.
    if ip route show | grep -q .; then echo "the namespace has routes:" >&2; ip route show >&2; exit 1; fi
  else ifconfig lo 127.0.0.1 up; fi
  net_limit="own network namespace (unshare --net, only lo up) + Chromium resolver/proxy flags"
else
  net_limit="Chromium flags only (--host-resolver-rules MAP * ~NOTFOUND, --proxy-server=127.0.0.1:9, bypass 127.0.0.1)"
fi

work="$(mktemp -d /tmp/barta-shots-run.XXXXXX)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== barta serve --demo on 127.0.0.1:$port ($SHOTS_INNER)"
"$barta" serve --demo --bind "127.0.0.1:$port" \
  --database "sqlite://$work/barta.db?mode=rwc" --index-dir "$work/index" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { echo "the server exited:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" || { echo "not ready after 60 s" >&2; tail -50 "$work/server.log" >&2; exit 1; }

# Chromium's flags, a second limit inside the namespace and the only one
# without it: every host name resolves to nothing except 127.0.0.1, and all
# traffic goes to a proxy on the discard port (nothing listens) except
# 127.0.0.1's. The rest turns off Chromium's own background traffic
# (updates, safe browsing, metrics), which no page asked for.
# shellcheck disable=SC2054  # the commas are inside one flag's value
args=(
  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
  "--proxy-server=127.0.0.1:9"
  "--proxy-bypass-list=127.0.0.1"
  --disable-background-networking
  --disable-component-update
  --disable-default-apps
  --disable-sync
  --disable-domain-reliability
  --disable-features=OptimizationHints,MediaRouter,Translate
  --metrics-recording-only
  --no-first-run
  --no-default-browser-check
  --lang=en-US
  --hide-scrollbars
  # Fonts drawn the same from run to run.
  --font-render-hinting=none
  # /dev/shm is small in containers.
  --disable-dev-shm-usage
)
# Chromium's sandbox refuses to start as root.
[[ "$(id -u)" == 0 ]] && args+=(--no-sandbox)

SHOTS_BASE="http://127.0.0.1:$port" SHOTS_OUT="$out" SHOTS_CHROMIUM="$chromium" \
  SHOTS_NET_LIMIT="$net_limit" SHOTS_CHROMIUM_ARGS="$(printf '%s\n' "${args[@]}")" \
  SHOTS_BENGALI_FONTS="$(fc-list :lang=bn family 2>/dev/null || true)" \
  node "$cache/shoot.mjs"
