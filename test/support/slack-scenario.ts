/** The Slack end-to-end scenario shared by the in-process and the host-process tests: ids, seed, waits. */
import { createHash } from 'node:crypto';
import net from 'node:net';
import pino from 'pino';
import { grantRole } from '../../host/access/roles.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import type { FakeSlack } from '../fakes/slack/fake-slack.js';
import type { PostedMessage } from '../fakes/slack/web-api.js';

export const TEAM = 'TFAKE01';
export const ALICE = 'U0ALICE';
export const BOB = 'U0BOB';
export const DM = 'D0ALICE';
export const GROUP = 'C0GROUP';
export const THREADS = 'C0THREADS';
export const SECRET = 'slack-signing-secret-for-tests';
export const log = pino({ level: 'silent' });
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alice's DM, a mention-engaged channel, a channel with one session per thread; Alice is the owner. */
export function seed(db: CentralDb): void {
  upsertAgentGroup(db, { id: 'assistant', name: 'assistant', folder: 'assistant', provider: 'mock' });
  const chats = [
    { platformId: DM, isGroup: false, wiring: { engageMode: 'pattern', engagePattern: '.' } },
    { platformId: GROUP, isGroup: true, wiring: { engageMode: 'mention' } },
    {
      platformId: THREADS,
      isGroup: true,
      wiring: { engageMode: 'pattern', engagePattern: '.', sessionMode: 'per-thread' },
    },
  ] as const;
  for (const c of chats) {
    const mg = upsertMessagingGroup(db, {
      channelType: 'slack',
      platformId: c.platformId,
      name: c.platformId,
      isGroup: c.isGroup,
      unknownSenderPolicy: 'strict',
    });
    upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'assistant', ...c.wiring });
  }
  grantRole(db, { userId: `slack:${TEAM}:${ALICE}`, role: 'owner', displayName: 'alice' });
}

export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function postedIn(fake: FakeSlack, channel: string): PostedMessage[] {
  return fake.api.posted.filter((m) => m.channel === channel);
}

export function reply(
  fake: FakeSlack,
  channel: string,
  text: string,
  timeoutMs = 20_000,
): Promise<PostedMessage> {
  return waitFor(
    `a reply containing "${text.slice(0, 60)}" in ${channel}`,
    () => postedIn(fake, channel).find((m) => m.text.includes(text)),
    timeoutMs,
  );
}

/** The host's row id of an inbound message (what agents use as a message id). */
export function rowId(platformId: string, messageId: string): string {
  const h = createHash('sha256').update(`slack\0${platformId}\0${messageId}`).digest('hex');
  return `m-${h.slice(0, 24)}`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export function people(fake: FakeSlack): void {
  fake.addUser(ALICE, 'alice');
  fake.addUser(BOB, 'bob');
  fake.addUser('U0CAROL', 'carol');
}
