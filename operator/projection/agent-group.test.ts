import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import {
  egressRulesOf,
  getAgentGroup,
  listAgentGroups,
  runnerConfigOf,
  upsertAgentGroup,
} from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { runnerMcpServers } from '../../host/mcp/runner-servers.js';
import { agentGroup } from '../api/v1alpha1/testdata/invalid-manifests.js';
import { projector, type Projector } from '../testing.js';
import { removeProjection } from './project.js';

let db: CentralDb;
let p: Projector;
beforeEach(() => {
  db = memoryDb();
  p = projector(db);
});
afterEach(() => p.cleanup());

describe('AgentGroup projection', () => {
  it('creates exactly one crd row and the folders', () => {
    const out = p.apply(
      agentGroup('helper', { displayName: 'Helper', provider: 'mock', instructions: 'Be brief.' }),
      'u1',
      3,
    );
    expect(out).toMatchObject({
      ready: true,
      reason: 'Projected',
      observed: { agentGroupId: 'helper', folder: 'helper' },
    });
    expect(out.writes).toBeGreaterThan(0);
    expect(listAgentGroups(db)).toEqual([
      expect.objectContaining({
        id: 'helper',
        name: 'Helper',
        folder: 'helper',
        agent_provider: 'mock',
        model: null,
        instructions: 'Be brief.',
        container_config: JSON.stringify({ idleTimeoutSeconds: 1800 }),
        source: 'crd',
        source_uid: 'u1',
        source_generation: 3,
      }),
    ]);
    expect(fs.statSync(path.join(p.dataDir, 'groups', 'helper')).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(p.dataDir, 'groups', 'global')).isDirectory()).toBe(true);
  });

  it('writes nothing when re-applied unchanged, and updates on a new generation', () => {
    const m = agentGroup('a', {
      runner: { image: 'img:1', env: [{ name: 'X', value: '1' }], resources: { limits: { cpu: 2 } } },
    });
    p.apply(m, 'u1', 1);
    expect(p.apply(m, 'u1', 1).writes).toBe(0);
    const out = p.apply(agentGroup('a', { model: 'opus', runner: { idleTimeout: '1h' } }), 'u1', 2);
    expect(out.writes).toBe(1);
    expect(getAgentGroup(db, 'a')).toMatchObject({
      model: 'opus',
      container_config: JSON.stringify({ idleTimeoutSeconds: 3600 }),
      source_generation: 2,
    });
  });

  it('keeps the runner settings as the host reads them', () => {
    p.apply(
      agentGroup('a', {
        runner: {
          image: 'img:1',
          env: [{ name: 'X', value: '1' }],
          resources: { requests: { memory: '256Mi' }, limits: { cpu: 2 } },
          idleTimeout: '1h30m',
        },
      }),
      'u1',
    );
    expect(JSON.parse(getAgentGroup(db, 'a')!.container_config)).toEqual({
      image: 'img:1',
      resources: { requests: { memory: '256Mi' }, limits: { cpu: '2' } },
      env: [{ name: 'X', value: '1' }],
      idleTimeoutSeconds: 5400,
    });
  });

  it('projects spec.budget.monthlyTokens, and a raised or removed budget on the next generation', () => {
    p.apply(agentGroup('a', { budget: { monthlyTokens: 1000 } }), 'u1', 1);
    expect(getAgentGroup(db, 'a')!.budget_monthly_tokens).toBe(1000);
    expect(p.apply(agentGroup('a', { budget: { monthlyTokens: 1000 } }), 'u1', 1).writes).toBe(0);
    p.apply(agentGroup('a', { budget: { monthlyTokens: 5000 } }), 'u1', 2);
    expect(getAgentGroup(db, 'a')!.budget_monthly_tokens).toBe(5000);
    p.apply(agentGroup('a'), 'u1', 3);
    expect(getAgentGroup(db, 'a')!.budget_monthly_tokens).toBeNull();
  });

  it('projects spec.egress with default ports into the runner config, and drops it when removed', () => {
    const spec = { egress: [{ host: 'api.github.com' }, { host: '*.example.com', ports: [8443] }] };
    p.apply(agentGroup('a', spec), 'u1', 1);
    expect(egressRulesOf(db, 'a')).toEqual([
      { host: 'api.github.com', ports: [443] },
      { host: '*.example.com', ports: [8443] },
    ]);
    p.apply(agentGroup('a'), 'u1', 2);
    expect(egressRulesOf(db, 'a')).toEqual([]);
  });

  it('projects egress headers as references with the namespace their Secrets are read from, never a value', () => {
    const headers = [
      { name: 'X-Api-Key', valueFrom: { secretKeyRef: { name: 'weather', key: 'key' } } },
      { name: 'Accept-Language', value: 'en' },
    ];
    p.apply(
      agentGroup('a', { egress: [{ host: 'api.example.com', headers }, { host: 'b.example.com' }] }),
      'u1',
      1,
    );
    expect(egressRulesOf(db, 'a')).toEqual([
      {
        host: 'api.example.com',
        ports: [443],
        headers: [
          { name: 'X-Api-Key', secretKeyRef: { name: 'weather', key: 'key' } },
          { name: 'Accept-Language', value: 'en' },
        ],
        namespace: 'default',
      },
      { host: 'b.example.com', ports: [443] },
    ]);
  });

  it('refuses a name that cannot be a folder unless spec.folder is set', () => {
    const bad = p.apply(agentGroup('my.agent'), 'u1');
    expect(bad).toMatchObject({ ready: false, reason: 'InvalidFolder', writes: 0 });
    expect(listAgentGroups(db)).toEqual([]);
    expect(p.apply(agentGroup('my.agent', { folder: 'my-agent' }), 'u1').ready).toBe(true);
    expect(p.apply(agentGroup('global'), 'u2')).toMatchObject({ ready: false, reason: 'InvalidFolder' });
  });

  it('reads instructions from a ConfigMap and reports a missing one', () => {
    const m = agentGroup('a', { instructionsFrom: { configMapKeyRef: { name: 'prompts', key: 'a.md' } } });
    expect(p.apply(m, 'u1')).toMatchObject({ ready: false, reason: 'InstructionsNotFound' });
    p.setConfigMap('default', 'prompts', { 'b.md': 'x' });
    expect(p.apply(m, 'u1').message).toContain('has no key "a.md"');
    p.setConfigMap('default', 'prompts', { 'a.md': 'From the map.' });
    expect(p.apply(m, 'u1').ready).toBe(true);
    expect(getAgentGroup(db, 'a')!.instructions).toBe('From the map.');
  });

  it('never touches a runtime row: same id or same folder is a conflict', () => {
    upsertAgentGroup(db, { id: 'main', name: 'Main', folder: 'main' });
    expect(p.apply(agentGroup('main'), 'u1')).toMatchObject({
      ready: false,
      reason: 'IdConflict',
      writes: 0,
    });
    expect(p.apply(agentGroup('other', { folder: 'main' }), 'u2')).toMatchObject({
      ready: false,
      reason: 'FolderConflict',
    });
    expect(getAgentGroup(db, 'main')).toMatchObject({ source: 'runtime', name: 'Main' });
  });

  it('refuses a folder change of a projected row, takes over the row of a deleted object', () => {
    p.apply(agentGroup('a', { folder: 'one' }), 'u1');
    expect(p.apply(agentGroup('a', { folder: 'two' }), 'u1')).toMatchObject({
      ready: false,
      reason: 'FolderImmutable',
    });
    // Deleted and re-created under the same name before the operator saw the delete: the row is kept.
    p.live.delete('u1');
    expect(p.apply(agentGroup('a', { folder: 'one' }), 'u9', 1).ready).toBe(true);
    expect(getAgentGroup(db, 'a')).toMatchObject({ source_uid: 'u9', folder: 'one' });
  });

  it('derives the generation from content in the embedded mode', () => {
    p.apply(agentGroup('a'), 'e1', null);
    expect(getAgentGroup(db, 'a')!.source_generation).toBe(1);
    expect(p.apply(agentGroup('a'), 'e1', null).writes).toBe(0);
    p.apply(agentGroup('a', { model: 'x' }), 'e1', null);
    expect(getAgentGroup(db, 'a')!.source_generation).toBe(2);
  });

  it('removes its row (and what cascades from it) on delete, and archives its folder', () => {
    p.apply(agentGroup('a'), 'u1');
    upsertAgentGroup(db, { id: 'rt', name: 'Runtime', folder: 'rt' });
    expect(removeProjection(db, p.dataDir, 'u1').rows).toBe(1);
    expect(listAgentGroups(db).map((g) => g.id)).toEqual(['rt']);
    expect(fs.existsSync(path.join(p.dataDir, 'groups', 'a'))).toBe(false);
    expect(fs.readdirSync(path.join(p.dataDir, 'groups', '.archive'))).toEqual([
      expect.stringMatching(/^a-\d{8}T\d{9}Z$/),
    ]);
  });
});

