#!/usr/bin/env bash
# Deletes the kind cluster of hack/kind-up.sh, with everything in it (the data volume included).
set -euo pipefail
kind delete cluster --name "${KIND_CLUSTER:-nanoclaw}"
