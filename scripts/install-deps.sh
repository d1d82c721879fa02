#!/usr/bin/env bash
# Installs what the tests and the benchmarks need, and nothing else:
#   - Debian packages (servers and load generators the tests start themselves),
#   - the pinned Go tools of tools/go.mod, built into the repository's .bin/.
# Idempotent and fast when everything is present: apt-get update runs only when a
# package is missing, and a Go tool is rebuilt only when its binary is missing or was
# built from another version than the one tools/go.mod pins.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/.bin"

# Debian packages, one a line. Services are never started through the init system:
# tests run their own processes with their own configs on 127.0.0.1.
APT_PACKAGES=(
  nginx       # bench: reverse proxy to compare with
  haproxy     # bench: reverse proxy to compare with
  wrk         # bench: keep-alive load generator
  shellcheck  # scripts/test.sh lints scripts/
  curl        # reload-under-load: admin API calls and route checks
  nodejs      # reload-under-load: the shared load runner reads vegeta's JSON with node
  chromium    # test/browser: the dashboard test drives Debian's Chromium with playwright-core
  redis-server  # rate limiting and caching: shared state tests start a real redis-server
  varnish     # test/conformance: varnishtest runs the byte-exact HTTP/1.1 scripts in vtc/
  prometheus  # telemetry: a real Prometheus scrapes a running gateway in test/prometheus
  kubectl     # test/kube: apply --dry-run=server and auth can-i against the test API server
)

# Go tools, one a line: "binary-name module-path". Versions are pinned in tools/go.mod
# (add one with: cd tools && go get -tool MODULE@VERSION).
GO_TOOLS=(
  "vegeta github.com/tsenart/vegeta/v12"
  "h2spec github.com/summerwind/h2spec/cmd/h2spec github.com/summerwind/h2spec"
  "grpc-interop-client google.golang.org/grpc/interop/client google.golang.org/grpc"
  "toxiproxy-server github.com/Shopify/toxiproxy/v2/cmd/server github.com/Shopify/toxiproxy/v2"
  "helm helm.sh/helm/v3/cmd/helm helm.sh/helm/v3"  # deploy/helm: helm lint and helm template
)

log() { printf 'install-deps: %s\n' "$*"; }
die() { printf 'install-deps: ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

apt_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

install_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    apt_installed "$p" || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "apt packages present: ${APT_PACKAGES[*]}"
    return
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${missing[*]}"
  log "installing apt packages: ${missing[*]}"
  # A policy-rc.d that answers 101 keeps postinst scripts from starting nginx or
  # haproxy on port 80; remove it afterwards only if this script put it there.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    created_policy=1
  fi
  local rc=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || rc=$?
  if [ "$rc" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null || rc=$?
  fi
  if [ "$created_policy" -eq 1 ]; then as_root rm -f "$policy"; fi
  [ "$rc" -eq 0 ] || die "apt-get failed (exit $rc) installing: ${missing[*]}"
}

# pinned_version MODULE prints the version tools/go.mod selects for MODULE.
pinned_version() {
  (cd "$ROOT/tools" && go list -m -f '{{.Version}}' "$1")
}

# built_version BINARY MODULE prints the module version a Go binary was built from.
built_version() {
  # No binary yet is not an error: it just prints nothing.
  { go version -m "$1" 2>/dev/null || true; } | awk -v m="$2" '$1 == "mod" && $2 == m { print $3 }'
}

install_go_tools() {
  command -v go >/dev/null 2>&1 || die "go not found in PATH"
  mkdir -p "$BIN"
  local entry name pkg module want have
  for entry in "${GO_TOOLS[@]}"; do
    # "name package [module]": the module defaults to the package path.
    read -r name pkg module <<<"$entry"
    module=${module:-$pkg}
    want=$(pinned_version "$module") || die "tools/go.mod does not pin $module"
    have=$(built_version "$BIN/$name" "$module")
    if [ "$have" = "$want" ]; then
      log "$name $want present"
      continue
    fi
    log "building $name $want into .bin/"
    (cd "$ROOT/tools" && go build -o "$BIN/$name" "$pkg") || die "go build $pkg failed"
  done
}

# The Kubernetes control plane of the kube tests (internal/kube/kubetest):
# etcd, kube-apiserver and kube-controller-manager, built once per version
# into ${SHOAL_CACHE:-$HOME/.cache/shoal}/kube/ (a few minutes cold, instant after).
install_kube_bins() {
  "$ROOT/scripts/kube-bins.sh" >/dev/null || die "scripts/kube-bins.sh failed"
}

install_apt_packages
install_go_tools
install_kube_bins
