/**
 * /stop through the real host and runner processes (web channel, mock agent): the host lets it through for the
 * running request's sender and for an admin, refuses any other member itself, and says when nothing runs; the
 * runner interrupts the turn and says "Stopped.", and the session keeps answering.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../../host/access/members.js';
import { grantRole } from '../../host/access/roles.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { NOTHING_RUNNING_REPLY, STOP_REFUSED_REPLY, STOPPED_REPLY } from '../../protocol/commands.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';
import { ChatStreams, send, type ChatStream } from '../support/web-client.js';

let host: HostProcess;
let chat: ChatStream;
const streams = new ChatStreams(() => host.url);

beforeAll(async () => {
  const dataDir = tempDir();
  withDb(dataDir, (db) => {
    upsertAgentGroup(db, { id: 'helper', name: 'Helper', folder: 'helper', provider: 'mock' });
    const mg = upsertMessagingGroup(db, {
      channelType: 'web',
      platformId: 'team',
      unknownSenderPolicy: 'strict',
    });
    upsertWiring(db, {
      messagingGroupId: mg.id,
      agentGroupId: 'helper',
      engageMode: 'pattern',
      engagePattern: '.',
    });
    grantRole(db, { userId: 'web:local', role: 'owner' });
    grantRole(db, { userId: 'web:boss', role: 'admin', agentGroupId: 'helper' });
    addMember(db, { userId: 'web:alice', agentGroupId: 'helper' });
    addMember(db, { userId: 'web:bob', agentGroupId: 'helper' });
  });
  host = await startHostProcess({ dataDir });
  chat = await streams.watch('team');
});

afterAll(async () => {
  streams.closeAll();
  await host?.stop();
});

/** Whether the session's runner holds a 'processing' claim (read straight from its outbound.db). */
function claimed(): boolean {
  const root = path.join(host.dataDir, 'sessions', 'helper');
  for (const s of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const file = path.join(root, s, 'outbound.db');
    if (!fs.existsSync(file)) continue;
    const db = new Database(file, { readonly: true, timeout: 1000 });
    try {
      if (db.prepare(`SELECT 1 FROM processing_ack WHERE status = 'processing'`).get()) return true;
    } finally {
      db.close();
    }
  }
  return false;
}

async function until(what: string, probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const say = (sender: string, text: string) => send(host.url, { chat: 'team', sender, text });

async function runningRequest(sender: string, text: string): Promise<number> {
  const from = chat.replies.length;
  await say(sender, text);
  await until('the runner to claim the request', claimed);
  return from;
}

describe('/stop', () => {
  it('says nothing is running when the session is idle, without waking the agent', async () => {
    const from = chat.replies.length;
    expect(await say('alice', '/stop')).toMatchObject({ delivered: 0 });
    await chat.waitFor((r) => r.text === NOTHING_RUNNING_REPLY, 10_000, from);
  });

  it('lets the sender stop their own request, and the session answers the next message', async () => {
    const from = await runningRequest('alice', 'a long job [[delay:60000]]');
    expect(await say('alice', '/stop')).toMatchObject({ delivered: 1 });
    await chat.waitFor((r) => r.text === STOPPED_REPLY, 10_000, from);
    await until('the claim released', () => !claimed(), 10_000);
    const next = chat.replies.length;
    await say('alice', 'still there?');
    await chat.waitFor((r) => r.text === 'Mock response to: still there?', 15_000, next);
    expect(chat.replies.slice(from).some((r) => r.text.startsWith('Mock response to: a long job'))).toBe(
      false,
    );
  });

  it('lets an admin stop somebody else’s request', async () => {
    const from = await runningRequest('alice', 'another long job [[delay:60000]]');
    expect(await say('boss', '/stop')).toMatchObject({ delivered: 1 });
    await chat.waitFor((r) => r.text === STOPPED_REPLY, 10_000, from);
    await until('the claim released', () => !claimed(), 10_000);
  });

  it('refuses a member who did not send the running request, at the host; the turn goes on', async () => {
    const from = await runningRequest('alice', 'keep going [[delay:2500]]');
    expect(await say('bob', '/stop')).toMatchObject({ delivered: 0 });
    await chat.waitFor((r) => r.text === STOP_REFUSED_REPLY, 10_000, from);
    await chat.waitFor((r) => r.text === 'Mock response to: keep going', 15_000, from);
    expect(chat.replies.slice(from).some((r) => r.text === STOPPED_REPLY)).toBe(false);
  });
});
