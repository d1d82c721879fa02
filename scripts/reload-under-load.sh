#!/usr/bin/env bash
# Reload under load: the gateway must not fail a single request while its config is
# reloaded again and again.
#
#   scripts/reload-under-load.sh [RATE=1000] [DURATION_S=12] [INTERVAL_S=2]
#
# Builds cmd/shoal and bench/origin, starts two origins (a, b) and `shoal run -c` on a
# generated config, all on 127.0.0.1 with free ports, then runs the shared load runner
# (../shared/conformance/reload-under-load.sh: vegeta at RATE req/s for DURATION_S s,
# a reload every INTERVAL_S s). Each reload flips which origin serves / and rotates
# through the file watch, POST /api/config and SIGHUP (scripts/lib/reload-step.sh).
# Passes only when every request got a 200, every reload step succeeded, and the
# origin each reload asked for serves / within 1.5 s of it.
# Exit codes: 0 pass, 1 fail, 2 cannot run (shoal does not build, tools missing).
set -euo pipefail

RATE=${1:-1000}
DUR=${2:-12}
INT=${3:-2}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNNER=${SHOAL_CONFORMANCE_DIR:-$ROOT/../shared/conformance}/reload-under-load.sh
STEP="$ROOT/scripts/lib/reload-step.sh"
export VEGETA=${VEGETA:-$ROOT/.bin/vegeta}

say() { printf 'reload-under-load: %s\n' "$*"; }
cannot_run() { printf 'reload-under-load: CANNOT RUN: %s\n' "$*" >&2; exit 2; }

[ -x "$RUNNER" ] || cannot_run "load runner not found at $RUNNER (set SHOAL_CONFORMANCE_DIR)"
[ -x "$VEGETA" ] || cannot_run "vegeta not found at $VEGETA (run scripts/install-deps.sh)"
for c in curl node; do
  command -v "$c" >/dev/null 2>&1 || cannot_run "$c is required"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/shoal-reload.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    # Give each process up to 3 s to drain, then insist.
    for _ in 1 2 3 4 5 6; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

say "building shoal and the origin"
if ! (cd "$ROOT" && go build -o "$TMP/shoal" ./cmd/shoal) >"$TMP/build.log" 2>&1; then
  cat "$TMP/build.log" >&2
  cannot_run "'go build ./cmd/shoal' failed: the gateway binary does not exist yet"
fi
(cd "$ROOT" && go build -o "$TMP/origin" ./bench/origin) || cannot_run "building bench/origin failed"

# free_port prints a loopback port nothing listens on (a connect attempt is refused).
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  cannot_run "no free port found"
}

# wait_file FILE waits up to 10 s for a file to appear.
wait_file() {
  for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}

for o in a b; do
  "$TMP/origin" -addr 127.0.0.1:0 -name "$o" -addr-file "$TMP/$o.addr" >"$TMP/origin-$o.log" 2>&1 &
  PIDS+=($!)
done
if ! wait_file "$TMP/a.addr" || ! wait_file "$TMP/b.addr"; then
  cat "$TMP"/origin-*.log >&2
  say "FAIL: origins did not start"
  exit 1
fi

# outcomes counts the steps whose background check has reported.
outcomes() { grep -cE '^(ok|FAIL) step' "$TMP/steps.log" || true; }

fail() {
  say "FAIL: $*"
  echo "--- reload steps" >&2; sort -t' ' -k2,2n -s "$TMP/steps.log" >&2
  echo "--- shoal log (last 40 lines)" >&2; tail -n 40 "$TMP/shoal.log" >&2 || true
  # The load runner keeps no response bodies; the gateway's own counters say
  # why a request failed (no healthy endpoint, breaker open, limit, ...).
  echo "--- shoal error counters and non-2xx answers" >&2
  curl -s --max-time 2 "http://${ADMIN_ADDR:-127.0.0.1:1}/metrics" 2>/dev/null |
    grep -E '^shoal_(gateway_errors|upstream_errors)_total|^shoal_http_requests_total.*code_class="[^2]' >&2 || true
  exit 1
}

# served_by prints the X-Origin of a request through the gateway, or nothing.
served_by() {
  curl -s -o /dev/null -D - --max-time 2 "http://$GW_LISTEN/" 2>/dev/null |
    tr -d '\r' | awk -F': ' 'tolower($1) == "x-origin" { print $2 }'
}

