#!/usr/bin/env bash
# Builds the images the real node runs, with a Docker engine this script starts and stops (Debian's docker.io,
# the legacy builder: BuildKit cannot fetch its frontend offline):
#   nanoclaw:real-node, nanoclaw-runner:real-node  the project's Dockerfile, targets host and agent-runner, exactly as
#                                                  users build it, with NODE_IMAGE = the local base image
#                                                  (base-image.sh) and EXTRA_CA_CERTS = this machine's added CAs;
#   nanoclaw.local/pause:catatonit                 the pod sandbox (Debian's static catatonit);
#   nanoclaw.local/coredns:v<version>              the CoreDNS binary from build-binaries.sh.
# Output: $RN_CACHE/images/<image ids>.tar (one `docker save` of all four) and the symlink images/current.tar;
# images/current.key is the hash of everything the images are built from (sources, versions, base, CAs): when it
# matches, nothing is built and no engine starts.
# Both targets are built from one snapshot of the sources, copied first (a tree that changes between the two
# builds would give images of different code): NANOCLAW_REAL_NODE_SOURCE=worktree (default: the checkout as it
# is, untracked files included, .gitignore'd ones not) or head (the last commit, `git archive HEAD`).
# Invariants: the engine is ours alone (own data root in the cache, so its layer cache makes warm builds quick;
# own exec root, socket and pidfile; no bridge, no iptables changes) and it is stopped by pid on every exit.
set -euo pipefail
# shellcheck source=hack/real-node/env.sh
. "$(dirname "$0")/env.sh"
repo=$(cd "$RN_HERE/../.." && pwd)
base_tar=$1
data_root="$RN_CACHE/docker"
exec_root=/run/nanoclaw-rn-docker
sock="$exec_root/docker.sock"
export DOCKER_HOST="unix://$sock" DOCKER_BUILDKIT=0
docker=/usr/bin/docker # Debian's CLI, the engine's own version
[ -x "$docker" ] || { rn_log "no $docker (docker.io not installed?)"; exit 1; }

stop_engine() {
  local pid
  pid=$(cat "$exec_root/dockerd.pid" 2>/dev/null) || pid=''
  if [ -n "$pid" ] && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # What the engine leaves in its exec root: the default netns bind mount, runtime state.
  awk -v r="$exec_root" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r | xargs -r -n1 umount -l
  rm -rf "$exec_root"
}
context="$RN_CACHE/context"
rm -rf "$context" && mkdir -p "$context"
case ${NANOCLAW_REAL_NODE_SOURCE:-worktree} in
  head) git -C "$repo" archive HEAD | tar -C "$context" -xf - ;;
  # (files deleted but not yet committed are listed too; tar skips them)
  worktree) (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
    tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$context" -xf -) ;;
  *) rn_log "NANOCLAW_REAL_NODE_SOURCE must be worktree or head"; exit 2 ;;
esac
# Only what .dockerignore lets into the build context counts (docs or tests changing rebuild nothing): its
# patterns as regular expressions — `**/x` anywhere, others from the root, `*` within one path segment.
ignore=''
while IFS= read -r pat; do
  pat=${pat%%#*} && pat=${pat%"${pat##*[![:space:]]}"}
  [ -n "$pat" ] || continue
  anywhere='^'
  case $pat in '**/'*) anywhere='(^|/)' && pat=${pat#'**/'} ;; esac
  ignore="${ignore:+$ignore|}$anywhere$(printf '%s' "$pat" | sed -e 's/\./\\./g' -e 's/\*/[^\/]*/g')(/|\$)"
done < "$context/.dockerignore"
(cd "$context" && find . -type f | sed 's|^\./||' | grep -E "$ignore" | grep -v -x '.dockerignore' | tr '\n' '\0' |
  xargs -0 -r rm -f)
rn_log "sources: ${NANOCLAW_REAL_NODE_SOURCE:-worktree} ($(git -C "$repo" rev-parse --short HEAD))"

extra_ca=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)
# Unchanged sources, base image, CA certificates and pinned versions: the saved images are current, no engine needed.
key=$( (cd "$context" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; cat "$RN_HERE/versions.env" "$RN_HERE/env.sh";
  echo "$base_tar $extra_ca") | sha256sum | cut -c1-32)
