#!/usr/bin/env bash
# Builds the real node's Go binaries from pinned modules, each cached by its own version (a version change
# rebuilds only that component):
#   kubelet, kube-proxy, kube-scheduler, kube-controller-manager  (hack/tools/k8s, K8S_VERSION in hack/test-assets.env)
#   coredns                                                        (hack/tools/coredns, COREDNS_VERSION)
#   kube-router (only its NetworkPolicy firewall controller is used) (hack/tools/kube-router, KUBE_ROUTER_VERSION)
# Output: $NANOCLAW_CACHE_DIR/real-node/bin/<component>-<version>/ (default ~/.cache/nanoclaw).
# Invariants: GOTOOLCHAIN=local, CGO_ENABLED=0, GOFLAGS=-mod=mod; the wrapper modules' go.mod pin every version;
# a component directory is complete only when its .done file exists (written last).
# Usage: build-binaries.sh [k8s|coredns|kube-router]...  (default: all). Prints nothing on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=$(cd "$here/../tools" && pwd)
# shellcheck source=hack/test-assets.env
. "$here/../test-assets.env"
# shellcheck source=hack/real-node/versions.env
. "$here/versions.env"
cache_root=${NANOCLAW_CACHE_DIR:-$HOME/.cache/nanoclaw}
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
export GOCACHE=${GOCACHE:-$cache_root/go-build} GOMODCACHE=${GOMODCACHE:-$cache_root/go-mod}
log() { echo "[real-node binaries] $*" >&2; }

build() { # component, version, module dir, ldflags, packages...
  local name=$1 version=$2 dir=$3 ldf=$4; shift 4
  local out="$cache_root/real-node/bin/$name-$version" t0=$SECONDS
  if [ -f "$out/.done" ]; then log "cached: $out"; return; fi
  rm -rf "$out" && mkdir -p "$out"
  log "building $name $version ($*)"
  (cd "$dir" && go build -trimpath -ldflags "$ldf" -o "$out/" "$@")
  touch "$out/.done"
  log "built $name $version in $((SECONDS - t0)) s"
}

k8s() {
  local minor
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  grep -q "k8s.io/kubernetes v$K8S_VERSION" "$tools/k8s/go.mod" || { log "hack/tools/k8s/go.mod does not pin v$K8S_VERSION"; exit 1; }
  build k8s "v$K8S_VERSION" "$tools/k8s" "-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
-X k8s.io/component-base/version.gitTreeState=clean" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-controller-manager
}
coredns() {
  grep -q "github.com/coredns/coredns v$COREDNS_VERSION" "$tools/coredns/go.mod" || { log "hack/tools/coredns/go.mod does not pin v$COREDNS_VERSION"; exit 1; }
  build coredns "v$COREDNS_VERSION" "$tools/coredns" "-s -w" github.com/coredns/coredns
}
kube_router() {
  grep -q "github.com/cloudnativelabs/kube-router/v2 v$KUBE_ROUTER_VERSION" "$tools/kube-router/go.mod" || { log "hack/tools/kube-router/go.mod does not pin v$KUBE_ROUTER_VERSION"; exit 1; }
  build kube-router "v$KUBE_ROUTER_VERSION" "$tools/kube-router" \
    "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=v$KUBE_ROUTER_VERSION" \
    github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
}

[ $# -gt 0 ] || set -- k8s coredns kube-router
for c in "$@"; do
  case $c in
    k8s) k8s ;;
    coredns) coredns ;;
    kube-router) kube_router ;;
    *) log "unknown component $c"; exit 2 ;;
  esac
done
