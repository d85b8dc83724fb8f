/**
 * One operator watching two namespaces: agent group ids become `<namespace>/<name>`, references stay inside their
 * namespace, and one folder used in both namespaces is a Ready=False conflict (never a shared directory) that
 * clears when the first user goes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
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

describe('several namespaces', () => {
  it('namespaces ids, keeps references local, and never shares a folder', async () => {
    await api.create(a, agentGroup('helper'));
    await eventually(async () => (await readyOf(a, 'AgentGroup', 'helper'))?.status === 'True');
    await api.create(b, agentGroup('helper'));
    const conflict = await eventually(async () => {
      const c = await readyOf(b, 'AgentGroup', 'helper');
      return c?.reason === 'FolderConflict' ? c : undefined;
    });
    expect(conflict.message).toContain(`${a}/helper`);
    expect(listAgentGroups(db).map((g) => [g.id, g.folder])).toEqual([[`${a}/helper`, 'helper']]);

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

    await api.delete(a, 'AgentGroup', 'helper');
    await eventually(async () => (await readyOf(b, 'AgentGroup', 'helper'))?.status === 'True');
    expect(
      listAgentGroups(db)
        .map((g) => g.id)
        .sort(),
    ).toEqual([`${b}/helper`, `${b}/other`]);
  });
});
