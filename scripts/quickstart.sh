#!/usr/bin/env bash
# The main job for now: builds Shoal and the example echo service, then runs
# the gateway with examples/quickstart/shoal.yaml, which starts the echo
# instances itself (run: blocks) and routes to them. Ctrl-C stops everything,
# instances included.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bin
echo "building shoal and examples/echo ..."
CGO_ENABLED=0 go build -o .bin/shoal ./cmd/shoal
go build -o .bin/echo ./examples/echo

cat <<MSG

Shoal is starting. Try, in another terminal:
  curl -s localhost:8080/hello          # web: least request over two echo instances Shoal started
  curl -s localhost:8080/api/users      # api, /api stripped
  curl -si localhost:8080/docs/v1/x     # 301 redirect
  .bin/shoal status                     # services, instances
  .bin/shoal scale web 4                # four web instances
  curl -s localhost:9901/api/services/web/logs?limit=5
  curl -s localhost:9901/metrics | grep shoal_
Edit examples/quickstart/shoal.yaml and save: the gateway reloads it live.

MSG
exec .bin/shoal run -c examples/quickstart/shoal.yaml