describe('AgentGroup spec.mcpServers projection', () => {
  const withServers = (env: { name: string; value: string }[]) =>
    agentGroup('tools', {
      mcpServers: [{ name: 'files', stdio: { command: '/usr/bin/mcp-files', args: ['--ro'], env } }],
    });

  it('stores each stdio server in the runner config, env as a name → value map', () => {
    expect(p.apply(withServers([{ name: 'ROOT', value: '/workspace/agent' }]), 'u1', 1).ready).toBe(true);
    expect(JSON.parse(getAgentGroup(db, 'tools')!.container_config)).toEqual({
      idleTimeoutSeconds: 1800,
      mcpServers: [
        { name: 'files', command: '/usr/bin/mcp-files', args: ['--ro'], env: { ROOT: '/workspace/agent' } },
      ],
    });
  });

  it('updates the row when only a server changes, and drops the servers when the list goes', () => {
    p.apply(withServers([]), 'u1', 1);
    expect(p.apply(withServers([{ name: 'ROOT', value: '/tmp' }]), 'u1', 2).writes).toBe(1);
    expect(JSON.parse(getAgentGroup(db, 'tools')!.container_config).mcpServers[0].env).toEqual({
      ROOT: '/tmp',
    });
    p.apply(agentGroup('tools'), 'u1', 3);
    expect(JSON.parse(getAgentGroup(db, 'tools')!.container_config)).toEqual({ idleTimeoutSeconds: 1800 });
  });
  it('stores a remote server with its URL, namespace and Secret references (no values); the runner gets its name only', () => {
    const secretRef = { secretKeyRef: { name: 'gh', key: 'auth' } };
    const manifest = agentGroup('tools', {
      mcpServers: [
        { name: 'files', stdio: { command: '/usr/bin/mcp-files' } },
        {
          name: 'github',
          http: {
            url: 'https://mcp.example.com/mcp?v=2',
            headers: [
              { name: 'Authorization', valueFrom: secretRef },
              { name: 'X-Org', value: 'acme' },
            ],
          },
        },
      ],
    });
    expect(p.apply(manifest, 'u1', 1).ready).toBe(true);
    const stored = runnerConfigOf(getAgentGroup(db, 'tools')!).mcpServers!;
    expect(stored[1]).toEqual({
      name: 'github',
      type: 'http',
      url: 'https://mcp.example.com/mcp?v=2',
      namespace: 'default',
      headers: [
        { name: 'Authorization', secretKeyRef: { name: 'gh', key: 'auth' } },
        { name: 'X-Org', value: 'acme' },
      ],
    });
    expect(runnerMcpServers(stored)).toEqual([
      { name: 'files', command: '/usr/bin/mcp-files', args: [], env: {} },
      { name: 'github', type: 'http' },
    ]);
  });
});
