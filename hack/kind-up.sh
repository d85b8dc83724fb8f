#!/usr/bin/env bash
# NanoClaw on a local kind cluster, for users (needs docker, kind, kubectl and helm; not run by the tests):
# creates the cluster (unless it exists), builds both images, loads them into the cluster, creates the Secret,
# installs the chart, applies examples/ and runs `helm test`. Then: hack/kind-chat.sh.
#
# Environment: KIND_CLUSTER (nanoclaw), NAMESPACE (nanoclaw), RELEASE (nanoclaw), TAG (dev),
# ANTHROPIC_API_KEY (optional; without it the examples' mock provider still answers).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cluster=${KIND_CLUSTER:-nanoclaw}
ns=${NAMESPACE:-nanoclaw}
release=${RELEASE:-nanoclaw}
tag=${TAG:-dev}
ctx="kind-$cluster"
secret="$release-keys"
for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "kind-up: $tool is required" >&2; exit 1; }
done

kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster"

docker build --target host -t "nanoclaw:$tag" "$root"
docker build --target agent-runner -t "nanoclaw-runner:$tag" "$root"
kind load docker-image --name "$cluster" "nanoclaw:$tag" "nanoclaw-runner:$tag"

kubectl --context "$ctx" create namespace "$ns" --dry-run=client -o yaml | kubectl --context "$ctx" apply -f -
# Keep the web token across runs; (re)set the Anthropic key from the environment.
token=$(kubectl --context "$ctx" -n "$ns" get secret "$secret" -o jsonpath='{.data.NANOCLAW_WEB_TOKEN}' 2>/dev/null | base64 -d || true)
[ -n "$token" ] || token=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
kubectl --context "$ctx" -n "$ns" create secret generic "$secret" \
  --from-literal=NANOCLAW_WEB_TOKEN="$token" \
  ${ANTHROPIC_API_KEY:+--from-literal=ANTHROPIC_API_KEY="$ANTHROPIC_API_KEY"} \
  --dry-run=client -o yaml | kubectl --context "$ctx" apply -f -

helm --kube-context "$ctx" upgrade --install "$release" "$root/charts/nanoclaw" --namespace "$ns" \
  --set image.tag="$tag" --set runner.image.tag="$tag" --set secret.existingSecret="$secret" \
  --wait --timeout 5m

kubectl --context "$ctx" -n "$ns" apply -f "$root/examples/"
kubectl --context "$ctx" -n "$ns" wait --for=condition=Ready --timeout=120s \
  agentgroups.nanoclaw.dev,messaginggroups.nanoclaw.dev,userroles.nanoclaw.dev --all
helm --kube-context "$ctx" test "$release" --namespace "$ns"

echo
echo "NanoClaw is up. Chat in the terminal: hack/kind-chat.sh   or in a browser: hack/kind-chat.sh web"
