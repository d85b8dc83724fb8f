#!/usr/bin/env bash
# Builds the real Kubernetes test assets from Go modules (no downloads from GitHub, no container engine):
#   kube-apiserver + kubectl (k8s.io/kubernetes, wrapper module in hack/tools/k8s),
#   etcd (go.etcd.io/etcd/server/v3, wrapper module in hack/tools/etcd),
#   helm and kubeconform (plain `go build` of their published modules, wrapper in hack/tools/helm),
#   dockerfile-check (BuildKit's Dockerfile parser and linter, hack/tools/dockerfile-check; rebuilt when
#   BUILDKIT_VERSION changes, without touching the other binaries).
# Output: $NANOCLAW_CACHE_DIR/test-assets/<versions>/bin (default ~/.cache/nanoclaw), reused when complete.
# If KUBEBUILDER_ASSETS is set and holds kube-apiserver, etcd and kubectl, it is used instead.
# Prints the bin directory as the last line of stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hack/test-assets.env
. "$here/test-assets.env"
K8S_MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
STAGING="0.${K8S_MINOR}.$(echo "$K8S_VERSION" | cut -d. -f3)"
cache_root=${NANOCLAW_CACHE_DIR:-$HOME/.cache/nanoclaw}
key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}_kubeconform-${KUBECONFORM_VERSION}"
bin="$cache_root/test-assets/$key/bin"
want="kube-apiserver kubectl etcd helm kubeconform dockerfile-check"
log() { echo "[test-assets] $*" >&2; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ] && [ -x "$KUBEBUILDER_ASSETS/etcd" ]; then
  log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
  bin=$KUBEBUILDER_ASSETS
fi

missing=""
for b in $want; do [ -x "$bin/$b" ] || missing="$missing $b"; done
[ "$(cat "$bin/.dockerfile-check-version" 2>/dev/null)" = "$BUILDKIT_VERSION" ] || missing="$missing dockerfile-check"
if [ -z "$missing" ]; then
  log "cached: $bin"
  echo "$bin"
  exit 0
fi

mkdir -p "$bin"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
export GOCACHE=${GOCACHE:-$cache_root/go-build} GOMODCACHE=${GOMODCACHE:-$cache_root/go-mod}
build() { # name, module dir, ldflags, packages...
  local name=$1 dir=$2 ldf=$3; shift 3
  local t0=$SECONDS
  log "building $name from $(basename "$dir") ($*)"
  (cd "$dir" && go build -trimpath -ldflags "$ldf" -o "$bin/" "$@")
  log "built $name in $((SECONDS - t0)) s"
}

case " $missing " in *" kube-apiserver "*|*" kubectl "*)
  ldf="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 \
-X k8s.io/component-base/version.gitMinor=$K8S_MINOR -X k8s.io/component-base/version.gitTreeState=clean \
-X k8s.io/client-go/pkg/version.gitVersion=v$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 \
-X k8s.io/client-go/pkg/version.gitMinor=$K8S_MINOR"
  grep -q "k8s.io/kubernetes v$K8S_VERSION" "$here/tools/k8s/go.mod" || { log "hack/tools/k8s/go.mod does not pin k8s.io/kubernetes v$K8S_VERSION (staging v$STAGING)"; exit 1; }
  build "kube-apiserver+kubectl v$K8S_VERSION" "$here/tools/k8s" "$ldf" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
  ;;
esac
case " $missing " in *" etcd "*)
  build "etcd v$ETCD_VERSION" "$here/tools/etcd" "-s -w" go.etcd.io/etcd/server/v3
  mv -f "$bin/v3" "$bin/etcd" 2>/dev/null || true
  [ -x "$bin/server" ] && mv -f "$bin/server" "$bin/etcd"
  ;;
esac
case " $missing " in *" helm "*|*" kubeconform "*)
  build "helm v$HELM_VERSION + kubeconform v$KUBECONFORM_VERSION" "$here/tools/helm" "-s -w" \
    helm.sh/helm/v3/cmd/helm github.com/yannh/kubeconform/cmd/kubeconform
  ;;
esac
case " $missing " in *" dockerfile-check "*)
  grep -q "github.com/moby/buildkit v$BUILDKIT_VERSION" "$here/tools/dockerfile-check/go.mod" || { log "hack/tools/dockerfile-check/go.mod does not pin github.com/moby/buildkit v$BUILDKIT_VERSION"; exit 1; }
  build "dockerfile-check (buildkit v$BUILDKIT_VERSION)" "$here/tools/dockerfile-check" "-s -w" .
  echo "$BUILDKIT_VERSION" > "$bin/.dockerfile-check-version"
  ;;
esac
for b in $want; do [ -x "$bin/$b" ] || { log "missing $b after build"; ls -la "$bin" >&2; exit 1; }; done
log "ready: $bin"
echo "$bin"
