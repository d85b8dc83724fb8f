/**
 * spec.skills through the whole embedded path on a real host: an AgentGroup manifest and ConfigMap documents in the
 * config folder → the projection (ConfigMap skills into the central DB) → the host writes the skills into the agent
 * folder before it wakes a runner → the mock runner lists what it finds there ([[skills]]). A ConfigMap that
 * changes and a skill that is removed reach the next turn; a bad SKILL.md and a missing path folder are reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAgentGroup, runnerConfigOf } from '../../host/db/agent-groups.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { waitFor } from '../support/runner-harness.js';
import { withDb } from '../support/seed.js';
import { ChatStream, send } from '../support/web-client.js';

const skillMd = (name: string, description: string) =>
  `---\\nname: ${name}\\ndescription: ${description}\\n---\\n# ${name}\\n`;

function manifests(opts: { pdfDescription: string; withPdf: boolean }): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: { name: skill-pdf }
data:
  SKILL.md: "${skillMd('pdf', opts.pdfDescription)}"
  forms.md: "Fill the form fields first."
---
apiVersion: v1
kind: ConfigMap
metadata: { name: skill-bad }
data:
  SKILL.md: "no front matter here"
---
apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata: { name: assistant }
spec:
  provider: mock
  skills:
${opts.withPdf ? '    - { name: pdf, configMapRef: { name: skill-pdf } }\n' : ''}    - { name: review, path: skills/review }
    - { name: ghost, path: skills/ghost }
    - { name: bad, configMapRef: { name: skill-bad } }
---
apiVersion: nanoclaw.dev/v1alpha1
kind: MessagingGroup
metadata: { name: web-main }
spec:
  channel: web
  platformId: main
  agents: [{ agentGroup: assistant, engage: { mode: pattern, pattern: "." } }]
---
apiVersion: nanoclaw.dev/v1alpha1
kind: UserRole
metadata: { name: local-owner }
spec: { user: "web:local", role: owner }
`;
}

let host: HostProcess;
let dataDir: string;
let configDir: string;
let chat: ChatStream;
const skillsDir = () => path.join(dataDir, 'groups', 'assistant', '.claude', 'skills');
const projectedSkills = () =>
  withDb(dataDir, (db) => {
    const g = getAgentGroup(db, 'assistant');
    return g ? (runnerConfigOf(g).skills ?? []) : [];
  });

async function ask(n: number): Promise<string> {
  await send(host.url, { text: `skills ${n} [[skills]]` });
  const reply = await chat.waitFor((r) => r.text.startsWith(`Mock response to: skills ${n}`), 30_000);
  return reply.text;
}

beforeAll(async () => {
  const home = tempDir('nc-skills-');
  configDir = path.join(home, 'nanoclaw.d');
  dataDir = path.join(home, 'data');
  fs.mkdirSync(configDir);
  fs.writeFileSync(
    path.join(configDir, 'agents.yaml'),
    manifests({ pdfDescription: 'Reads PDFs', withPdf: true }),
  );
  const review = path.join(dataDir, 'groups', 'assistant', 'skills', 'review');
  fs.mkdirSync(review, { recursive: true });
  fs.writeFileSync(path.join(review, 'SKILL.md'), skillMd('review', 'Reviews code').replaceAll('\\n', '\n'));
  host = await startHostProcess({
    dataDir,
    verb: 'start',
    env: { NANOCLAW_CONFIG_DIR: configDir, LOG_LEVEL: 'info' },
  });
  chat = new ChatStream(host.url);
  await chat.opened();
});

afterAll(async () => {
  chat?.close();
  expect(await host?.stop()).toBe(0);
});

describe('an agent group’s skills in the embedded mode', () => {
  it('reaches the runner from a ConfigMap and from the agent folder; bad ones are reported', async () => {
    const reply = await ask(1);
    expect(reply).toContain('Mock skills: pdf (Reads PDFs), review (Reviews code)');
    expect(reply).toContain('Mock skill failed: ghost: folder "skills/ghost" not found in the agent folder');
    expect(reply).not.toContain('bad');
    expect(fs.readFileSync(path.join(skillsDir(), 'pdf', 'forms.md'), 'utf8')).toBe(
      'Fill the form fields first.',
    );
    const refused = await host.waitForLog((l) => l.reason === 'InvalidSkill');
    expect(refused).toMatchObject({ field: 'spec.skills[3].configMapRef' });
    expect(String(refused.msg)).toContain('skill "bad": ConfigMap "skill-bad": SKILL.md does not start with');
    const missing = await host.waitForLog((l) => l.reason === 'SkillNotFound');
    expect(missing).toMatchObject({ field: 'spec.skills[2].path' });
    expect(String(missing.msg)).toContain(
      'skill "ghost": folder "skills/ghost" not found in the agent folder',
    );
    const warned = await host.waitForLog((l) => l.msg === 'skill is not usable');
    expect(warned).toMatchObject({ agentGroup: 'assistant', skill: 'ghost' });
  });

  it('follows a changed ConfigMap on the next turn', async () => {
    fs.writeFileSync(
      path.join(configDir, 'agents.yaml'),
      manifests({ pdfDescription: 'Reads PDFs v2', withPdf: true }),
    );
    await waitFor(
      'the new ConfigMap in the central DB',
      () => projectedSkills().some((s) => s.files?.['SKILL.md']?.includes('v2')) || undefined,
      20_000,
      200,
    );
    expect(await ask(2)).toContain('Mock skills: pdf (Reads PDFs v2), review (Reviews code)');
  });

  it('removes a skill taken out of the manifest from the agent folder', async () => {
    fs.writeFileSync(
      path.join(configDir, 'agents.yaml'),
      manifests({ pdfDescription: 'Reads PDFs v2', withPdf: false }),
    );
    await waitFor(
      'pdf gone from the central DB',
      () => !projectedSkills().some((s) => s.name === 'pdf') || undefined,
      20_000,
      200,
    );
    expect(await ask(3)).toContain('Mock skills: review (Reviews code)');
    expect(fs.existsSync(path.join(skillsDir(), 'pdf'))).toBe(false);
    expect(fs.readdirSync(skillsDir()).sort()).toEqual(['ghost', 'review']);
  });
});
