#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kwok for the
# Kubernetes-mode tests (internal/kube/kubetest starts them on 127.0.0.1).
#
# Kubernetes is not meant to be consumed as a module: its go.mod replaces every k8s.io/*
# staging module with ./staging/src/..., which the module proxy does not ship. So the
# build happens in a scratch module outside the repository that requires
# k8s.io/kubernetes at KUBE_VERSION and replaces each of those staging modules with its
# published tag (v0.X.Y for Kubernetes v1.X.Y), read from Kubernetes' own go.mod.
# etcd is built from the same module graph, so it is the etcd version that this
# Kubernetes release itself depends on (go.etcd.io/etcd/server/v3 has a main package).
# kwok (fake nodes and pods: it plays the kubelet) is a plain `go install` of a
# pinned version, outside the scratch module.
#
# The binaries go to a cache directory keyed by version, so a second run is instant:
#   ${SHOAL_CACHE:-$HOME/.cache/shoal}/kube/$KUBE_VERSION/{etcd,kube-apiserver,kube-controller-manager,kwok}
# Prints that directory on its last line. kubetest looks there (or in $SHOAL_KUBE_BIN).
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-v1.35.4}
STAGING_VERSION="v0.${KUBE_VERSION#v1.}"
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
CACHE=${SHOAL_CACHE:-$HOME/.cache/shoal}
OUT="$CACHE/kube/$KUBE_VERSION"
# name and main package of each binary.
BINARIES=(
  "kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver"
  "kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager"
  "etcd go.etcd.io/etcd/server/v3"
  "kwok sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
)

log() { printf 'kube-bins: %s\n' "$*" >&2; }
die() { printf 'kube-bins: ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "go not found in PATH"

# One build at a time per cache (two test runs starting together would
# otherwise rewrite the scratch module under each other).
mkdir -p "$CACHE/kube"
exec 9>"$CACHE/kube/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

missing=()
for entry in "${BINARIES[@]}"; do
  read -r name pkg <<<"$entry"
  [ -x "$OUT/$name" ] || missing+=("$entry")
done
if [ "${#missing[@]}" -eq 0 ]; then
  log "$KUBE_VERSION binaries present in $OUT"
  echo "$OUT"
  exit 0
fi

mkdir -p "$OUT"
WORK="$CACHE/kube/build-$KUBE_VERSION"
mkdir -p "$WORK"

# The scratch module must not inherit a workspace or the repository's module.
export GOWORK=off GOFLAGS=-mod=mod

log "downloading k8s.io/kubernetes@$KUBE_VERSION"
kube_dir=$(cd "$WORK" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" |
  awk -F'"' '$2 == "Dir" { print $4 }')
[ -f "${kube_dir:-/nonexistent}/go.mod" ] || die "go mod download k8s.io/kubernetes@$KUBE_VERSION gave no go.mod"

# Every "k8s.io/x => ./staging/src/k8s.io/x" line of Kubernetes' go.mod becomes
# "k8s.io/x => k8s.io/x v0.X.Y".
mapfile -t staging < <(awk '$2 == "=>" && $3 ~ /^\.\/staging\/src\// { print $1 }' "$kube_dir/go.mod")
[ "${#staging[@]}" -gt 0 ] || die "no staging replace lines found in $kube_dir/go.mod"
go_directive=$(awk '$1 == "go" { print $2; exit }' "$kube_dir/go.mod")

{
  echo "module shoal.local/kubebins"
  echo
  echo "go $go_directive"
  echo
  echo "require k8s.io/kubernetes $KUBE_VERSION"
  echo
  echo "replace ("
  for m in "${staging[@]}"; do
    echo "	$m => $m $STAGING_VERSION"
  done
  echo ")"
} >"$WORK/go.mod"
# A blank import of each Kubernetes command keeps go mod tidy from dropping what
# the build needs (etcd's main package cannot be imported; -mod=mod adds what it needs).
{
  echo "//go:build tools"
  echo
  echo "package kubebins"
  echo
  echo "import ("
  echo "	_ \"k8s.io/kubernetes/cmd/kube-apiserver\""
  echo "	_ \"k8s.io/kubernetes/cmd/kube-controller-manager\""
  echo ")"
} >"$WORK/tools.go"

log "resolving modules in $WORK (${#staging[@]} staging modules at $STAGING_VERSION)"
(cd "$WORK" && go mod tidy -e) || die "go mod tidy in $WORK failed"

for entry in "${missing[@]}"; do
  read -r name pkg <<<"$entry"
  if [[ "$pkg" == *@* ]]; then
    log "installing $pkg"
    (cd "$WORK" && GOFLAGS='' GOBIN="$OUT" go install "$pkg") || die "go install $pkg failed"
    continue
  fi
  log "building $name for $KUBE_VERSION (minutes on 2 cores)"
  # -trimpath and no DWARF keep the binaries small; the version stamp lets
  # `kube-apiserver --version` answer with the real version.
  (cd "$WORK" && go build -trimpath -ldflags "-s -w \
    -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION \
    -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION" \
    -o "$OUT/$name.tmp" "$pkg") || die "go build $pkg failed"
  mv "$OUT/$name.tmp" "$OUT/$name"
done

log "binaries ready in $OUT"
echo "$OUT"
