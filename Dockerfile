# syntax=docker/dockerfile:1
# check=error=true
#
# NanoClaw images, one Dockerfile, two targets:
#   docker build --target host         -t nanoclaw:dev .         host + operator + CLI (the chart runs `host` and
#                                                                 `operator` from this image; also `chat`)
#   docker build --target agent-runner -t nanoclaw-runner:dev .  one session's agent-runner (pods the host creates)
#
# Invariants (test/packaging/dockerfile.test.ts checks them with BuildKit's own parser and linter):
# - runtime images hold production dependencies only (npm ci --omit=dev), the compiled dist/ and package.json
#   ("type": "module" and the root the runtime looks for), under /app, owned by root and read-only to the app;
# - they run as uid/gid 1000, the user the chart and the runner pods use;
# - better-sqlite3 is compiled in a build stage that has python3, make and g++; nothing of that toolchain ships;
# - the entrypoints are the commands the tests run: node /app/dist/cli/main.js <verb> and
#   node /app/dist/container/agent-runner/main.js (host/runtime/kubernetes/pod-spec.ts RUNNER_COMMAND);
# - no secrets: no key or token is an ARG or ENV; the chart passes them at run time from a Secret.
#
# Build args (docs/install.md):
#   NODE_IMAGE       the base image of every stage (default node:20-bookworm-slim), e.g. a mirror of it;
#   EXTRA_CA_CERTS   PEM text of extra CA certificates the build stages trust when npm fetches packages, for builds
#                    behind a TLS-intercepting proxy: --build-arg EXTRA_CA_CERTS="$(cat corp-ca.pem)".
#                    Only the build stages see it; the runtime images do not carry it.

ARG NODE_IMAGE=node:20-bookworm-slim

# Toolchain for native modules (better-sqlite3 falls back to compiling from source).
FROM ${NODE_IMAGE} AS toolchain
ARG EXTRA_CA_CERTS=""
RUN printf '%s\n' "$EXTRA_CA_CERTS" > /usr/local/share/nanoclaw-build-ca.pem \
  && apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# Node adds these to its own CA list (an empty file adds none).
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/nanoclaw-build-ca.pem
WORKDIR /src

# Production dependencies only, with better-sqlite3 compiled for this base image.
FROM toolchain AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Every dependency (types and the compiler; no install scripts: tsc needs no native module) to compile dist/.
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY protocol/ protocol/
COPY kube/ kube/
COPY host/ host/
COPY operator/ operator/
COPY container/ container/
COPY cli/ cli/
RUN npx tsc -p tsconfig.build.json \
  && test -f dist/cli/main.js \
  && test -f dist/container/agent-runner/main.js

# What both runtime images share.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
USER 1000:1000

# One session's agent-runner; the host mounts the session directory at /workspace.
FROM runtime AS agent-runner
WORKDIR /workspace
CMD ["node", "/app/dist/container/agent-runner/main.js"]

# Host, operator and CLI (the default target). The chart runs `host` and `operator` as two containers.
FROM runtime AS host
EXPOSE 3000 3001 8081
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["host"]
