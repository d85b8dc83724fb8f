/** The admin verbs against a real data dir (SQLite files on disk), run in-process. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { addMember } from '../host/access/members.js';
import { grantRole } from '../host/access/roles.js';
import { upsertAgentGroup } from '../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../host/db/central-db.js';
import { upsertMessagingGroup } from '../host/db/messaging-groups.js';
import { upsertWiring } from '../host/db/wirings.js';
import { recordDrop } from '../host/router/dropped.js';
import { recordPendingSenderApproval } from '../host/router/sender-approval.js';
import { resolveSession } from '../host/session/session-store.js';
import { runVerb } from '../test/support/cli-run.js';
import { approvalsCommand } from './approvals.js';
import { agentsCommand, chatsCommand, droppedCommand, sessionsCommand, usersCommand } from './inventory.js';
import { membersCommand } from './members.js';
import { rolesCommand } from './roles.js';
import { statusCommand } from './status.js';
import type { UserRoleManifest } from './user-role-manifest.js';

let dataDir: string;
let db: CentralDb;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-cli-'));
  db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  upsertAgentGroup(db, { id: 'alpha', name: 'Alpha', folder: 'alpha', provider: 'mock' });
  upsertAgentGroup(db, {
    id: 'beta',
    name: 'Beta',
    folder: 'beta',
    provider: 'mock',
    source: 'crd',
    sourceUid: 'u-b',
  });
  const chat = upsertMessagingGroup(db, {
    id: 'mg-team',
    channelType: 'telegram',
    platformId: '-100',
    name: 'Team',
    unknownSenderPolicy: 'request_approval',
  });
  upsertWiring(db, {
    messagingGroupId: chat.id,
    agentGroupId: 'alpha',
    engageMode: 'pattern',
    engagePattern: '.',
  });
  grantRole(db, { userId: 'telegram:1', role: 'owner', displayName: 'Olga' });
  grantRole(db, {
    userId: 'slack:T:U2',
    role: 'admin',
    agentGroupId: 'beta',
    source: 'crd',
    sourceUid: 'ur-x',
  });
  addMember(db, { userId: 'telegram:9', agentGroupId: 'alpha' });
  resolveSession(db, { agentGroupId: 'alpha', messagingGroupId: chat.id, threadId: null, mode: 'shared' });
  recordDrop(db, {
    channelType: 'telegram',
    platformId: '-100',
    userId: 'telegram:5',
    reason: 'sender_scope',
  });
  recordDrop(db, {
    channelType: 'telegram',
    platformId: '-100',
    userId: 'telegram:5',
    reason: 'sender_scope',
  });
  recordDrop(db, {
    channelType: 'telegram',
    platformId: '-200',
    userId: 'telegram:6',
    reason: 'no_agent_wired',
  });
  recordPendingSenderApproval(db, {
    messagingGroupId: chat.id,
    agentGroupId: 'alpha',
    senderId: 'telegram:7',
    message: {
      channelType: 'telegram',
      platformId: '-100',
      threadId: null,
      id: 'm1',
      senderId: '7',
      senderName: 'Sam',
      text: 'hello',
      isMention: false,
      isGroup: true,
      timestamp: new Date().toISOString(),
    } as never,
  });
});

afterEach(() => {
  db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const run = (verb: (argv: string[]) => Promise<number>, ...argv: string[]) =>
  runVerb(verb, [...argv, '--data-dir', dataDir]);

async function json<T>(verb: (argv: string[]) => Promise<number>, ...argv: string[]): Promise<T> {
  const r = await run(verb, ...argv, '-o', 'json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

describe('nanoclaw status', () => {
  it('shows every section as tables, and the same facts as JSON and YAML', async () => {
    const table = await run(statusCommand);
    expect(table.code, table.stderr).toBe(0);
    for (const title of [
      'AGENT GROUPS',
      'CHATS',
      'WIRINGS',
      'ROLES',
      'SESSIONS AND RUNNERS',
      'PENDING APPROVALS',
      'NEW CHATS WAITING FOR REGISTRATION',
      'DROPPED MESSAGES BY REASON',
      'CHANNELS',
      'FAILURE NOTICES SENT',
      'LAST ERRORS',
    ])
      expect(table.stdout).toContain(`${title}\n`);

    const s = await json<Record<string, Record<string, unknown>[]>>(statusCommand);
    expect(s.agents!.map((a) => [a.id, a.chats, a.activeSessions])).toEqual([
      ['alpha', 1, 1],
      ['beta', 0, 0],
    ]);
    expect(s.sessions).toEqual([expect.objectContaining({ agentGroup: 'alpha', runner: 'stopped' })]);
    expect(s.approvals).toEqual([expect.objectContaining({ sender: 'telegram:7', status: 'pending' })]);
    expect(s.dropped).toEqual([
      expect.objectContaining({ reason: 'no_agent_wired', messages: 1, senders: 1 }),
      expect.objectContaining({ reason: 'sender_scope', messages: 2, senders: 1 }),
    ]);
    expect(s.channels).toEqual([{ channel: 'web', platform: 'web', lastError: null, lastErrorAt: null }]);
    const yaml = await run(statusCommand, '-o', 'yaml');
    expect(parseYaml(yaml.stdout)).toEqual(s);
  });

  it('shows new chats still waiting for registration, not the decided ones', async () => {
    const mg = (id: string) => upsertMessagingGroup(db, { channelType: 'telegram', platformId: id }).id;
    const registration = (id: string, chat: string, status: string) => ({
      id,
      messaging_group_id: mg(chat),
      sender_id: 'telegram:8',
      sender_name: null,
      original_message: '{}',
      status: status as 'pending',
      options: '[]',
      approver_user_id: 'telegram:1',
      card_messaging_group_id: null,
      agent_group_id: null,
      decided_by: null,
      decided_at: null,
      error: null,
      created_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2026-01-02T00:00:00.000Z',
      replayed_at: null,
    });
    db.run(
      db.q
        .insertInto('pending_channel_registrations')
        .values([registration('reg-1', '-301', 'pending'), registration('reg-2', '-302', 'rejected')]),
    );
    const s = await json<Record<string, Record<string, unknown>[]>>(statusCommand);
    expect(s.registrations).toEqual([
      expect.objectContaining({
        id: 'reg-1',
        status: 'pending',
        sender: 'telegram:8',
        approver: 'telegram:1',
      }),
    ]);
  });

  it('lists a configured bot with the last send error recorded for its channel', async () => {
    db.run(
      db.q.insertInto('host_messages').values({
        id: 'hm-1',
        kind: 'notice',
        channel_type: 'telegram',
        platform_id: '-100',
        thread_id: null,
        text: 'hi',
        in_reply_to: null,
        status: 'failed',
        attempts: 3,
        platform_message_id: null,
        error: 'Forbidden: bot was blocked by the user',
        created_at: '2026-01-01T00:00:00.000Z',
        finished_at: '2026-01-01T00:00:05.000Z',
        card: null,
      }),
    );
    process.env.TELEGRAM_BOT_TOKEN = '1:test';
    try {
      const s = await json<Record<string, Record<string, unknown>[]>>(statusCommand);
      expect(s.channels).toContainEqual({
        channel: 'telegram',
        platform: 'telegram',
        lastError: 'Forbidden: bot was blocked by the user',
        lastErrorAt: '2026-01-01T00:00:05.000Z',
      });
      expect(s.errors).toEqual([
        expect.objectContaining({ id: 'hm-1', what: 'host notice to telegram/-100' }),
      ]);
      expect(s.notices).toEqual([{ at: '2026-01-01T00:00:00.000Z', to: 'telegram/-100', text: 'hi' }]);
    } finally {
      delete process.env.TELEGRAM_BOT_TOKEN;
    }
  });

  it('refuses a data dir without a central DB, and stray arguments, as usage errors', async () => {
    const missing = await runVerb(statusCommand, ['--data-dir', path.join(dataDir, 'nope')]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('--data-dir: no central DB at');
    expect(fs.existsSync(path.join(dataDir, 'nope'))).toBe(false);
    expect((await run(statusCommand, 'extra')).stderr).toContain('status: unexpected argument "extra"');
    expect((await run(statusCommand, '-o', 'xml')).code).toBe(2);
  });
});

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
