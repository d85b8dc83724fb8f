#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's NODE_IMAGE (node:20-bookworm-slim) without any registry:
# a debootstrap minbase rootfs of $BASE_SUITE, this machine's Node.js binary, npm and Node headers under /usr/local,
# and a `node` user with uid/gid 1000 (as in the official image). The result is a rootfs tarball for `docker import`.
# Output: $NANOCLAW_CACHE_DIR/real-node/base/<suite>-node<version>-r<revision>/rootfs.tar (+ .done, written last).
# Invariants: the key names everything that shapes the image (suite, Node version, BASE_IMAGE_REVISION, which is
# bumped whenever this script changes the result); no network access except the Debian mirror.
# Prints the tarball path as the last line of stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hack/real-node/versions.env
. "$here/versions.env"
cache_root=${NANOCLAW_CACHE_DIR:-$HOME/.cache/nanoclaw}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
log() { echo "[real-node base image] $*" >&2; }

node_bin=$(command -v node)
node_version=$("$node_bin" --version)
node_prefix=$(cd "$(dirname "$(readlink -f "$node_bin")")/.." && pwd)
npm_dir="$node_prefix/lib/node_modules/npm"
headers="$node_prefix/include/node"
for p in "$npm_dir/bin/npm-cli.js" "$headers/node_api.h"; do
  [ -e "$p" ] || { log "missing $p (npm and the Node headers must sit beside $node_bin)"; exit 1; }
done
out="$cache_root/real-node/base/$BASE_SUITE-node$node_version-r$BASE_IMAGE_REVISION"
if [ -f "$out/.done" ]; then log "cached: $out"; echo "$out/rootfs.tar"; exit 0; fi

t0=$SECONDS
rm -rf "$out" && mkdir -p "$out"
root="$out/rootfs"
trap 'rm -rf "$root"' EXIT
log "debootstrap --variant=minbase $BASE_SUITE from $mirror"
debootstrap --variant=minbase "$BASE_SUITE" "$root" "$mirror" > "$out/debootstrap.log" 2>&1 ||
  { tail -n 20 "$out/debootstrap.log" >&2; exit 1; }
cat > "$root/etc/apt/sources.list" <<SOURCES
deb $mirror $BASE_SUITE main
deb $mirror $BASE_SUITE-updates main
deb ${mirror%/debian}/debian-security $BASE_SUITE-security main
SOURCES

log "adding Node.js $node_version from $node_prefix"
install -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
cp -a "$headers" "$root/usr/local/include/node"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" /usr/sbin/groupadd --gid 1000 node
chroot "$root" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
chroot "$root" /usr/local/bin/node -e 'process.exit(0)'

# As slim as the official image: no apt lists, caches, docs or logs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/var/log/*.log "$root"/tmp/*
tar --numeric-owner -C "$root" -cf "$out/rootfs.tar.partial" .
mv "$out/rootfs.tar.partial" "$out/rootfs.tar"
echo "$node_version" > "$out/node-version"
touch "$out/.done"
log "built $out in $((SECONDS - t0)) s ($(du -sh "$out/rootfs.tar" | cut -f1))"
echo "$out/rootfs.tar"
