# Shared settings of the real-node tier (sourced by the other scripts in hack/real-node/).
# Invariants:
# - every address the cluster uses is on loopback (127.0.209.1) or on the two bridges the tier creates
#   (ncrn-node: the node address; ncrn-pods: the pod network); nothing listens on the machine's uplink;
# - every file the cluster writes is under $RN_WORK, except what cleanup sweeps by name (netns, CNI results,
#   cgroups under $RN_CGROUP_ROOT, iptables chains NCRN-* and kube-router's, ipsets, the two bridges) and the
#   $RN_FIXED_PATHS it created;
# - caches (binaries, images, Docker's layer cache) live under $RN_CACHE and survive teardown.
# shellcheck shell=bash
RN_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=hack/test-assets.env
. "$RN_HERE/../test-assets.env"
# shellcheck source=hack/real-node/versions.env
. "$RN_HERE/versions.env"
RN_CACHE=${NANOCLAW_CACHE_DIR:-$HOME/.cache/nanoclaw}/real-node
RN_WORK=${NANOCLAW_REAL_NODE_DIR:-/var/lib/nanoclaw-real-node}
RN_NODE_NAME=nanoclaw-real-node
RN_NODE_BRIDGE=ncrn-node
RN_POD_BRIDGE=ncrn-pods
RN_NODE_IP=10.209.255.1
RN_POD_CIDR=10.209.0.0/24
RN_POD_GATEWAY=10.209.0.1
RN_SERVICE_CIDR=10.209.128.0/24
RN_API_SERVICE_IP=10.209.128.1
RN_DNS_IP=10.209.128.10
RN_GUARD_RANGE=10.209.0.0/16
RN_LOOPBACK=127.0.209.1
RN_ETCD_PORT=2379
RN_API_PORT=6443
RN_CGROUP_ROOT=/nanoclaw-real-node
RN_IMAGE_TAG=real-node
RN_HOST_IMAGE=nanoclaw:$RN_IMAGE_TAG
RN_RUNNER_IMAGE=nanoclaw-runner:$RN_IMAGE_TAG
RN_PAUSE_IMAGE=nanoclaw.local/pause:catatonit
RN_COREDNS_IMAGE=nanoclaw.local/coredns:v$COREDNS_VERSION
# Fixed paths the components use whatever their configuration says (libcni's result cache, containerd's shim
# sockets, the kubelet's device-plugin directory and container log links, network namespaces): up.sh records
# which of them it created, down.sh removes exactly those.
RN_FIXED_PATHS="/var/lib/cni /run/containerd /var/lib/kubelet /var/log/containers /var/log/pods /run/netns"
RN_K8S_BIN=$RN_CACHE/bin/k8s-v$K8S_VERSION
RN_COREDNS_BIN=$RN_CACHE/bin/coredns-v$COREDNS_VERSION
RN_KUBE_ROUTER_BIN=$RN_CACHE/bin/kube-router-v$KUBE_ROUTER_VERSION

rn_log() { echo "[real-node $(basename "$0" .sh)] $*" >&2; }
# The control-plane binaries the Kubernetes tier builds (kube-apiserver, etcd, kubectl, helm).
rn_test_assets() {
  if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ]; then echo "$KUBEBUILDER_ASSETS"; return; fi
  local key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}_kubeconform-${KUBECONFORM_VERSION}"
  echo "${NANOCLAW_CACHE_DIR:-$HOME/.cache/nanoclaw}/test-assets/$key/bin"
}
