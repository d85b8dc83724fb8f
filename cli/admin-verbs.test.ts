/** The admin verbs against a real data dir (SQLite files on disk), run in-process. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { type CentralDb } from '../host/db/central-db.js';
import { adminDataDir, type AdminDataDir } from '../test/support/admin-data-dir.js';
import { runVerb } from '../test/support/cli-run.js';
import { approvalsCommand } from './approvals.js';
import { agentsCommand, chatsCommand, droppedCommand, sessionsCommand, usersCommand } from './inventory.js';
import { membersCommand } from './members.js';
import { rolesCommand } from './roles.js';
import { statusCommand } from './status.js';
import type { UserRoleManifest } from './user-role-manifest.js';

let fixture: AdminDataDir;
let db: CentralDb;
beforeEach(() => {
  fixture = adminDataDir();
  ({ db } = fixture);
});
afterEach(() => fixture.remove());
const run: AdminDataDir['run'] = (verb, ...argv) => fixture.run(verb, ...argv);
const json = <T>(verb: (argv: string[]) => Promise<number>, ...argv: string[]) =>
  fixture.json<T>(verb, ...argv);

describe('list verbs', () => {
  it('users, agents, chats, sessions, dropped and approvals as JSON', async () => {
    expect(await json(usersCommand)).toEqual([
      { id: 'slack:T:U2', name: null, roles: 'admin@beta', memberOf: '' },
      { id: 'telegram:1', name: 'Olga', roles: 'owner', memberOf: '' },
      { id: 'telegram:9', name: null, roles: '', memberOf: 'alpha' },
    ]);
    expect(await json(agentsCommand, 'list')).toEqual([
      expect.objectContaining({ id: 'alpha', folder: 'alpha', provider: 'mock', source: 'runtime' }),
      expect.objectContaining({ id: 'beta', source: 'crd' }),
    ]);
    expect(await json(chatsCommand)).toEqual([
      expect.objectContaining({ id: 'mg-team', channel: 'telegram', agents: 'alpha' }),
    ]);
    expect(await json(sessionsCommand)).toEqual([
      expect.objectContaining({ chat: 'mg-team', status: 'active' }),
    ]);
    expect(await json(droppedCommand, '--limit', '1')).toHaveLength(1);
    expect(await json(approvalsCommand)).toEqual([expect.objectContaining({ senderName: 'Sam' })]);
    expect(await json(approvalsCommand, 'list', '--status', 'denied')).toEqual([]);
  });

  it('names the bad argument', async () => {
    expect((await run(droppedCommand, '--limit', '0')).stderr).toContain(
      'dropped: --limit must be a whole number',
    );
    expect((await run(usersCommand, 'show')).stderr).toContain('users: unknown action "show" (list)');
    expect((await run(approvalsCommand, '--status', 'maybe')).stderr).toContain('--status must be one of');
    expect((await run(agentsCommand, '--colour')).code).toBe(2);
  });

  it('prints help for every verb with exit 0', async () => {
    for (const verb of [
      statusCommand,
      usersCommand,
      agentsCommand,
      rolesCommand,
      membersCommand,
      approvalsCommand,
    ]) {
      const r = await runVerb(verb, ['--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: nanoclaw /);
    }
  });
});

describe('approvals approve | deny', () => {
  const pendingId = () => db.first(db.q.selectFrom('pending_sender_approvals').select('id'))!.id;

  it('approve makes the sender a member (a runtime grant) and decides once', async () => {
    const id = pendingId();
    const r = await run(approvalsCommand, 'approve', id, '--as', 'telegram:1');
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('approved telegram:7: now a member of alpha');
    expect(await json(membersCommand, 'list', '--agent-group', 'alpha')).toContainEqual(
      expect.objectContaining({ user: 'telegram:7', source: 'runtime', addedBy: 'telegram:1' }),
    );
    expect(await json(approvalsCommand, 'list', '--status', 'approved')).toEqual([
      expect.objectContaining({ id, decidedBy: 'telegram:1' }),
    ]);
    const twice = await run(approvalsCommand, 'deny', id);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`approval ${id} is already approved (by telegram:1)`);
  });

  it('deny is remembered; an unknown id and a missing id are refused', async () => {
    const id = pendingId();
    expect(await json(approvalsCommand, 'deny', id)).toMatchObject({
      id,
      status: 'denied',
      decidedBy: 'cli',
    });
    expect(await json(membersCommand, 'list', '--agent-group', 'alpha')).not.toContainEqual(
      expect.objectContaining({ user: 'telegram:7' }),
    );
    const unknown = await run(approvalsCommand, 'approve', 'appr-nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no approval "appr-nope"');
    expect((await run(approvalsCommand, 'approve')).code).toBe(2);
  });
});

describe('roles and members (embedded mode: central-DB rows)', () => {
  it('grants, lists and revokes an admin; a repeated grant changes nothing', async () => {
    const g = await run(rolesCommand, 'grant', 'discord:42', 'admin', '--agent-group', 'alpha');
    expect(g).toMatchObject({ code: 0, stdout: 'discord:42 is now admin of alpha\n' });
    expect(await json(rolesCommand, 'grant', 'discord:42', 'admin', '--agent-group', 'alpha')).toMatchObject({
      changed: false,
    });
    expect(await json(rolesCommand, 'list', '--user', 'discord:42')).toEqual([
      expect.objectContaining({ role: 'admin', agentGroup: 'alpha', source: 'runtime' }),
    ]);
    expect((await run(rolesCommand, 'revoke', 'discord:42', 'admin', '--agent-group', 'alpha')).code).toBe(0);
    const again = await run(rolesCommand, 'revoke', 'discord:42', 'admin', '--agent-group', 'alpha');
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toContain('discord:42 was not admin of alpha');
  });

  it("surfaces the DB layer's refusals as usage errors naming the argument", async () => {
    const scoped = await run(rolesCommand, 'grant', 'telegram:2', 'owner', '--agent-group', 'alpha');
    expect(scoped.code).toBe(2);
    expect(scoped.stderr).toContain('roles grant: --agent-group: an owner is global');
    const bad = await run(rolesCommand, 'grant', 'nobody', 'admin');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('roles grant: <user>: user id "nobody" must look like');
    expect((await run(rolesCommand, 'grant', 'telegram:2', 'member')).stderr).toContain(
      'nanoclaw members add',
    );
    expect(
      (await run(rolesCommand, 'grant', 'telegram:2', 'admin', '--agent-group', 'nope')).stderr,
    ).toContain('--agent-group: agent group "nope" does not exist');
    expect((await run(rolesCommand, 'grant', 'telegram:2')).stderr).toContain('expected <user> <role>');
    expect((await run(rolesCommand, 'grant', 'telegram:2', 'admin', '--dry-run')).stderr).toContain(
      '--dry-run: only in Kubernetes mode',
    );
  });

  it('does not revoke a grant projected from a UserRole, and says where it comes from', async () => {
    const r = await run(rolesCommand, 'revoke', 'slack:T:U2', 'admin', '--agent-group', 'beta');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('through a UserRole object or manifest (uid ur-x)');
    expect(await json(rolesCommand)).toContainEqual(expect.objectContaining({ user: 'slack:T:U2' }));
  });

  it('adds, lists and removes members', async () => {
    expect((await run(membersCommand, 'add', 'web:bob', '--agent-group', 'beta')).stdout).toBe(
      'web:bob is now member of beta\n',
    );
    expect(await json(membersCommand, 'list', '--agent-group', 'beta')).toEqual([
      expect.objectContaining({ user: 'web:bob', agentGroup: 'beta', source: 'runtime' }),
    ]);
    expect((await run(membersCommand, 'remove', 'web:bob', '--agent-group', 'beta')).code).toBe(0);
    expect(await json(membersCommand, 'list', '--agent-group', 'beta')).toEqual([]);
    expect((await run(membersCommand, 'add', 'web:bob')).stderr).toContain(
      'members add: --agent-group is required',
    );
  });
});

describe('roles export and Kubernetes dry runs', () => {
  it('exports runtime grants only, as deterministic, labelled UserRole manifests', async () => {
    const r = await run(rolesCommand, 'export', '--namespace', 'nanoclaw');
    expect(r.code, r.stderr).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJSON() as UserRoleManifest);
    expect(docs.map((d) => d.spec)).toEqual([
      { user: 'telegram:1', role: 'owner' },
      { user: 'telegram:9', role: 'member', agentGroup: 'alpha' },
    ]);
    for (const d of docs) {
      expect(d).toMatchObject({ apiVersion: 'nanoclaw.dev/v1alpha1', kind: 'UserRole' });
      expect(d.metadata.name).toMatch(/^(owner|member)-[0-9a-f]{12}$/);
      expect(d.metadata).toMatchObject({
        namespace: 'nanoclaw',
        labels: { 'nanoclaw.dev/created-by': 'cli' },
      });
    }
    const again = await run(rolesCommand, 'export', '--namespace', 'nanoclaw');
    expect(again.stdout).toBe(r.stdout);
  });

  it('prints the UserRole a Kubernetes-mode grant would create, without a cluster or DB row', async () => {
    const r = await runVerb(rolesCommand, [
      'grant',
      'telegram:3',
      'admin',
      '--agent-group',
      'alpha',
      '--kubernetes',
      '--namespace',
      'team',
      '--dry-run',
      '-o',
      'yaml',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseYaml(r.stdout)).toMatchObject({
      kind: 'UserRole',
      metadata: { namespace: 'team', labels: { 'nanoclaw.dev/created-by': 'cli' } },
      spec: { user: 'telegram:3', role: 'admin', agentGroup: 'alpha' },
    });
    const member = await runVerb(membersCommand, [
      'add',
      'telegram:3',
      '--agent-group',
      'other/alpha',
      '--kubernetes',
      '--dry-run',
    ]);
    expect(parseYaml(member.stdout)).toMatchObject({
      metadata: { namespace: 'other' },
      spec: { role: 'member', agentGroup: 'alpha' },
    });
    const owner = await runVerb(rolesCommand, [
      'grant',
      'telegram:3',
      'owner',
      '--agent-group',
      'a',
      '--kubernetes',
      '--dry-run',
    ]);
    expect(owner.code).toBe(2);
    expect(owner.stderr).toContain('--agent-group: an owner is global');
    expect(await json(rolesCommand, 'list', '--user', 'telegram:3')).toEqual([]);
  });
});