if [ -f "$RN_CACHE/images/current.tar" ] && [ "$(cat "$RN_CACHE/images/current.key" 2>/dev/null)" = "$key" ]; then
  rn_log "cached: $(readlink "$RN_CACHE/images/current.tar") (sources unchanged)"
  exit 0
fi

stop_engine # a previous run's engine that crashed before its trap
# The engine's own containerd creates /opt/containerd and its shims /run/containerd whatever the roots say;
# removed again if they were not there.
created=''
for p in /opt/containerd /run/containerd; do [ -e "$p" ] || created="$created $p"; done
# shellcheck disable=SC2086
trap 'stop_engine; [ -z "$created" ] || rm -rf $created' EXIT
mkdir -p "$data_root" "$exec_root"
mount --make-rshared / # dockerd's overlay mounts need shared propagation on this machine
dockerd --data-root "$data_root" --exec-root "$exec_root" -H "unix://$sock" --pidfile "$exec_root/dockerd.pid" \
  --bridge=none --iptables=false --ip-masq=false --ip6tables=false --ip-forward=false --storage-driver overlay2 \
  > "$RN_CACHE/dockerd.log" 2>&1 &
for _ in $(seq 150); do "$docker" version >/dev/null 2>&1 && break; sleep 0.2; done
"$docker" version >/dev/null || { tail -n 20 "$RN_CACHE/dockerd.log" >&2; exit 1; }

node_version=$(cat "$(dirname "$base_tar")/node-version")
base_image="nanoclaw.local/node:${node_version#v}-$BASE_SUITE-slim-r$BASE_IMAGE_REVISION"
if ! "$docker" image inspect "$base_image" >/dev/null 2>&1; then
  rn_log "importing $base_image"
  "$docker" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${node_version#v}" --change 'ENV npm_config_nodedir=/usr/local' \
    --change 'CMD ["node"]' "$base_tar" "$base_image" >/dev/null
fi

tiny() { # image, binary, entrypoint json: a one-binary image (static binaries only)
  "$docker" image inspect "$1" >/dev/null 2>&1 && return
  local dir
  dir=$(mktemp -d)
  install -m 0755 "$2" "$dir/$(basename "$2")"
  tar --numeric-owner --owner=0 --group=0 -C "$dir" -cf - . | "$docker" import --change "ENTRYPOINT $3" - "$1" >/dev/null
  rm -rf "$dir"
}

for target in host agent-runner; do
  tag=$RN_HOST_IMAGE
  [ "$target" = host ] || tag=$RN_RUNNER_IMAGE
  t0=$SECONDS
  rn_log "docker build --target $target -t $tag (NODE_IMAGE=$base_image)"
  "$docker" build --network host --target "$target" -t "$tag" --build-arg NODE_IMAGE="$base_image" \
    --build-arg EXTRA_CA_CERTS="$extra_ca" "$context" > "$RN_CACHE/build-$target.log" 2>&1 ||
    { tail -n 30 "$RN_CACHE/build-$target.log" >&2; exit 1; }
  rn_log "built $tag in $((SECONDS - t0)) s"
done

tiny "$RN_PAUSE_IMAGE" /usr/bin/catatonit '["/catatonit", "-P"]'
tiny "$RN_COREDNS_IMAGE" "$RN_COREDNS_BIN/coredns" '["/coredns"]'

images="$RN_HOST_IMAGE $RN_RUNNER_IMAGE $RN_PAUSE_IMAGE $RN_COREDNS_IMAGE"
# shellcheck disable=SC2086
ids=$("$docker" image inspect --format '{{.Id}}' $images | sed 's/^sha256://' | cut -c1-12 | tr '\n' _)
out="$RN_CACHE/images/${ids%_}.tar"
mkdir -p "$RN_CACHE/images"
if [ ! -f "$out" ]; then
  t0=$SECONDS
  # shellcheck disable=SC2086
  "$docker" save $images > "$out.partial" && mv "$out.partial" "$out"
  rn_log "saved $(du -sh "$out" | cut -f1) in $((SECONDS - t0)) s"
  find "$RN_CACHE/images" -name '*.tar' ! -name "$(basename "$out")" ! -name current.tar -delete
fi
ln -sfn "$(basename "$out")" "$RN_CACHE/images/current.tar"
echo "$key" > "$RN_CACHE/images/current.key"
# Old layers of rebuilt images would pile up in the cache.
"$docker" image prune -f >/dev/null
rn_log "images: $out"
