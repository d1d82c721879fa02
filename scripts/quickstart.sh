#!/usr/bin/env bash
# The main job for now: builds Shoal and the example echo service, starts three
# echo instances on loopback and runs the gateway in front of them with
# examples/quickstart/shoal.yaml. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bin
echo "building shoal and examples/echo ..."
CGO_ENABLED=0 go build -o .bin/shoal ./cmd/shoal
go build -o .bin/echo ./examples/echo

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

for i in 1 2 3; do
	.bin/echo -addr "127.0.0.1:900$i" -name "echo-$i" 2>>.bin/echo.log &
	pids+=("$!")
done

cat <<MSG

Shoal is starting. Try, in another terminal:
  curl -s localhost:8080/hello          # web (least request over echo-1, echo-2)
  curl -s localhost:8080/api/users      # api, /api stripped
  curl -si localhost:8080/docs/v1/x     # 301 redirect
  curl -s localhost:9901/api/services   # admin API
  curl -s localhost:9901/metrics | grep shoal_
Edit examples/quickstart/shoal.yaml and save: the gateway reloads it live.

MSG
.bin/shoal run -c examples/quickstart/shoal.yaml &
pids+=("$!")
wait "${pids[-1]}"
