/**
 * A data dir for the admin verbs' tests: real SQLite files with two agent groups (one from a CRD), a wired
 * request_approval chat, an owner, a scoped admin from a CRD, a member, a session, drop records and a pending
 * approval — and helpers that run a verb against it in-process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { addMember } from '../../host/access/members.js';
import { grantRole } from '../../host/access/roles.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { recordDrop } from '../../host/router/dropped.js';
import { recordPendingSenderApproval } from '../../host/router/sender-approval.js';
import { resolveSession } from '../../host/session/session-store.js';
import { runVerb } from './cli-run.js';

type Verb = (argv: string[]) => Promise<number>;

export interface AdminDataDir {
  dataDir: string;
  db: CentralDb;
  run(verb: Verb, ...argv: string[]): ReturnType<typeof runVerb>;
  json<T>(verb: Verb, ...argv: string[]): Promise<T>;
  remove(): void;
}

export function adminDataDir(): AdminDataDir {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-cli-'));
  const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
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
  const run = (verb: Verb, ...argv: string[]) => runVerb(verb, [...argv, '--data-dir', dataDir]);
  return {
    dataDir,
    db,
    run,
    json: async <T>(verb: Verb, ...argv: string[]): Promise<T> => {
      const r = await run(verb, ...argv, '-o', 'json');
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as T;
    },
    remove: () => {
      db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
