#!/usr/bin/env bash
# Installs the Debian packages the real-node tier needs (container engine, CRI, CNI plugins, iptables tools,
# debootstrap), only those missing. Needs root and apt. Services are not started here: every daemon the tier uses
# is started by hack/real-node/up.sh with its own state directories.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hack/real-node/versions.env
. "$here/versions.env"
log() { echo "[real-node packages] $*" >&2; }

missing=()
for p in $DEBIAN_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  log "all installed"
  exit 0
fi
[ "$(id -u)" = 0 ] || { log "not root: cannot install ${missing[*]}"; exit 1; }
command -v apt-get >/dev/null || { log "no apt-get: install ${missing[*]} by hand"; exit 1; }
log "installing ${missing[*]}"
t0=$SECONDS
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d (if the machine has one) keeps the packages' services from starting; the tier starts its own.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "installed in $((SECONDS - t0)) s"
