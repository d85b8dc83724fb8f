/**
 * Channel registration in Kubernetes mode on a real kube-apiserver: the host (in-process, embedded runners, a
 * Telegram bot against the fake Bot API) writes the owner's decision as a MessagingGroup object — and for a new
 * agent an AgentGroup — with its field manager; the operator projects them into the same central DB, and the
 * message that asked is answered from the projected wiring.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesWriter } from '../../cli/chat-config/kubernetes-writer.js';
import { channelInstances } from '../../host/channels/channel-instance.js';
import { TelegramAdapter } from '../../host/channels/telegram/telegram-adapter.js';
import { loadConfig } from '../../host/config.js';
import { type CentralDb } from '../../host/db/central-db.js';
import { startHost, type RunningHost } from '../../host/host.js';
import type { ControlPlane } from '../fixtures/kube/control-plane.js';
import { startOperatorFixture, type OperatorFixture } from './operator-fixture.js';
import { FakeTelegram, type SentMessage } from '../fakes/telegram/fake-telegram.js';
import { cardButtons } from '../fakes/telegram/cards.js';
import { ALICE, BOB, click, mentionOf, message } from '../fakes/telegram/updates.js';
import { eventually } from './support.js';

const TOKEN = '8181:k8s-registration';
const BOT = 'kreg_bot';
const log = pino({ level: 'silent' });
let fx: OperatorFixture;
let cp: ControlPlane;
let ns: string;
let api: OperatorFixture['api'];
let db: CentralDb;
let dataDir: string;
let fake: FakeTelegram;
let host: RunningHost;

const mention = (chat: number, text: string) =>
  fake.inject(TOKEN, {
    message: message({
      chat: { id: chat, type: 'supergroup' },
      from: BOB,
      text: `@${BOT} ${text}`,
      entities: [mentionOf(BOT)],
    }),
  });
const waitIn = (chat: number, text: string, timeoutMs = 30_000): Promise<SentMessage> =>
  fake.waitFor(
    () => fake.messages.find((m) => m.chat_id === String(chat) && m.text.includes(text)),
    `"${text}" in ${chat}`,
    timeoutMs,
  );

/** The card the owner got for a mention in `chat`: its question id and button labels. */
const cardFor = async (chat: number) =>
  cardButtons(await waitIn(ALICE.id, `wrote to the bot in telegram group ${chat}`));

beforeAll(async () => {
  fx = await startOperatorFixture('registration', log);
  ({ cp, ns, api, db, dataDir } = fx);
  await api.create(ns, {
    apiVersion: 'nanoclaw.dev/v1alpha1',
    kind: 'AgentGroup',
    metadata: { name: 'assistant' },
    spec: { displayName: 'Assistant', provider: 'mock' },
  });
  await api.create(ns, {
    apiVersion: 'nanoclaw.dev/v1alpha1',
    kind: 'UserRole',
    metadata: { name: 'alice-owner' },
    spec: { user: `telegram:${ALICE.id}`, role: 'owner' },
  });
  await eventually(() => db.first(db.q.selectFrom('user_roles').select('id').where('role', '=', 'owner')));
  fake = await FakeTelegram.start([{ token: TOKEN, id: 8181, username: BOT }]);
  const [instance] = channelInstances({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
  host = await startHost({
    config: loadConfig({
      NANOCLAW_DATA_DIR: dataDir,
      NANOCLAW_PORT: '0',
      NANOCLAW_RUNNER_POLL_MS: '250',
      NANOCLAW_SWEEP_INTERVAL_SECONDS: '1',
    }),
    log,
    db,
    channels: [
      new TelegramAdapter(instance!, log, { pollTimeoutSeconds: 1, backoff: { initial: 50, max: 500 } }),
    ],
    chatConfigWriter: kubernetesWriter(cp.kubeConfig(), ns),
  });
}, 90_000);

afterAll(async () => {
  await host?.close();
  await fake?.close();
  await fx?.stop();
});

describe('channel registration on a real API server', () => {
  it('connects a chat as a MessagingGroup object written by the host and answers from its projection', async () => {
    mention(-100701, 'hello cluster');
    const { id, labels } = await cardFor(-100701);
    expect(labels).toEqual(['Connect to Assistant', 'New agent', 'Reject']);
    fake.inject(TOKEN, click(ALICE, `q:${id}:0`, 'cq-connect'));
    await waitIn(-100701, 'Mock response to: @kreg_bot hello cluster');
    const [mg] = await api.list(ns, 'MessagingGroup');
    expect(mg!.metadata.labels).toEqual({ 'nanoclaw.dev/created-by': 'registration' });
    expect((mg!.metadata.managedFields as { manager: string }[]).map((f) => f.manager)).toContain(
      'nanoclaw-host',
    );
    expect(mg!.spec).toMatchObject({
      channel: 'telegram',
      platformId: '-100701',
      unknownSenderPolicy: 'request_approval',
      agents: [{ agentGroup: 'assistant', senderScope: 'known', ignoredMessages: 'accumulate' }],
    });
    expect(await waitIn(ALICE.id, 'Connected telegram group -100701 to Assistant')).toBeTruthy();
  }, 60_000);

  it('creates an AgentGroup object for a new agent and wires the chat to it', async () => {
    mention(-100702, 'make me an agent');
    const { id, labels } = await cardFor(-100702);
    fake.inject(TOKEN, click(ALICE, `q:${id}:${labels.indexOf('New agent')}`, 'cq-new'));
    await waitIn(-100702, 'Mock response to: @kreg_bot make me an agent', 45_000);
    const created = (await api.list(ns, 'AgentGroup')).filter((o) => o.metadata.name !== 'assistant');
    expect(created).toHaveLength(1);
    expect(created[0]!.spec).toMatchObject({ displayName: 'Agent for telegram group -100702' });
  }, 60_000);
});
