#!/usr/bin/env bash
# A Docker engine for the docker-runtime tier (test/docker/), started the way images.sh starts its own: Debian's
# docker.io, own data root ($RN_CACHE/docker-runtime), exec root, socket and pidfile; no bridge, no iptables
# changes. `up` loads the images images.sh saved (skipped when the engine already has that runner image) and
# prints DOCKER_HOST=<socket URL> as its last line; `down` stops the engine by pid and removes what it created.
# Invariant: the engine is this tier's alone (own roots, socket and pidfile); it is stopped only by its pid.
# Exit 3: this machine cannot run the tier; the reason is the last line of stdout ("skip: <why>").
set -euo pipefail
# shellcheck source=hack/real-node/env.sh
. "$(dirname "$0")/env.sh"
skip() { echo "skip: $*"; exit 3; }
data_root="$RN_CACHE/docker-runtime"
exec_root=/run/nanoclaw-docker-runtime
sock="$exec_root/docker.sock"
created_file="$data_root.created"
export DOCKER_HOST="unix://$sock"
docker=/usr/bin/docker # Debian's CLI, the engine's own version

stop_engine() {
  local pid
  pid=$(cat "$exec_root/dockerd.pid" 2>/dev/null) || pid=''
  if [ -n "$pid" ] && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  awk -v r="$exec_root" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r | xargs -r -n1 umount -l
  rm -rf "$exec_root"
  # /opt/containerd and /run/containerd, when this engine created them: only what is left empty (a cluster's
  # containerd running beside this tier keeps its own entries there).
  if [ -f "$created_file" ]; then
    while IFS= read -r p; do [ -d "$p" ] && find "$p" -depth -type d -empty -delete; done < "$created_file"
    rm -f "$created_file"
  fi
  return 0
}

case ${1:-} in
  down) stop_engine; exit 0 ;;
  up) ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || skip "not root (the tier starts a Docker engine)"
command -v dockerd >/dev/null && [ -x "$docker" ] || skip "no Docker engine (apt install docker.io)"
images="$RN_CACHE/images/current.tar"
[ -f "$images" ] || { rn_log "no $images: run hack/real-node/build-assets.sh"; exit 1; }

stop_engine # a previous run's engine
: > "$created_file"
for p in /opt/containerd /run/containerd; do [ -e "$p" ] || echo "$p" >> "$created_file"; done
mkdir -p "$data_root" "$exec_root"
mount --make-rshared /
dockerd --data-root "$data_root" --exec-root "$exec_root" -H "unix://$sock" --pidfile "$exec_root/dockerd.pid" \
  --bridge=none --iptables=false --ip-masq=false --ip6tables=false --ip-forward=false --storage-driver overlay2 \
  > "$RN_CACHE/docker-runtime.log" 2>&1 &
for _ in $(seq 150); do "$docker" version >/dev/null 2>&1 && break; sleep 0.2; done
"$docker" version >/dev/null || { tail -n 20 "$RN_CACHE/docker-runtime.log" >&2; stop_engine; exit 1; }
# The saved file is named after the image ids (host_runner_pause_coredns, 12 hex digits each).
want=$(basename "$(readlink -f "$images")" .tar | cut -d_ -f2)
have=$("$docker" image inspect --format '{{.Id}}' "$RN_RUNNER_IMAGE" 2>/dev/null | sed 's/^sha256://' | cut -c1-12) || have=''
if [ "$want" != "$have" ]; then
  t0=$SECONDS
  "$docker" load -i "$images" >/dev/null || { stop_engine; exit 1; }
  "$docker" image prune -f >/dev/null
  rn_log "loaded $images in $((SECONDS - t0)) s"
fi
echo "DOCKER_HOST=$DOCKER_HOST"
