#!/usr/bin/env bash
# Builds the album shop's five services into .bin/ at the repository root,
# where examples/album/shoal.yaml expects them (../../.bin/album-NAME).
# Usage: examples/album/build.sh [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/.bin}"
mkdir -p "$out"
cd "$root"
for svc in storefront catalog orders imageworker comments; do
	CGO_ENABLED=0 go build -o "$out/album-$svc" "./examples/album/$svc"
done
# A failure flag left by an interrupted demo expires by itself; start clean anyway.
rm -f "$out/album-comments.fail"
echo "album services built into $out"
