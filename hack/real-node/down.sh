#!/usr/bin/env bash
# Tears the real node down and sweeps what a crashed run left: safe to run at any time, any number of times.
# Order: processes (by the pids up.sh recorded, never by name), then containers' leftovers (mounts under $RN_WORK,
# network namespaces holding a pod address, pod cgroups under $RN_CGROUP_ROOT, CNI results), then the network
# (iptables chains and rules of the tier, kube-proxy and kube-router, their ipsets, the two bridges, sysctls it
# changed), then $RN_WORK itself. Iptables chains of Kubernetes components are removed only when
# $RN_WORK/iptables-owned shows this tier created them (up.sh refuses to start beside another node).
set -uo pipefail
# shellcheck source=hack/real-node/env.sh
. "$(dirname "$0")/env.sh"

# 1. Processes, newest first, each given a few seconds to exit.
if [ -d "$RN_WORK/pids" ]; then
  for f in $(ls -t "$RN_WORK/pids"/*.pid 2>/dev/null); do
    pid=$(cat "$f")
    # Only a process still running the binary we started (pids may be reused after a crash).
    if [ -n "$pid" ] && grep -qF "$(basename "$f" .pid)" "/proc/$pid/cmdline" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$f"
  done
fi
# Container processes outlive containerd (shims): kill what still runs in the pod cgroups.
for ctl in /sys/fs/cgroup/*/"${RN_CGROUP_ROOT#/}"; do
  [ -d "$ctl" ] || continue
  find "$ctl" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | xargs -r kill -9 2>/dev/null
done
# containerd-shim processes of our containerd (their cmdline names our socket).
for p in /proc/[0-9]*; do
  if { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -q "containerd-shim.*$RN_WORK/containerd"; then
    kill -9 "${p#/proc/}" 2>/dev/null
  fi
done

# 2. Leftovers of containers.
if [ -d "$RN_WORK" ]; then
  for _ in 1 2 3; do
    mounts=$(awk -v w="$RN_WORK" 'index($2, w) == 1 {print $2}' /proc/self/mounts | sort -r)
    [ -n "$mounts" ] || break
    for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  done
fi
for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
  if ip netns exec "$ns" ip -4 -o addr show 2>/dev/null | grep -q " ${RN_POD_CIDR%.*}\."; then ip netns delete "$ns"; fi
done
for ctl in /sys/fs/cgroup/*/"${RN_CGROUP_ROOT#/}"; do
  [ -d "$ctl" ] && find "$ctl" -depth -type d -exec rmdir {} + 2>/dev/null
done
# libcni's result cache (containerd 1.6 cannot move it): the files written since up.sh started, and the
# directories if up.sh found none.
if [ -f "$RN_WORK/started" ] && [ -d /var/lib/cni/results ]; then
  find /var/lib/cni/results -maxdepth 1 -type f -newer "$RN_WORK/started" -delete
fi
if [ -f "$RN_WORK/created-paths" ]; then
  while read -r p; do case " $RN_FIXED_PATHS " in *" $p "*) rm -rf "$p" ;; esac; done < "$RN_WORK/created-paths"
fi

# 3. Network.
if [ -f "$RN_WORK/iptables-owned" ]; then
  for t in filter nat mangle raw; do
    rules=$(iptables-save -t "$t" 2>/dev/null) || continue
    # Rules in built-in chains that jump to a tier chain, then the chains themselves.
    echo "$rules" | grep -E '^-A (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) .*-j (KUBE-|NCRN-)' |
      sed 's/^-A/-D/' | while read -r r; do eval "iptables -t $t $r" 2>/dev/null; done
    chains=$(echo "$rules" | awk '/^:(KUBE-|NCRN-)/ {print substr($1, 2)}')
    for c in $chains; do iptables -t "$t" -F "$c" 2>/dev/null; done
    for c in $chains; do iptables -t "$t" -X "$c" 2>/dev/null; done
  done
  ipset list -n 2>/dev/null | grep -E '^(KUBE-|inet6:KUBE-)' | xargs -r -n1 ipset destroy 2>/dev/null
fi
# Rules the tier adds to built-in chains directly (up.sh: FORWARD accepts on the pod bridge when the policy is DROP).
while iptables -D FORWARD -i "$RN_POD_BRIDGE" -o "$RN_POD_BRIDGE" -j ACCEPT 2>/dev/null; do :; done
for br in "$RN_POD_BRIDGE" "$RN_NODE_BRIDGE"; do ip link delete "$br" 2>/dev/null; done
# veths whose pod end vanished with its namespace are gone with it; any left on our bridge went with the bridge.
if [ -f "$RN_WORK/sysctl.saved" ]; then
  while read -r key value; do sysctl -qw "$key=$value" 2>/dev/null; done < "$RN_WORK/sysctl.saved"
fi

# 4. State.
rm -rf "$RN_WORK"
exit 0
