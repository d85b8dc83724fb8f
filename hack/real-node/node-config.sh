#!/usr/bin/env bash
# Writes the node's configuration into $RN_WORK: containerd (CRI, runc with cgroupfs, overlayfs, the local pause
# image, own root/state/socket), the CNI network (one bridge, host-local IPAM on the pod /24, no masquerade),
# the kubelet (cgroupfs under $RN_CGROUP_ROOT, TLS serving cert, x509 client auth, cluster DNS, no image GC of the
# imported images) and kube-proxy (iptables mode, no sysctl writes this machine refuses).
set -euo pipefail
# shellcheck source=hack/real-node/env.sh
. "$(dirname "$0")/env.sh"
W=$RN_WORK
P=$W/pki

cat > "$W/containerd/config.toml" <<TOML
version = 2
root = "$W/containerd/root"
state = "$W/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$W/containerd/containerd.sock"
[ttrpc]
  address = "$W/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$W/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$RN_PAUSE_IMAGE"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "$W/containerd/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$W/cni/net.d"
    max_conf_num = 1
TOML

cat > "$W/cni/net.d/10-nanoclaw-real-node.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "nanoclaw-real-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$RN_POD_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$W/cni/ipam",
        "ranges": [[{ "subnet": "$RN_POD_CIDR", "gateway": "$RN_POD_GATEWAY" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
JSON

# Pods with dnsPolicy Default get this: the cluster's DNS, never the machine's resolvers.
echo "nameserver $RN_DNS_IP" > "$W/resolv.conf"

cat > "$W/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $RN_NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: $RN_LOOPBACK
healthzPort: 10248
tlsCertFile: $P/kubelet-serving.crt
tlsPrivateKeyFile: $P/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $P/ca.crt}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$W/containerd/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: $RN_CGROUP_ROOT
failSwapOn: false
failCgroupV1: false
oomScoreAdj: 0
clusterDomain: cluster.local
clusterDNS: [$RN_DNS_IP]
resolvConf: $W/resolv.conf
podLogsDir: $W/pod-logs
hairpinMode: hairpin-veth
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
imageMinimumGCAge: 87600h
evictionHard: {memory.available: 50Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
evictionPressureTransitionPeriod: 10s
serializeImagePulls: false
maxPods: 50
syncFrequency: 10s
fileCheckFrequency: 0s
staticPodPath: ""
YAML

cat > "$W/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $W/kube-proxy.kubeconfig}
mode: iptables
hostnameOverride: $RN_NODE_NAME
bindAddress: $RN_NODE_IP
clusterCIDR: $RN_POD_CIDR
healthzBindAddress: $RN_LOOPBACK:10256
metricsBindAddress: $RN_LOOPBACK:10249
nodePortAddresses: [$RN_NODE_IP/32]
iptables: {localhostNodePorts: false, masqueradeAll: false, syncPeriod: 10s, minSyncPeriod: 0s}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