CONFIG="$TMP/shoal.yaml"
# start_gateway picks two free ports, writes the config and starts shoal. It
# returns 0 once shoal serves / from origin a, and 1 when shoal exited because
# a port chosen for it was taken first (another process can bind it between
# the check and shoal's bind); anything else fails the run.
start_gateway() {
  GW_LISTEN=127.0.0.1:$(free_port)
  ADMIN_ADDR=127.0.0.1:$(free_port)
  {
    echo "GW_LISTEN=$GW_LISTEN"
    echo "ADMIN_ADDR=$ADMIN_ADDR"
    echo "ORIGIN_A=$(cat "$TMP/a.addr")"
    echo "ORIGIN_B=$(cat "$TMP/b.addr")"
    echo "CONFIG=$CONFIG"
  } >"$TMP/env"
  "$STEP" "$TMP" config a "$CONFIG"
  echo a >"$TMP/expected"
  echo a >"$TMP/file_target"
  : >"$TMP/steps.log"
  "$TMP/shoal" run -c "$CONFIG" >"$TMP/shoal.log" 2>&1 &
  GW_PID=$!
  PIDS+=("$GW_PID")
  echo "GW_PID=$GW_PID" >>"$TMP/env"
  for _ in $(seq 100); do
    if ! kill -0 "$GW_PID" 2>/dev/null; then
      grep -q 'address already in use' "$TMP/shoal.log" && return 1
      fail "shoal exited at start"
    fi
    [ "$(served_by)" = a ] && return 0
    sleep 0.1
  done
  fail "shoal did not serve / from origin a within 10 s"
}

started=0
for attempt in 1 2 3 4 5; do
  if start_gateway; then started=1; break; fi
  say "a port chosen for shoal was taken before it bound (attempt $attempt); new ports"
done
[ "$started" = 1 ] || fail "shoal could not bind free ports in 5 attempts"

say "gateway $GW_LISTEN (admin $ADMIN_ADDR), $RATE req/s for ${DUR}s, reload every ${INT}s"
timeout $((DUR + 60)) "$RUNNER" "http://$GW_LISTEN/" "$STEP $TMP step" "$RATE" "$DUR" "$INT" | tee "$TMP/result.txt" ||
  fail "load runner did not finish"
steps=$(grep -c '^step ' "$TMP/steps.log" || true)
# The last step's check may still be polling; it gives up after 1.5 s.
for _ in $(seq 30); do [ "$(outcomes)" -ge "$steps" ] && break; sleep 0.1; done
grep -E '^(step|ok|FAIL)' "$TMP/steps.log"

line=$(grep -E '^reload-under-load: [0-9]+ passed, [0-9]+ failed' "$TMP/result.txt" || true)
[ -n "$line" ] || fail "load runner printed no result line"
passed=$(echo "$line" | awk '{print $2}')
failed=$(echo "$line" | awk '{print $4}')
# The shared runner sleeps INT between reloads and each reload waits until it
# took effect, so on a busy machine the last one can fall past the end: allow
# one fewer than the ideal count, but never fewer than the three kinds (file,
# API, SIGHUP) the steps rotate through.
want_steps=$(((DUR - 1) / INT - 1))
[ "$want_steps" -ge 3 ] || want_steps=3

kill -0 "$GW_PID" 2>/dev/null || fail "shoal died during the run"
[ "$failed" -eq 0 ] || fail "$failed of $((passed + failed)) requests failed"
[ "$passed" -ge $((RATE * DUR * 95 / 100)) ] || fail "only $passed requests were sent, want about $((RATE * DUR))"
if grep -q '^FAIL' "$TMP/steps.log"; then fail "a reload step failed or did not take effect"; fi
[ "$(outcomes)" -ge "$steps" ] || fail "a reload step's check never reported"
[ "$steps" -ge "$want_steps" ] || fail "only $steps reloads ran, want $want_steps"

# The last reload must have taken effect; the file watch debounces, so allow a moment.
want=$(cat "$TMP/expected")
got=""
for _ in $(seq 30); do
  got=$(served_by)
  [ "$got" = "$want" ] && break
  sleep 0.1
done
[ "$got" = "$want" ] || fail "after the last reload / is served by '$got', want '$want'"
say "PASS: $passed requests, 0 failed, $steps reloads (file, API, SIGHUP), each took effect"
