#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script):
#   dependencies, gofmt, shellcheck, go vet, go build, go test -race, cache-tests, reload under load,
#   and, with SHOAL_BENCH_SMOKE=1, a one-second smoke run of the proxy benchmark.
# Each section stops the run at its first failure with a message naming the section.
#
# Environment:
#   SHOAL_RELOAD_CHECK=on|auto|off  reload-under-load check (default on)
#   SHOAL_BENCH_SMOKE=1             also run `bench --quick` (needs nginx, haproxy, wrk)
#   SHOAL_TEST_TIMEOUT=5m           go test -timeout per test binary
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.bin:$PATH"

RELOAD_CHECK=${SHOAL_RELOAD_CHECK:-on}
BENCH_SMOKE=${SHOAL_BENCH_SMOKE:-0}
TEST_TIMEOUT=${SHOAL_TEST_TIMEOUT:-5m}
START=$SECONDS

section() { printf '\n==== %s (%ds)\n' "$*" $((SECONDS - START)); }
fail() { printf '\n==== FAILED: %s\n' "$*" >&2; exit 1; }

section "install dependencies"
scripts/install-deps.sh || fail "scripts/install-deps.sh"

section "gofmt"
# Tracked and new files, so that ignored scratch (.bin/, results) is not checked.
mapfile -t go_files < <(git ls-files --cached --others --exclude-standard -- '*.go')
[ "${#go_files[@]}" -gt 0 ] || fail "gofmt: git lists no .go files (run from a git checkout)"
unformatted=$(gofmt -l "${go_files[@]}")
if [ -n "$unformatted" ]; then
  printf '%s\n' "$unformatted"
  fail "gofmt: the files above need 'gofmt -w'"
fi
echo "ok"

section "shellcheck"
mapfile -t shell_files < <(git ls-files --cached --others --exclude-standard -- '*.sh' .ci/run)
shellcheck "${shell_files[@]}" || fail "shellcheck"
echo "ok: ${#shell_files[@]} files"

section "go vet"
go vet ./... || fail "go vet ./..."
echo "ok"

section "go build"
go build ./... || fail "go build ./..."
echo "ok"

section "go test -race"
go test -race -count=1 -timeout "$TEST_TIMEOUT" ./... || fail "go test -race ./..."

section "trace replay: live gateway vs simulator (policy ranking, about 3 minutes)"
SHOAL_TRACE_REPLAY=1 go test -count=1 -timeout 10m -run TestLiveGatewayRanksPoliciesLikeTheSimulator ./test/e2e || fail "trace replay (docs/autoscaling.md, Live gateway vs simulator)"

section "cache-tests (RFC 9111 conformance, baseline in test/cachetests)"
(cd test/cachetests && { [ -d node_modules/http-cache-tests ] || npm ci --no-audit --no-fund; } && go test -count=1 -tags cachetests .) ||
  fail "cache-tests: a test that passed in test/cachetests/baseline.json now fails"

section "reload under load"
case "$RELOAD_CHECK" in
off) echo "skipped (SHOAL_RELOAD_CHECK=off)" ;;
on | auto)
  rc=0
  scripts/reload-under-load.sh || rc=$?
  if [ "$rc" -eq 2 ] && [ "$RELOAD_CHECK" = auto ]; then
    echo "skipped: the check cannot run yet (SHOAL_RELOAD_CHECK=auto)"
  elif [ "$rc" -ne 0 ]; then
    fail "reload under load (scripts/reload-under-load.sh exit $rc)"
  fi
  ;;
*) fail "SHOAL_RELOAD_CHECK must be on, auto or off, not '$RELOAD_CHECK'" ;;
esac

if [ "$BENCH_SMOKE" = 1 ]; then
  section "bench smoke"
  smoke_out=$(mktemp -d)
  scripts/bench.sh --quick --out "$smoke_out" || fail "bench smoke (scripts/bench.sh --quick); logs in $smoke_out"
  rm -rf "$smoke_out"
fi

section "all checks passed"
