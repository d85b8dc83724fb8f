/**
 * The grant verbs in Kubernetes mode on a real kube-apiserver, with the operator projecting what the CLI writes:
 * roles grant/revoke and members add/remove create and delete UserRole objects (field manager nanoclaw-host,
 * deterministic names, created-by label) and never central-DB rows; a UserRole applied from `roles export`
 * adopts the runtime grant instead of duplicating it.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { addMember } from '../../host/access/members.js';
import { type CentralDb } from '../../host/db/central-db.js';
import { findMemberRow, findRoleRow } from '../../host/db/provenance.js';
import { agentGroup, userRole } from '../../operator/api/v1alpha1/testdata/invalid-manifests.js';
import type { ControlPlane } from '../fixtures/kube/control-plane.js';
import { startOperatorFixture, type OperatorFixture } from './operator-fixture.js';
import { CLI } from '../support/host-process.js';
import { eventually, ready, type KObject } from './support.js';

let fx: OperatorFixture;
let cp: ControlPlane;
let ns: string;
let api: OperatorFixture['api'];
let db: CentralDb;
let dataDir: string;

beforeAll(async () => {
  fx = await startOperatorFixture('cli');
  ({ cp, ns, api, db, dataDir } = fx);
  await api.create(ns, agentGroup('alpha'));
  await eventually(async () => ready(await api.get(ns, 'AgentGroup', 'alpha'))?.status === 'True');
});

afterAll(async () => {
  await fx?.stop();
});

/** The real CLI process, in Kubernetes mode through NANOCLAW_RUNTIME as in the host container. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        KUBECONFIG: cp.kubeconfigPath,
        NANOCLAW_DATA_DIR: dataDir,
        NANOCLAW_RUNTIME: 'kubernetes',
        NANOCLAW_NAMESPACE: ns,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const cliObjects = async () =>
  (await api.list(ns, 'UserRole')).filter(
    (o) => (o.metadata.labels as Record<string, string> | undefined)?.['nanoclaw.dev/created-by'] === 'cli',
  );

function managers(o: KObject): string[] {
  return ((o.metadata.managedFields ?? []) as { manager: string }[]).map((f) => f.manager);
}

describe('nanoclaw roles/members in Kubernetes mode', () => {
  it('roles grant creates a UserRole the operator projects; a repeat is a no-op; revoke deletes it', async () => {
    const rowsBefore = db.all(db.q.selectFrom('user_roles').select('id')).length;
    const g = await cli(['roles', 'grant', 'telegram:5', 'admin', '--agent-group', 'alpha', '-o', 'json']);
    expect(g.code, g.stderr).toBe(0);
    const [obj] = await cliObjects();
    expect(obj!.metadata.name).toMatch(/^admin-[0-9a-f]{12}$/);
    expect(obj!.spec).toEqual({ user: 'telegram:5', role: 'admin', agentGroup: 'alpha' });
    expect(managers(obj!)).toContain('nanoclaw-host');
    expect(JSON.parse(g.stdout)).toMatchObject({ object: `UserRole ${ns}/${obj!.metadata.name}` });

    const row = await eventually(() => findRoleRow(db, 'telegram:5', 'admin', 'alpha'));
    expect(row).toMatchObject({ source: 'crd', source_uid: obj!.metadata.uid });
    expect(db.all(db.q.selectFrom('user_roles').select('id')).length).toBe(rowsBefore + 1);

    const again = await cli(['roles', 'grant', 'telegram:5', 'admin', '--agent-group', 'alpha']);
    expect(again.code, again.stderr).toBe(0);
    expect((await api.get(ns, 'UserRole', obj!.metadata.name)).metadata.generation).toBe(1);

    const revoke = await cli(['roles', 'revoke', 'telegram:5', 'admin', '--agent-group', 'alpha']);
    expect(revoke).toMatchObject({ code: 0, stdout: `deleted UserRole ${ns}/${obj!.metadata.name}\n` });
    await eventually(() => findRoleRow(db, 'telegram:5', 'admin', 'alpha') === undefined);
    expect(await cliObjects()).toEqual([]);
  });

  it('members add/remove are UserRoles with role member; a grant declared elsewhere is named, not deleted', async () => {
    expect((await cli(['members', 'add', 'web:ann', '--agent-group', 'alpha'])).code).toBe(0);
    await eventually(() => findMemberRow(db, 'web:ann', 'alpha')?.source === 'crd');
    expect((await cli(['members', 'remove', 'web:ann', '--agent-group', 'alpha'])).code).toBe(0);
    await eventually(() => findMemberRow(db, 'web:ann', 'alpha') === undefined);

    await api.create(ns, userRole('gitops-ben', { user: 'web:ben', role: 'member', agentGroup: 'alpha' }));
    const r = await cli(['members', 'remove', 'web:ben', '--agent-group', 'alpha']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`declared by UserRole ${ns}/gitops-ben, which the CLI did not create`);
    expect((await api.get(ns, 'UserRole', 'gitops-ben')).metadata.name).toBe('gitops-ben');
  });

  it('refuses what the CRD refuses before calling the API server, and prints objects on --dry-run', async () => {
    const owner = await cli(['roles', 'grant', 'telegram:1', 'owner', '--agent-group', 'alpha']);
    expect(owner.code).toBe(2);
    expect(owner.stderr).toContain('--agent-group: an owner is global');
    const dry = await cli(['roles', 'grant', 'telegram:1', 'owner', '--dry-run', '-o', 'yaml']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('kind: UserRole');
    expect(await cliObjects()).toEqual([]);
  });

  it('a UserRole applied from roles export adopts the runtime grant; deleting it then revokes the grant', async () => {
    addMember(db, { userId: 'telegram:8', agentGroupId: 'alpha', addedBy: 'telegram:1' });
    const exported = await cli(['roles', 'export', '--namespace', ns]);
    expect(exported.code, exported.stderr).toBe(0);
    const docs = parseAllDocuments(exported.stdout).map((d) => d.toJSON() as KObject);
    const mine = docs.filter((d) => d.spec.user === 'telegram:8');
    expect(mine).toHaveLength(1);

    const created = await api.create(ns, mine[0]! as unknown as Record<string, unknown>);
    await eventually(
      async () => ready(await api.get(ns, 'UserRole', created.metadata.name))?.status === 'True',
    );
    expect(findMemberRow(db, 'telegram:8', 'alpha')).toMatchObject({
      source: 'crd',
      source_uid: created.metadata.uid,
    });
    expect(
      db.all(db.q.selectFrom('agent_group_members').selectAll().where('user_id', '=', 'telegram:8')),
    ).toHaveLength(1);
    const after = await cli(['roles', 'export', '--namespace', ns]);
    expect(after.stdout).not.toContain('telegram:8');

    await api.delete(ns, 'UserRole', created.metadata.name);
    await eventually(() => findMemberRow(db, 'telegram:8', 'alpha') === undefined);
  });
});
