#!/usr/bin/env bash
# Talk to NanoClaw on the kind cluster of hack/kind-up.sh.
#   hack/kind-chat.sh        the terminal client (`nanoclaw chat`) inside the host container
#   hack/kind-chat.sh web    port-forward the web chat to 127.0.0.1:${PORT:-3000} and print its URL
# Environment: KIND_CLUSTER (nanoclaw), NAMESPACE (nanoclaw), RELEASE (nanoclaw), PORT (3000).
set -euo pipefail
cluster=${KIND_CLUSTER:-nanoclaw}
ns=${NAMESPACE:-nanoclaw}
release=${RELEASE:-nanoclaw}
port=${PORT:-3000}
ctx="kind-$cluster"
deploy=$(kubectl --context "$ctx" -n "$ns" get deployment -o name \
  -l "app.kubernetes.io/name=nanoclaw,app.kubernetes.io/instance=$release" | head -n 1)
deploy=${deploy#deployment.apps/}
[ -n "$deploy" ] || { echo "kind-chat: no NanoClaw release \"$release\" in namespace $ns" >&2; exit 1; }

case "${1:-cli}" in
  cli)
    # The host container has NANOCLAW_PORT and NANOCLAW_WEB_TOKEN in its environment; the client uses both.
    exec kubectl --context "$ctx" -n "$ns" exec -it "deployment/$deploy" -c host -- node /app/dist/cli/main.js chat
    ;;
  web)
    # A one-time sign-in URL for the owner, minted in the host container (it holds the central DB); opening it
    # sets the session cookie. The long-lived NANOCLAW_WEB_TOKEN never goes into a URL.
    url=$(kubectl --context "$ctx" -n "$ns" exec "deployment/$deploy" -c host -- \
      node /app/dist/cli/main.js web-token sign-in --url "http://127.0.0.1:$port/")
    echo "Open $url   (one use; Ctrl-C stops the port-forward)"
    exec kubectl --context "$ctx" -n "$ns" port-forward "service/$deploy" "$port:3000"
    ;;
  *)
    echo "usage: hack/kind-chat.sh [cli|web]" >&2
    exit 2
    ;;
esac
