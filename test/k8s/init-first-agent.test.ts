/**
 * `nanoclaw init-first-agent --kubernetes` against a real kube-apiserver with the operator projecting into a data
 * dir (in-process): the CLI (a real process, KUBECONFIG) creates the objects with the host's field manager,
 * waits for their projection and writes the welcome into the DM session; a second run writes nothing; a dry run
 * prints the objects without a cluster; a namespace no operator watches times out with a clear error.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type CentralDb } from '../../host/db/central-db.js';
import { openInboundForRunner } from '../../protocol/session-db.js';
import type { ControlPlane } from '../fixtures/kube/control-plane.js';
import { startOperatorFixture, type OperatorFixture } from './operator-fixture.js';
import { CLI } from '../support/host-process.js';
import { type KObject } from './support.js';

let fx: OperatorFixture;
let cp: ControlPlane;
let ns: string;
let api: OperatorFixture['api'];
let db: CentralDb;
let dataDir: string;

interface Step {
  object: string;
  id: string;
  action: string;
}

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'init-first-agent', ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: os.tmpdir(),
        NANOCLAW_DATA_DIR: dataDir,
        KUBECONFIG: cp.kubeconfigPath,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const ALICE = ['--channel', 'telegram', '--user', '111', '--name', 'Alice', '--platform-id', '111'];

beforeAll(async () => {
  fx = await startOperatorFixture('init');
  ({ cp, ns, api, db, dataDir } = fx);
});

afterAll(async () => {
  await fx?.stop();
});

describe('init-first-agent --kubernetes', () => {
  it('creates the objects with the host field manager, and writes the welcome once they are projected', async () => {
    const r = await cli(['--kubernetes', '--namespace', ns, ...ALICE, '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const steps = (JSON.parse(r.stdout) as { steps: Step[] }).steps;
    expect(steps.map((s) => [s.object, s.action])).toEqual([
      ['AgentGroup', 'created'],
      ['MessagingGroup', 'created'],
      ['UserRole', 'created'],
      ['UserRole', 'created'],
      ['session', 'created'],
      ['welcome', 'written'],
    ]);
    const created: KObject[] = [
      await api.get(ns, 'AgentGroup', 'dm-with-alice'),
      ...(await api.list(ns, 'MessagingGroup')),
      ...(await api.list(ns, 'UserRole')),
    ];
    expect(created).toHaveLength(4);
    for (const o of created) {
      expect(o.metadata.labels).toEqual({ 'nanoclaw.dev/created-by': 'cli' });
      const managers = (o.metadata.managedFields as { manager: string }[]).map((f) => f.manager);
      expect(managers).toContain('nanoclaw-host');
    }
    const roles = (await api.list(ns, 'UserRole')).map((o) => o.spec.role).sort();
    expect(roles).toEqual(['member', 'owner']);

    const ag = db.first(db.q.selectFrom('agent_groups').selectAll().where('id', '=', 'dm-with-alice'));
    expect(ag).toMatchObject({ source: 'crd', folder: 'dm-with-alice' });
    const session = db.first(
      db.q.selectFrom('sessions').selectAll().where('agent_group_id', '=', 'dm-with-alice'),
    );
    const inbound = openInboundForRunner(
      path.join(dataDir, 'sessions', 'dm-with-alice', session!.id, 'inbound.db'),
    );
    try {
      const rows = inbound.raw.prepare(`SELECT content FROM messages_in`).all() as { content: string }[];
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0]!.content)).toMatchObject({
        text: expect.stringMatching(/^Say hello to Alice/),
        sender: null,
      });
    } finally {
      inbound.close();
    }
    expect(db.all(db.q.selectFrom('wake_requests').selectAll())).toMatchObject([
      { session_id: session!.id, reason: 'welcome' },
    ]);
  });

  it('writes nothing when run again', async () => {
    const before = (await api.list(ns, 'UserRole')).map((o) => o.metadata.resourceVersion);
    const r = await cli(['--kubernetes', '--namespace', ns, ...ALICE, '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const steps = (JSON.parse(r.stdout) as { steps: Step[] }).steps;
    expect(new Set(steps.map((s) => s.action))).toEqual(new Set(['reused', 'unchanged']));
    expect((await api.list(ns, 'UserRole')).map((o) => o.metadata.resourceVersion)).toEqual(before);
    expect(await api.list(ns, 'MessagingGroup')).toHaveLength(1);
  });

  it('grants a second person no owner UserRole while the namespace has one', async () => {
    const r = await cli([
      '--kubernetes',
      '--namespace',
      ns,
      ...['--channel', 'telegram', '--user', '222', '--name', 'Bob', '--platform-id', '222', '--no-welcome'],
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/not made owner: this host has one \(telegram:111\); membership only/);
    const bob = (await api.list(ns, 'UserRole')).filter((o) => o.spec.user === 'telegram:222');
    expect(bob.map((o) => o.spec.role)).toEqual(['member']);
  });

  it('prints the objects with --dry-run without a cluster', async () => {
    const r = await cli(['--kubernetes', '--namespace', 'team', '--dry-run', ...ALICE, '-o', 'yaml'], {
      KUBECONFIG: path.join(dataDir, 'missing-kubeconfig'),
    });
    expect(r.status, r.stderr).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as KObject);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'AgentGroup/dm-with-alice',
      expect.stringMatching(/^MessagingGroup\/dm-telegram-[0-9a-f]{10}$/),
      expect.stringMatching(/^UserRole\/owner-/),
      expect.stringMatching(/^UserRole\/member-/),
    ]);
    expect(docs.every((d) => d.metadata.namespace === 'team')).toBe(true);
  });

  it('fails with a clear error when nothing projects the objects in time', async () => {
    const other = await cp.createNamespace('unwatched');
    const r = await cli(['--kubernetes', '--namespace', other, ...ALICE, '--timeout-seconds', '2']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`timed out after 2 s waiting for the operator to project AgentGroup ${other}/dm-with-alice`),
    );
    expect(r.stderr).toMatch(/is the operator running and watching that namespace/);
  });
});
