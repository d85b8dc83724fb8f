import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadManifestDir } from '../../operator/embedded/load.js';
import type { AgentChange } from '../../host/approvals/agent-change-plan.js';
import { checkChange } from './agent-objects.js';
import { agentManifestWriter } from './file-writer.js';

const BASE = `# Our agents; hand-written.
apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata:
  name: assistant
spec:
  provider: mock # offline
`;

const createAgent: AgentChange = {
  action: 'create_agent',
  parent: { id: 'assistant', name: 'assistant', namespace: null },
  child: { id: 'research', name: 'research', provider: 'mock', instructions: 'Find sources.' },
};
const addServer: AgentChange = {
  action: 'add_mcp_server',
  group: { id: 'assistant', name: 'assistant', namespace: null },
  server: {
    name: 'files',
    stdio: { command: 'node', args: ['server.js'], env: [{ name: 'LOG', value: 'json' }] },
  },
};

let dir: string;
let applied: number;
const writer = () => agentManifestWriter(dir, () => applied++);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-agent-writer-'));
  fs.writeFileSync(path.join(dir, 'base.yaml'), BASE);
  applied = 0;
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writing approved agent requests to the config folder', () => {
  it('creates the child as its own file and adds it to the parent’s peers; the loader accepts both', async () => {
    const where = await writer().write(createAgent);
    expect(where).toBe(`${path.join(dir, 'research.yaml')} and ${path.join(dir, 'base.yaml')} (spec.peers)`);
    const child = fs.readFileSync(path.join(dir, 'research.yaml'), 'utf8');
    expect(child).toMatch(/^# Written by NanoClaw/);
    expect(child).toContain('instructions: Find sources.');
    expect(child).toContain('- agentGroup: assistant\n      name: parent');
    const base = fs.readFileSync(path.join(dir, 'base.yaml'), 'utf8');
    expect(base).toContain('# Our agents; hand-written.');
    expect(base).toContain('provider: mock # offline');
    expect(base).toContain('peers:\n    - agentGroup: research');
    expect(applied).toBe(1);
    const loaded = await loadManifestDir(dir);
    expect(loaded.errors).toEqual([]);
    expect(loaded.objects.map((o) => o.manifest.metadata.name).sort()).toEqual(['assistant', 'research']);
  });

  it('writing the same change again changes nothing', async () => {
    await writer().write(createAgent);
    const before = fs.readFileSync(path.join(dir, 'base.yaml'), 'utf8');
    await writer().write(createAgent);
    expect(fs.readFileSync(path.join(dir, 'base.yaml'), 'utf8')).toBe(before);
  });

  it('adds an MCP server to the file that declares the group', async () => {
    await writer().write(addServer);
    const loaded = await loadManifestDir(dir);
    expect(loaded.errors).toEqual([]);
    const spec = loaded.objects[0]!.manifest.spec as { mcpServers?: unknown[] };
    expect(spec.mcpServers).toEqual([
      {
        name: 'files',
        stdio: { command: 'node', args: ['server.js'], env: [{ name: 'LOG', value: 'json' }] },
      },
    ]);
  });

  it('adds an egress entry the loader accepts', async () => {
    const egress: AgentChange = {
      action: 'add_egress_host',
      group: { id: 'assistant', name: 'assistant', namespace: null },
      entry: { host: 'pypi.org', ports: [443] },
    };
    expect(checkChange(egress)).toBeNull();
    await writer().write(egress);
    const loaded = await loadManifestDir(dir);
    expect(loaded.errors).toEqual([]);
    expect((loaded.objects[0]!.manifest.spec as { egress?: unknown }).egress).toEqual([
      { host: 'pypi.org', ports: [443] },
    ]);
  });

  it('never replaces a file someone else wrote, and says when no file declares the group', async () => {
    fs.writeFileSync(path.join(dir, 'research.yaml'), '# mine\n');
    await expect(writer().write(createAgent)).rejects.toThrow(
      /research\.yaml exists and was not written by NanoClaw/,
    );
    fs.rmSync(path.join(dir, 'base.yaml'));
    await expect(writer().write(addServer)).rejects.toThrow(
      `no manifest file in ${dir} declares AgentGroup assistant`,
    );
    expect(applied).toBe(0);
  });
});

describe('checking a change with the CRD schema', () => {
  it('names the field the CRD refuses', () => {
    expect(checkChange(addServer)).toBeNull();
    const secret = {
      ...addServer,
      server: { ...addServer.server, stdio: { command: 'node', env: [{ name: 'API_TOKEN', value: 'x' }] } },
    };
    expect(checkChange(secret)).toMatch(/^spec\.mcpServers\[0\]\.stdio\.env\[0\]\.name: .*credential/);
    const relative = { ...addServer, server: { ...addServer.server, stdio: { command: '' } } };
    expect(checkChange(relative)).toMatch(/^spec\.mcpServers\[0\]\.stdio\.command/);
  });
});
