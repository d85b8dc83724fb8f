/**
 * Channel registration end to end in the embedded mode: the real `nanoclaw start` process with its config folder
 * and a Telegram bot (grammY against the fake Bot API). The bot is mentioned in groups no agent serves; the owner
 * gets a card in their DM and connects, creates or rejects — and the decision is a manifest file in the folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMember } from '../../host/access/members.js';
import { FakeTelegram, type SentMessage } from '../fakes/telegram/fake-telegram.js';
import { callbackAnswer, cardButtons } from '../fakes/telegram/cards.js';
import { ALICE, BOB, click, mentionOf, message, type Person } from '../fakes/telegram/updates.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';

const TOKEN = '7171:registration-token';
const BOT = 'reg_bot';
let fake: FakeTelegram;
let host: HostProcess;
let dataDir: string;
let configDir: string;

const CONFIG = `apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata:
  name: assistant
spec:
  displayName: Assistant
  provider: mock
---
apiVersion: nanoclaw.dev/v1alpha1
kind: UserRole
metadata:
  name: alice-owner
spec:
  user: telegram:${ALICE.id}
  role: owner
  displayName: Alice
`;

const group = (id: number) => ({ id, type: 'supergroup' as const });
const mention = (chat: number, from: Person, text: string) =>
  fake.inject(TOKEN, {
    message: message({ chat: group(chat), from, text: `@${BOT} ${text}`, entities: [mentionOf(BOT)] }),
  });
const inChat = (chat: number, text: string) =>
  fake.messages.filter((m) => m.chat_id === String(chat) && m.text.includes(text));
const waitIn = (chat: number, text: string, timeoutMs = 20_000): Promise<SentMessage> =>
  fake.waitFor(() => inChat(chat, text)[0], `"${text}" in ${chat}`, timeoutMs);

const buttonsOf = (card: SentMessage) => cardButtons(card);
const answerOf = (queryId: string) => callbackAnswer(fake, queryId);

const registeredFiles = () => fs.readdirSync(configDir).filter((f) => f.startsWith('chat-telegram-'));

beforeAll(async () => {
  fake = await FakeTelegram.start([{ token: TOKEN, id: 7171, username: BOT }]);
  dataDir = tempDir('nc-registration-');
  configDir = path.join(dataDir, 'nanoclaw.d');
  fs.mkdirSync(configDir);
  fs.writeFileSync(path.join(configDir, 'base.yaml'), CONFIG);
  host = await startHostProcess({
    dataDir,
    verb: 'start',
    args: ['--config-dir', configDir],
    env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot },
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await fake?.close();
});

describe('registering a chat no agent serves', () => {
  it('sends one card to the owner’s DM, refuses a click by someone else, and connects on the owner’s click', async () => {
    mention(-100601, BOB, 'hello there');
    const card = await waitIn(
      ALICE.id,
      'New chat: Bob (telegram:222) wrote to the bot in telegram group -100601',
    );
    const { id, labels } = buttonsOf(card);
    expect(labels).toEqual(['Connect to Assistant', 'New agent', 'Reject']);
    expect(inChat(-100601, 'New chat')).toEqual([]);
    mention(-100601, BOB, 'anyone?');
    fake.inject(TOKEN, click(BOB, `q:${id}:0`, 'cq-bob'));
    expect(await answerOf('cq-bob')).toBe('This question is for someone else.');
    expect(inChat(ALICE.id, 'New chat: Bob')).toHaveLength(1);

    fake.inject(TOKEN, click(ALICE, `q:${id}:0`, 'cq-alice'));
    await waitIn(ALICE.id, 'Connected telegram group -100601 to Assistant');
    await waitIn(-100601, 'Mock response to: @reg_bot hello there');
    expect(registeredFiles()).toHaveLength(1);
    const file = fs.readFileSync(path.join(configDir, registeredFiles()[0]!), 'utf8');
    expect(file).toContain('kind: MessagingGroup');
    expect(file).toContain('agentGroup: assistant');
    expect(file).toContain('unknownSenderPolicy: request_approval');
    expect(withDb(dataDir, (db) => isMember(db, 'telegram:222', 'assistant'))).toBe(true);
    // The chat is now served like any other: the next message is answered without a card.
    mention(-100601, BOB, 'thanks');
    await waitIn(-100601, 'Mock response to: @reg_bot thanks');
    expect(inChat(ALICE.id, 'New chat')).toHaveLength(1);
  });

  it('creates a new agent group for the chat when the owner asks for one', async () => {
    mention(-100602, ALICE, 'a room of its own');
    const { id, labels } = buttonsOf(await waitIn(ALICE.id, 'telegram group -100602'));
    fake.inject(TOKEN, click(ALICE, `q:${id}:${labels.indexOf('New agent')}`, 'cq-new'));
    await waitIn(-100602, 'Mock response to: @reg_bot a room of its own', 30_000);
    const created = registeredFiles()
      .map((f) => fs.readFileSync(path.join(configDir, f), 'utf8'))
      .find((t) => t.includes('kind: AgentGroup'));
    expect(created).toContain('displayName: Agent for telegram group -100602');
  }, 40_000);

  it('rejects a chat: the bot then ignores it without new cards', async () => {
    mention(-100603, BOB, 'spam');
    const { id, labels } = buttonsOf(await waitIn(ALICE.id, 'telegram group -100603'));
    // The agent created in the test before is offered too now.
    expect(labels).toEqual([
      'Connect to Assistant',
      'Connect to Agent for telegram group -100602',
      'New agent',
      'Reject',
    ]);
    fake.inject(TOKEN, click(ALICE, `q:${id}:${labels.indexOf('Reject')}`, 'cq-reject'));
    expect(await answerOf('cq-reject')).toBeUndefined(); // taken: no "already answered or closed"
    await waitIn(ALICE.id, 'Rejected: the bot will ignore telegram group -100603');
    const seen = host.logs.length;
    mention(-100603, BOB, 'more spam');
    await host.waitForLog((l) => host.logs.indexOf(l) >= seen && l.msg === 'telegram message routed');
    expect(inChat(ALICE.id, 'wrote to the bot in telegram group -100603')).toHaveLength(1);
    expect(inChat(-100603, 'Mock response')).toEqual([]);
  });
});
