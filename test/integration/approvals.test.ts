/**
 * Unknown-sender approvals end to end: the real `nanoclaw host` process with a Telegram bot (grammY against the
 * fake Bot API), a group chat with policy request_approval, and the owner approving from a cold DM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantRole } from '../../host/access/roles.js';
import { isMember } from '../../host/access/members.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { FakeTelegram, type SentMessage } from '../fakes/telegram/fake-telegram.js';
import { ALICE, BOB, click, message, type Person } from '../fakes/telegram/updates.js';
import { callbackAnswer, cardButtons } from '../fakes/telegram/cards.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';

const TOKEN = '6161:approvals-token';
const GROUP = { id: -100500, type: 'supergroup' as const };
const CAROL: Person = { id: 333, first_name: 'Carol' };
const DAVE: Person = { id: 444, first_name: 'Dave' };
let fake: FakeTelegram;
let host: HostProcess;
let dataDir: string;

const start = () =>
  startHostProcess({ dataDir, env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot } });
const say = (from: Person, text: string) =>
  fake.inject(TOKEN, { message: message({ chat: GROUP, from, text }) });
const inChat = (chat: number, text: string) =>
  fake.messages.filter((m) => m.chat_id === String(chat) && m.text.includes(text));
const waitIn = (chat: number, text: string, timeoutMs = 20_000): Promise<SentMessage> =>
  fake.waitFor(() => inChat(chat, text)[0], `"${text}" in ${chat}`, timeoutMs);

/** The approval id in a card's buttons (two: approve, deny). */
function cardId(card: SentMessage): string {
  const { id, data } = cardButtons(card);
  expect(data).toEqual([`q:${id}:0`, `q:${id}:1`]);
  return id;
}

async function cardFor(name: string): Promise<string> {
  return cardId(await waitIn(ALICE.id, `Access request: ${name}`));
}

const answerOf = (queryId: string) => callbackAnswer(fake, queryId);

beforeAll(async () => {
  fake = await FakeTelegram.start([{ token: TOKEN, id: 6161, username: 'gate_bot' }]);
  dataDir = tempDir('nc-approvals-');
  withDb(dataDir, (db) => {
    upsertAgentGroup(db, { id: 'assistant', name: 'Assistant', folder: 'assistant', provider: 'mock' });
    const mg = upsertMessagingGroup(db, {
      channelType: 'telegram',
      platformId: String(GROUP.id),
      name: 'Team room',
      isGroup: true,
      unknownSenderPolicy: 'request_approval',
    });
    upsertWiring(db, {
      messagingGroupId: mg.id,
      agentGroupId: 'assistant',
      engageMode: 'pattern',
      engagePattern: '.',
    });
    grantRole(db, { userId: `telegram:${ALICE.id}`, role: 'owner', displayName: 'Alice' });
  });
  host = await start();
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await fake?.close();
});

describe('approving an unknown sender from the owner’s DM', () => {
  it('holds the message, sends the card to the owner’s DM only, and ignores a click by anyone else', async () => {
    say(BOB, 'can I join?');
    const id = await cardFor('Bob (telegram:222) wrote in Team room');
    expect(inChat(GROUP.id, 'Access request')).toEqual([]);
    expect(inChat(GROUP.id, 'Mock response')).toEqual([]);
    fake.inject(TOKEN, click(BOB, `q:${id}:0`, 'cq-bob'));
    expect(await answerOf('cq-bob')).toBe('This question is for someone else.');
    expect(withDb(dataDir, (db) => isMember(db, 'telegram:222', 'assistant'))).toBe(false);
  });

  it('on Approve makes the sender a member and answers the held message once', async () => {
    const id = await cardFor('Bob (telegram:222)');
    fake.inject(TOKEN, click(ALICE, `q:${id}:0`, 'cq-alice'));
    await waitIn(ALICE.id, 'Approved: Bob (telegram:222) is now a member of Assistant.');
    await waitIn(GROUP.id, 'Mock response to: can I join?');
    expect(withDb(dataDir, (db) => isMember(db, 'telegram:222', 'assistant'))).toBe(true);
    say(BOB, 'thanks');
    await waitIn(GROUP.id, 'Mock response to: thanks');
    expect(inChat(GROUP.id, 'Mock response to: can I join?')).toHaveLength(1);
    fake.inject(TOKEN, click(ALICE, `q:${id}:0`, 'cq-again'));
    expect(await answerOf('cq-again')).toBe('This question is already answered or closed.');
  });

  it('on Deny remembers it: later messages send no new card', async () => {
    say(CAROL, 'let me in');
    const id = await cardFor('Carol (telegram:333)');
    fake.inject(TOKEN, click(ALICE, `q:${id}:1`, 'cq-deny'));
    await waitIn(ALICE.id, 'Denied: messages from Carol (telegram:333)');
    const seen = host.logs.length;
    say(CAROL, 'please?');
    await host.waitForLog((l) => host.logs.indexOf(l) >= seen && l.msg === 'telegram message routed');
    expect(inChat(ALICE.id, 'Access request: Carol')).toHaveLength(1);
    expect(inChat(GROUP.id, 'Mock response to: let me in')).toEqual([]);
  });

  it('keeps a pending approval across a host restart and replays it when approved afterwards', async () => {
    say(DAVE, 'hello from before the restart');
    const id = await cardFor('Dave (telegram:444)');
    expect(await host.stop()).toBe(0);
    host = await start();
    fake.inject(TOKEN, click(ALICE, `q:${id}:0`, 'cq-after'));
    await waitIn(GROUP.id, 'Mock response to: hello from before the restart');
    expect(inChat(ALICE.id, 'Access request: Dave')).toHaveLength(1);
  }, 60_000);
});
