/**
 * One operator watching two namespaces (the first is the install's own): agent group ids become `<namespace>/<name>`
 * and folders `<namespace>-<folder>`, references stay inside their namespace, a folder used twice in one namespace
 * is a Ready=False conflict that clears when the first user goes (its folder archived, never inherited), global
 * grants come only from the install's own namespace, and no status or Event names another namespace's object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUserIdsFor } from '../../host/access/access.js';
import { listAgentGroups } from '../../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { findMessagingGroup } from '../../host/db/messaging-groups.js';
import { listWiringsOf } from '../../host/db/wirings.js';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { runOperator, type OperatorHandle } from '../../operator/k8s/operator.js';
import {
  agentGroup,
  messagingGroup,
  userRole,
} from '../../operator/api/v1alpha1/testdata/invalid-manifests.js';
import { eventually, objects, ready } from './support.js';

let cp: ControlPlane;
let api: ReturnType<typeof objects>;
let db: CentralDb;
let dataDir: string;
let op: OperatorHandle;
let a: string;
let b: string;

beforeAll(async () => {
  cp = await ControlPlane.start();
  api = objects(cp.kubeConfig());
  a = await cp.createNamespace('team-a');
  b = await cp.createNamespace('team-b');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-multi-'));
  db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  op = await runOperator({
    db,
    dataDir,
    kubeConfig: cp.kubeConfig(),
    namespaces: [a, b],
    log: pino({ level: 'silent' }),
  });
  await eventually(() => op.ready(), 30_000);
});
afterAll(async () => {
  await op?.stop();
  db?.close();
  await cp?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const readyOf = async (ns: string, kind: string, name: string) => ready(await api.get(ns, kind, name));

async function eventMessages(ns: string, name: string): Promise<string[]> {
  const list = await cp.kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
  return list.items.filter((e) => e.involvedObject.name === name).map((e) => `${e.reason}: ${e.message}`);
}

describe('several namespaces', () => {
  it('namespaces ids and folders, keeps references local, and never shares or hands on a folder', async () => {
    await api.create(a, agentGroup('helper'));
    await eventually(async () => (await readyOf(a, 'AgentGroup', 'helper'))?.status === 'True');
    await api.create(b, agentGroup('helper'));
    await eventually(async () => (await readyOf(b, 'AgentGroup', 'helper'))?.status === 'True');
    expect(
      listAgentGroups(db)
        .map((g) => [g.id, g.folder])
        .sort(),
    ).toEqual([
      [`${a}/helper`, `${a}-helper`],
      [`${b}/helper`, `${b}-helper`],
    ]);
    fs.writeFileSync(path.join(dataDir, 'groups', `${b}-helper`, 'memory.md'), 'b remembers');

    await api.create(b, agentGroup('twin', { folder: 'helper' }));
    const conflict = await eventually(async () => {
      const c = await readyOf(b, 'AgentGroup', 'twin');
      return c?.reason === 'FolderConflict' ? c : undefined;
    });
    expect(conflict.message).toContain(`${b}/helper`);

    await api.create(b, agentGroup('other', { folder: 'other-b' }));
    await api.create(
      b,
      messagingGroup('chat', { channel: 'web', platformId: 'b', agents: [{ agentGroup: 'other' }] }),
    );
    await api.create(b, userRole('boss', { user: 'web:boss', role: 'admin', agentGroup: 'other' }));
    await eventually(async () => (await readyOf(b, 'MessagingGroup', 'chat'))?.status === 'True');
    const chat = findMessagingGroup(db, 'web', 'b')!;
    expect(chat.id).toBe(`${b}/chat`);
    expect(listWiringsOf(db, chat.id).map((w) => w.agent_group_id)).toEqual([`${b}/other`]);
    await eventually(() => adminUserIdsFor(db, `${b}/other`).includes('web:boss'));

    // A reference never crosses namespaces: "other" does not exist in team-a.
    await api.create(
      a,
      messagingGroup('chat', { channel: 'web', platformId: 'a', agents: [{ agentGroup: 'other' }] }),
    );
    await eventually(
      async () => (await readyOf(a, 'MessagingGroup', 'chat'))?.reason === 'AgentGroupNotFound',
    );

    // The deleted group's folder is archived; the twin that takes the folder over starts empty.
    await api.delete(b, 'AgentGroup', 'helper');
    await eventually(async () => (await readyOf(b, 'AgentGroup', 'twin'))?.status === 'True');
    expect(fs.readdirSync(path.join(dataDir, 'groups', `${b}-helper`))).toEqual([]);
    const archive = path.join(dataDir, 'groups', '.archive');
    const [archived] = fs.readdirSync(archive).filter((f) => f.startsWith(`${b}-helper-`));
    expect(fs.readFileSync(path.join(archive, archived!, 'memory.md'), 'utf8')).toBe('b remembers');
    expect(
      listAgentGroups(db)
        .map((g) => g.id)
        .sort(),
    ).toEqual([`${a}/helper`, `${b}/other`, `${b}/twin`]);
  });

  it('grants global roles only from the install’s own namespace; scoped ones anywhere', async () => {
    await api.create(b, userRole('sneaky-owner', { user: 'web:mallory', role: 'owner' }));
    await api.create(b, userRole('sneaky-admin', { user: 'web:mallory', role: 'admin' }));
    for (const name of ['sneaky-owner', 'sneaky-admin']) {
      await eventually(async () => (await readyOf(b, 'UserRole', name))?.reason === 'GlobalGrantNotAllowed');
    }
    await api.create(a, userRole('real-owner', { user: 'web:olga', role: 'owner' }));
    await eventually(async () => (await readyOf(a, 'UserRole', 'real-owner'))?.status === 'True');
    const holders = db.all(db.q.selectFrom('user_roles').select(['user_id', 'role', 'agent_group_id']));
    expect(holders.filter((r) => r.user_id === 'web:mallory')).toEqual([]);
    expect(holders).toContainEqual({ user_id: 'web:olga', role: 'owner', agent_group_id: null });
    await eventually(async () =>
      (await eventMessages(b, 'sneaky-owner')).some((e) => e.startsWith('GlobalGrantNotAllowed')),
    );
  });

  it('claims a chat first-come across namespaces without naming the holder to the other namespace', async () => {
    await api.create(a, messagingGroup('secret-chat', { channel: 'telegram', platformId: '-42' }));
    await eventually(async () => (await readyOf(a, 'MessagingGroup', 'secret-chat'))?.status === 'True');
    await api.create(b, messagingGroup('mine', { channel: 'telegram', platformId: '-42' }));
    const refused = await eventually(async () => {
      const c = await readyOf(b, 'MessagingGroup', 'mine');
      return c?.reason === 'ChatConflict' ? c : undefined;
    });
    expect(refused.message).toContain('an object in another namespace');
    expect(refused.message).not.toContain(a);
    expect(refused.message).not.toContain('secret-chat');
    const events = await eventually(async () => {
      const list = await eventMessages(b, 'mine');
      return list.length > 0 ? list : undefined;
    });
    for (const e of events) expect(e).not.toMatch(new RegExp(`${a}|secret-chat`));
    expect(findMessagingGroup(db, 'telegram', '-42')).toMatchObject({ id: `${a}/secret-chat` });
  });
});
