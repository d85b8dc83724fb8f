/**
 * The first run's example configuration: one agent group, the web chat wired to it, and the local web user as
 * owner — the same YAML a user would `kubectl apply`, so it doubles as a starting point for a cluster.
 */
import fs from 'node:fs';
import path from 'node:path';

export const SEED_FILE = 'example.yaml';

const SEED_MANIFESTS = `# Written by the first "nanoclaw start". Edit freely: changes are applied while the host runs.
# The same objects work on a cluster with "kubectl apply -f".
apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata:
  name: assistant
spec:
  displayName: Assistant
  # claude needs ANTHROPIC_API_KEY in the host's environment; without it the mock provider answers.
  provider: claude
  instructions: |
    You are a helpful assistant. Keep answers short.
---
apiVersion: nanoclaw.dev/v1alpha1
kind: MessagingGroup
metadata:
  name: web-main
spec:
  channel: web
  platformId: main
  displayName: Web chat
  unknownSenderPolicy: strict
  agents:
    - agentGroup: assistant
      engage:
        mode: pattern
        pattern: "."
---
apiVersion: nanoclaw.dev/v1alpha1
kind: UserRole
metadata:
  name: local-owner
spec:
  user: web:local
  role: owner
  displayName: You
`;

/** Writes the example when the config dir does not exist yet. Returns whether it did. */
export function seedConfigDir(dir: string): boolean {
  if (fs.existsSync(dir)) return false;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, SEED_FILE), SEED_MANIFESTS);
  return true;
}
