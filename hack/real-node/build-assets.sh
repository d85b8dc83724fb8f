#!/usr/bin/env bash
# Builds (or finds cached) everything the real-node tier needs, in order: Debian packages, the node's Go binaries,
# the local base image and the project's images. Each piece is cached by version under
# $NANOCLAW_CACHE_DIR/real-node (default ~/.cache/nanoclaw/real-node); see the scripts it calls.
# Exit 0: ready. Exit 3: this machine cannot run the tier; the reason is the last line of stdout ("skip: <why>").
# Any other exit: a build failed.
set -euo pipefail
# shellcheck source=hack/real-node/env.sh
. "$(dirname "$0")/env.sh"
skip() { echo "skip: $*"; exit 3; }

# What the tier needs from the machine, checked before spending minutes on builds.
[ "$(uname -s)" = Linux ] || skip "not Linux"
[ "$(id -u)" = 0 ] || skip "not root (the tier starts a kubelet, containerd and a Docker engine)"
command -v apt-get >/dev/null || command -v dockerd >/dev/null || skip "no apt-get to install docker.io, containerd and the CNI plugins"
command -v unshare >/dev/null && unshare --net --mount --pid --fork true 2>/dev/null || skip "cannot create network, mount and pid namespaces (no container support)"
[ -d /sys/fs/cgroup ] && [ -n "$(ls /sys/fs/cgroup)" ] || skip "no cgroup filesystem"
[ -d /proc/sys/net/bridge ] || skip "no bridge netfilter (br_netfilter) in this kernel"
command -v go >/dev/null || skip "no Go toolchain (needed to build kubelet, CoreDNS and kube-router)"

t0=$SECONDS
"$RN_HERE/packages.sh"
"$RN_HERE/build-binaries.sh"
base=$("$RN_HERE/base-image.sh" | tail -n 1)
"$RN_HERE/images.sh" "$base"
rn_log "ready in $((SECONDS - t0)) s"
