#!/usr/bin/env bash
# Brings up a real single-node Kubernetes cluster on this machine: etcd, kube-apiserver (ServiceAccount admission,
# Node,RBAC authorization, Pod Security), controller-manager, scheduler, containerd + kubelet, kube-proxy
# (iptables), kube-router's NetworkPolicy firewall, CoreDNS (cluster names only) and the project's images.
# Needs root, the Debian packages (packages.sh), the binaries (build-binaries.sh), the images (images.sh) and the
# control-plane assets (hack/build-test-assets.sh). hack/real-node/down.sh removes all of it; this script runs it
# first (a previous crashed run) and again if it fails half way.
# Writes $RN_WORK/admin.kubeconfig and prints `KUBECONFIG=<path>` as the last line of stdout.
# Invariants: see env.sh (addresses, paths). Every daemon's pid is in $RN_WORK/pids/<binary>.pid; the iptables
# guard (chains NCRN-GUARD-OUT/IN) exists before any pod does and drops pod-range traffic on any interface but lo
# and the tier's bridges; pods may reach the node address only on the API server port.
set -euo pipefail
# shellcheck source=hack/real-node/env.sh
. "$(dirname "$0")/env.sh"
assets=$(rn_test_assets)
W=$RN_WORK

fail() { rn_log "$*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root"
for b in "$assets/kube-apiserver" "$assets/etcd" "$assets/kubectl" "$RN_K8S_BIN/kubelet" "$RN_K8S_BIN/kube-proxy" \
  "$RN_K8S_BIN/kube-scheduler" "$RN_K8S_BIN/kube-controller-manager" "$RN_KUBE_ROUTER_BIN/kube-router" \
  "$RN_CACHE/images/current.tar" /usr/bin/containerd /usr/sbin/runc /usr/lib/cni/bridge; do
  [ -e "$b" ] || fail "missing $b (run hack/real-node/build-assets.sh)"
done
"$RN_HERE/down.sh"
if iptables-save 2>/dev/null | grep -q '^:KUBE-'; then fail "iptables has KUBE-* chains: another Kubernetes node runs here"; fi
trap 'rc=$?; [ $rc = 0 ] || { rn_log "failed (exit $rc); logs kept in $RN_CACHE/last-failure-logs; tearing down"; rm -rf "$RN_CACHE/last-failure-logs"; cp -r "$W/logs" "$RN_CACHE/last-failure-logs" 2>/dev/null; "$RN_HERE/down.sh"; }' EXIT
mkdir -p "$W"/{pids,logs,etcd,containerd,kubelet,pod-logs,cni/net.d,cni/ipam,pv}
touch "$W/iptables-owned" "$W/started"
# Paths outside $W that the CRI, CNI and kubelet use whatever they are told; down.sh removes the ones that did
# not exist before this run.
for p in $RN_FIXED_PATHS; do [ -e "$p" ] || echo "$p" >> "$W/created-paths"; done
kubectl() { "$assets/kubectl" --kubeconfig "$W/admin.kubeconfig" "$@"; }
start() { # name, binary, args...: a daemon in its own session, its pid recorded
  local name=$1; shift
  setsid "$@" > "$W/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$W/pids/$(basename "$1").pid"
}
wait_for() { # seconds, description, command...: fails early when a daemon started so far has exited
  local n=$1 what=$2 f; shift 2
  for _ in $(seq $((n * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    for f in "$W"/pids/*.pid; do
      kill -0 "$(cat "$f")" 2>/dev/null && continue
      tail -n 5 "$W/logs/$(basename "$f" .pid).log" >&2
      fail "$(basename "$f" .pid) exited while waiting for $what"
    done
    sleep 0.2
  done
  fail "timed out after ${n}s waiting for $what"
}
t0=$SECONDS

# Network: sysctls (saved for down.sh), node address on an empty bridge, the pod bridge, the guard.
: > "$W/sysctl.saved"
for kv in net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1; do
  echo "${kv%%=*} $(sysctl -n "${kv%%=*}")" >> "$W/sysctl.saved"
  sysctl -qw "$kv"
done
ip link add "$RN_NODE_BRIDGE" type bridge && ip addr add "$RN_NODE_IP/32" dev "$RN_NODE_BRIDGE" && ip link set "$RN_NODE_BRIDGE" up
ip link add "$RN_POD_BRIDGE" type bridge && ip addr add "$RN_POD_GATEWAY/${RN_POD_CIDR#*/}" dev "$RN_POD_BRIDGE" &&
  ip link set "$RN_POD_BRIDGE" up
iptables -t mangle -N NCRN-GUARD-OUT
for i in lo "$RN_POD_BRIDGE" "$RN_NODE_BRIDGE"; do iptables -t mangle -A NCRN-GUARD-OUT -o "$i" -j RETURN; done
iptables -t mangle -A NCRN-GUARD-OUT -j DROP
iptables -t mangle -I POSTROUTING 1 -s "$RN_GUARD_RANGE" -j NCRN-GUARD-OUT
iptables -t mangle -N NCRN-GUARD-IN
for i in lo "$RN_POD_BRIDGE" "$RN_NODE_BRIDGE"; do iptables -t mangle -A NCRN-GUARD-IN -i "$i" -j RETURN; done
iptables -t mangle -A NCRN-GUARD-IN -j DROP
iptables -t mangle -I PREROUTING 1 -d "$RN_GUARD_RANGE" -j NCRN-GUARD-IN
# Pods reach the node address only on the API server port (not etcd-free ports, the kubelet or anything else).
iptables -N NCRN-NODE-IN
iptables -A NCRN-NODE-IN -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
iptables -A NCRN-NODE-IN -p tcp --dport "$RN_API_PORT" -j RETURN
iptables -A NCRN-NODE-IN -j DROP
iptables -I INPUT 1 -s "$RN_POD_CIDR" -d "$RN_NODE_IP" -j NCRN-NODE-IN
# A DROP forward policy (a Docker engine sets one) would drop pod-to-pod traffic; appended, so the policy
# controller's chains, inserted at the top, still decide first.
if iptables -S FORWARD | grep -q '^-P FORWARD DROP'; then
  iptables -A FORWARD -i "$RN_POD_BRIDGE" -o "$RN_POD_BRIDGE" -j ACCEPT
fi

# Control plane.
"$RN_HERE/pki.sh"
P=$W/pki
start etcd "$assets/etcd" --name real-node --data-dir "$W/etcd" --unsafe-no-fsync \
  --listen-client-urls "http://$RN_LOOPBACK:$RN_ETCD_PORT" --advertise-client-urls "http://$RN_LOOPBACK:$RN_ETCD_PORT" \
  --listen-peer-urls "http://$RN_LOOPBACK:$((RN_ETCD_PORT + 1))" \
  --initial-advertise-peer-urls "http://$RN_LOOPBACK:$((RN_ETCD_PORT + 1))" \
  --initial-cluster "real-node=http://$RN_LOOPBACK:$((RN_ETCD_PORT + 1))"
start kube-apiserver "$assets/kube-apiserver" --etcd-servers "http://$RN_LOOPBACK:$RN_ETCD_PORT" \
  --bind-address "$RN_NODE_IP" --advertise-address "$RN_NODE_IP" --secure-port "$RN_API_PORT" --cert-dir "$W/pki" \
  --tls-cert-file "$P/apiserver.crt" --tls-private-key-file "$P/apiserver.key" --client-ca-file "$P/ca.crt" \
  --service-cluster-ip-range "$RN_SERVICE_CIDR" --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --service-account-issuer https://kubernetes.default.svc.cluster.local --service-account-key-file "$P/sa.pub" \
  --service-account-signing-key-file "$P/sa.key" --kubelet-client-certificate "$P/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$P/apiserver-kubelet-client.key" --kubelet-certificate-authority "$P/ca.crt" \
  --kubelet-preferred-address-types InternalIP --profiling=false
wait_for 60 "kube-apiserver /readyz" kubectl get --raw /readyz
common=(--leader-elect=false --bind-address "$RN_LOOPBACK" --profiling=false)
start kube-controller-manager "$RN_K8S_BIN/kube-controller-manager" "${common[@]}" \
  --kubeconfig "$W/controller-manager.kubeconfig" --authentication-kubeconfig "$W/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$W/controller-manager.kubeconfig" --use-service-account-credentials \
  --service-account-private-key-file "$P/sa.key" --root-ca-file "$P/ca.crt" --allocate-node-cidrs=false \
  --cluster-signing-cert-file "$P/ca.crt" --cluster-signing-key-file "$P/ca.key" --service-cluster-ip-range "$RN_SERVICE_CIDR"
start kube-scheduler "$RN_K8S_BIN/kube-scheduler" "${common[@]}" --kubeconfig "$W/scheduler.kubeconfig" \
  --authentication-kubeconfig "$W/scheduler.kubeconfig" --authorization-kubeconfig "$W/scheduler.kubeconfig"

# Node: containerd (CRI) with the images, kubelet, kube-proxy, the NetworkPolicy controller.
# The kubelet's cgroup root must exist in every hierarchy (cgroup v1: each controller; v2: the unified one).
for ctl in /sys/fs/cgroup/*/; do
  [ -d "$ctl" ] && [ "$(stat -fc %T "$ctl")" != tmpfs ] || continue
  mkdir -p "$ctl${RN_CGROUP_ROOT#/}"
  if [ -f "$ctl/cpuset.cpus" ]; then # a v1 cpuset cgroup starts empty: inherit the parent's cpus and mems
    cat "$ctl/cpuset.cpus" > "$ctl${RN_CGROUP_ROOT#/}/cpuset.cpus"
    cat "$ctl/cpuset.mems" > "$ctl${RN_CGROUP_ROOT#/}/cpuset.mems"
  fi
done
"$RN_HERE/node-config.sh"
start containerd /usr/bin/containerd --config "$W/containerd/config.toml"
wait_for 30 "containerd" ctr --address "$W/containerd/containerd.sock" version
t1=$SECONDS
ctr --address "$W/containerd/containerd.sock" -n k8s.io images import --no-unpack "$RN_CACHE/images/current.tar" > /dev/null
rn_log "images imported in $((SECONDS - t1)) s"
start kubelet "$RN_K8S_BIN/kubelet" --config "$W/kubelet/config.yaml" --kubeconfig "$W/kubelet.kubeconfig" \
  --root-dir "$W/kubelet" --hostname-override "$RN_NODE_NAME" --node-ip "$RN_NODE_IP"
start kube-proxy "$RN_K8S_BIN/kube-proxy" --config "$W/kube-proxy.yaml"
wait_for 90 "node Ready" sh -c "'$assets/kubectl' --kubeconfig '$W/admin.kubeconfig' get node $RN_NODE_NAME \
  -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
start kube-router "$RN_KUBE_ROUTER_BIN/kube-router" --kubeconfig "$W/kube-router.kubeconfig" \
  --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false --health-port=0 \
  --hostname-override "$RN_NODE_NAME" --service-cluster-ip-range "$RN_SERVICE_CIDR" \
  --runtime-endpoint "unix://$W/containerd/containerd.sock"
sed -e "s|__DNS_IP__|$RN_DNS_IP|" -e "s|__IMAGE__|$RN_COREDNS_IMAGE|" "$RN_HERE/manifests/coredns.yaml" | kubectl apply -f - > /dev/null
wait_for 120 "CoreDNS Available" kubectl -n kube-system wait --for=condition=Available deployment/coredns --timeout=1s
wait_for 30 "kube-router's chains" sh -c "iptables -S | grep -q KUBE-ROUTER-FORWARD"
# The static volume the chart's claim binds to (persistence.storageClass='-'): a local PV on this node.
mkdir -p "$W/pv/data"
kubectl apply -f - > /dev/null <<PV
apiVersion: v1
kind: PersistentVolume
metadata: {name: nanoclaw-real-node-data}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ''
  volumeMode: Filesystem
  local: {path: $W/pv/data}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$RN_NODE_NAME]}]
PV
trap - EXIT
rn_log "cluster up in $((SECONDS - t0)) s"
echo "KUBECONFIG=$W/admin.kubeconfig"
