#!/usr/bin/env bash
# Proxy benchmark: shoal proxy vs Go's ReverseProxy, nginx and haproxy (bench/README.md).
#   scripts/bench.sh [--duration 10s] [--conns 64] [--quick] [--proxies LIST] [--out DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scripts/install-deps.sh >/dev/null || { echo "bench: scripts/install-deps.sh failed" >&2; exit 1; }
go build -o "$ROOT/.bin/proxybench" ./bench/proxybench
exec "$ROOT/.bin/proxybench" "$@"
