#!/usr/bin/env bash
# Creates the real node's PKI and kubeconfigs in $RN_WORK/pki (fresh for every cluster; nothing is reused):
# one CA for serving and client certificates, the ServiceAccount key pair, and one client certificate per
# component with the identity the Node and RBAC authorizers expect.
set -euo pipefail
# shellcheck source=hack/real-node/env.sh
. "$(dirname "$0")/env.sh"
d="$RN_WORK/pki"
mkdir -p "$d" && cd "$d"
umask 077
ssl() { openssl "$@" 2>/dev/null; }

ssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=nanoclaw-real-node-ca"
ssl genrsa -out sa.key 2048
ssl rsa -in sa.key -pubout -out sa.pub

leaf() { # name, subject, extendedKeyUsage, subjectAltName (or '')
  local ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$3"
  [ -z "$4" ] || ext="$ext
subjectAltName=$4"
  ssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
  ssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out "$1.crt" -extfile <(echo "$ext")
  rm -f "$1.csr"
}
leaf apiserver /CN=kube-apiserver serverAuth \
  "IP:$RN_NODE_IP,IP:$RN_API_SERVICE_IP,IP:$RN_LOOPBACK,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
leaf kubelet-serving "/CN=system:node:$RN_NODE_NAME/O=system:nodes" serverAuth "IP:$RN_NODE_IP,DNS:$RN_NODE_NAME"
leaf apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client/O=system:masters" clientAuth ''
leaf admin /CN=nanoclaw-real-node-admin/O=system:masters clientAuth ''
leaf kubelet "/CN=system:node:$RN_NODE_NAME/O=system:nodes" clientAuth ''
leaf controller-manager /CN=system:kube-controller-manager clientAuth ''
leaf scheduler /CN=system:kube-scheduler clientAuth ''
leaf kube-proxy /CN=system:kube-proxy clientAuth ''
leaf kube-router /CN=nanoclaw-real-node-kube-router/O=system:masters clientAuth ''

for who in admin kubelet controller-manager scheduler kube-proxy kube-router; do
  cat > "$RN_WORK/$who.kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: real-node
    cluster:
      server: https://$RN_NODE_IP:$RN_API_PORT
      certificate-authority: $d/ca.crt
users:
  - name: $who
    user:
      client-certificate: $d/$who.crt
      client-key: $d/$who.key
contexts:
  - name: real-node
    context: {cluster: real-node, user: $who}
current-context: real-node
KUBECONFIG
done
chmod 0644 ca.crt
