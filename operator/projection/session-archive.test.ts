import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { findMessagingGroup } from '../../host/db/messaging-groups.js';
import { listArchivedSessions } from '../../host/db/session-archive.js';
import { getSession, resolveSession } from '../../host/session/session-store.js';
import { agentGroup, messagingGroup } from '../api/v1alpha1/testdata/invalid-manifests.js';
import { projector, type Projector } from '../testing.js';
import { pruneProjection, removeProjection } from './project.js';

let db: CentralDb;
let p: Projector;
beforeEach(() => {
  db = memoryDb();
  p = projector(db);
});
afterEach(() => p.cleanup());

const agentShared = (id: string) =>
  resolveSession(db, { agentGroupId: id, messagingGroupId: null, threadId: null, mode: 'agent-shared' })
    .session;

describe('sessions of a deleted AgentGroup (Kubernetes delete event)', () => {
  it('are archived, not cascaded, and return when the AgentGroup is re-created with the same name', () => {
    p.apply(agentGroup('a'), 'u1');
    const s = agentShared('a');
    const file = path.join(p.dataDir, 'sessions', 'a', s.id, 'outbound.db');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'replies');

    removeProjection(db, p.dataDir, 'u1');
    p.live.delete('u1');
    expect(getSession(db, s.id)).toBeUndefined();
    expect(listArchivedSessions(db)).toEqual([
      expect.objectContaining({ id: s.id, folder: 'a', status: 'active', archive_dir: expect.any(String) }),
    ]);

    p.apply(agentGroup('a'), 'u2'); // a new object: a new uid, the same id and folder
    expect(getSession(db, s.id)).toMatchObject({ agent_group_id: 'a', status: 'active' });
    expect(fs.readFileSync(file, 'utf8')).toBe('replies');
    expect(listArchivedSessions(db)).toEqual([]);
  });

  it('wait for their chat: the AgentGroup alone does not bring back a chat session', () => {
    const chat = messagingGroup('web-main', {
      channel: 'web',
      platformId: 'main',
      agents: [{ agentGroup: 'a' }],
    });
    p.apply(agentGroup('a'), 'u1');
    p.apply(chat, 'c1');
    const chatId = findMessagingGroup(db, 'web', 'main')!.id;
    const { session } = resolveSession(db, {
      agentGroupId: 'a',
      messagingGroupId: chatId,
      threadId: null,
      mode: 'shared',
    });
    p.live.clear();
    pruneProjection(db, p.dataDir, () => false);
    expect(listArchivedSessions(db)).toEqual([
      expect.objectContaining({ id: session.id, messaging_group_id: chatId }),
    ]);

    p.apply(agentGroup('a'), 'u1');
    expect(getSession(db, session.id)).toBeUndefined();
    p.apply(chat, 'c1');
    expect(getSession(db, session.id)).toMatchObject({ messaging_group_id: chatId, status: 'active' });
  });
});
