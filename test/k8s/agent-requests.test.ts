/**
 * create_agent and add_mcp_server in Kubernetes mode on a real kube-apiserver: the parent AgentGroup is applied by
 * a GitOps tool (server-side apply, field manager `argocd`); the host (in-process, embedded runners, a Telegram bot
 * against the fake Bot API) writes the owner's approval as AgentGroup objects with its own field manager; the
 * operator projects them, and the new agent answers through its parent. The GitOps tool re-applying its manifest
 * neither conflicts with nor removes what the host added.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesAgentWriter } from '../../cli/agent-config/kubernetes-writer.js';
import { channelInstances } from '../../host/channels/channel-instance.js';
import { TelegramAdapter } from '../../host/channels/telegram/telegram-adapter.js';
import { loadConfig } from '../../host/config.js';
import { getAgentGroup } from '../../host/db/agent-groups.js';
import { type CentralDb } from '../../host/db/central-db.js';
import { startHost, type RunningHost } from '../../host/host.js';
import type { ControlPlane } from '../fixtures/kube/control-plane.js';
import { startOperatorFixture, type OperatorFixture } from './operator-fixture.js';
import { FakeTelegram, type SentMessage } from '../fakes/telegram/fake-telegram.js';
import { cardButtons } from '../fakes/telegram/cards.js';
import { ALICE, BOB, click, message, type Person } from '../fakes/telegram/updates.js';
import { eventually } from './support.js';

const TOKEN = '8282:k8s-agent-requests';
const GROUP = -100800;
const log = pino({ level: 'silent' });
let fx: OperatorFixture;
let cp: ControlPlane;
let ns: string;
let api: OperatorFixture['api'];
let db: CentralDb;
let fake: FakeTelegram;
let host: RunningHost;

const GITOPS_PARENT = (namespace: string) => `apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata: { name: assistant, namespace: ${namespace} }
spec:
  displayName: Assistant
  provider: mock
  peers: [{ agentGroup: writer }]
`;
const applyAsGitOps = () =>
  cp.kubectl(['apply', '--server-side', '--field-manager=argocd', '-f', '-'], GITOPS_PARENT(ns));

const say = (from: Person, text: string) =>
  fake.inject(TOKEN, { message: message({ chat: { id: GROUP, type: 'supergroup' }, from, text }) });
const waitIn = (chat: number, text: string, timeoutMs = 30_000): Promise<SentMessage> =>
  fake.waitFor(
    () => fake.messages.find((m) => m.chat_id === String(chat) && m.text.includes(text)),
    `"${text}" in ${chat}`,
    timeoutMs,
  );
const cardId = (card: SentMessage) => cardButtons(card).id;
const managers = (o: { metadata: Record<string, unknown> }) =>
  (o.metadata.managedFields as { manager: string }[]).map((f) => f.manager).sort();

beforeAll(async () => {
  fx = await startOperatorFixture('agent-requests', log);
  ({ cp, ns, api, db } = fx);
  applyAsGitOps();
  await api.create(ns, {
    apiVersion: 'nanoclaw.dev/v1alpha1',
    kind: 'MessagingGroup',
    metadata: { name: 'team' },
    spec: {
      channel: 'telegram',
      platformId: String(GROUP),
      isGroup: true,
      agents: [{ agentGroup: 'assistant', engage: { mode: 'pattern', pattern: '.' } }],
    },
  });
  for (const [name, spec] of [
    ['alice-owner', { user: `telegram:${ALICE.id}`, role: 'owner' }],
    ['bob-member', { user: `telegram:${BOB.id}`, role: 'member', agentGroup: 'assistant' }],
  ] as const)
    await api.create(ns, { apiVersion: 'nanoclaw.dev/v1alpha1', kind: 'UserRole', metadata: { name }, spec });
  await eventually(() => db.first(db.q.selectFrom('agent_group_members').select('user_id')));
  fake = await FakeTelegram.start([{ token: TOKEN, id: 8282, username: 'kreq_bot' }]);
  const [instance] = channelInstances({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
  host = await startHost({
    config: loadConfig({
      NANOCLAW_DATA_DIR: fx.dataDir,
      NANOCLAW_PORT: '0',
      NANOCLAW_RUNNER_POLL_MS: '250',
      NANOCLAW_SWEEP_INTERVAL_SECONDS: '1',
    }),
    log,
    db,
    channels: [
      new TelegramAdapter(instance!, log, { pollTimeoutSeconds: 1, backoff: { initial: 50, max: 500 } }),
    ],
    agentConfigWriter: kubernetesAgentWriter(cp.kubeConfig(), ns),
  });
}, 90_000);

afterAll(async () => {
  await host?.close();
  await fake?.close();
  await fx?.stop();
});

describe('agent requests on a real API server', () => {
  it('an approved create_agent is an AgentGroup object beside its parent, and the parent gains it as a peer', async () => {
    say(BOB, '[[tool:create_agent {"name":"research","instructions":"Cite sources."}]] asking');
    const card = await waitIn(ALICE.id, 'asks to create a new agent group "research"');
    fake.inject(TOKEN, click(ALICE, `q:${cardId(card)}:0`, 'cq-create'));
    await waitIn(ALICE.id, `Approved: create_agent "research" — written to AgentGroup ${ns}/research and`);

    const child = await api.get(ns, 'AgentGroup', 'research');
    expect(child.metadata.labels).toEqual({ 'nanoclaw.dev/created-by': 'create-agent' });
    expect(child.spec).toMatchObject({
      provider: 'mock',
      instructions: 'Cite sources.',
      peers: [{ agentGroup: 'assistant', name: 'parent' }],
    });
    const parent = await api.get(ns, 'AgentGroup', 'assistant');
    expect((parent.spec.peers as { agentGroup: string }[]).map((p) => p.agentGroup)).toEqual([
      'writer',
      'research',
    ]);
    expect(managers(parent)).toEqual(expect.arrayContaining(['argocd', 'nanoclaw-host/peers/research']));
    await eventually(() => getAgentGroup(db, 'research'));

    say(BOB, '[[tool:send_message {"to":"research","text":"otters?"}]] asking');
    await waitIn(GROUP, 'Mock response to: Mock response to: otters?', 45_000);
  }, 90_000);

  it('an approved add_mcp_server is an entry of the parent’s spec.mcpServers the GitOps tool leaves alone', async () => {
    say(BOB, '[[tool:add_mcp_server {"name":"echo","command":"node","args":["server.js"]}]] adding');
    const card = await waitIn(ALICE.id, 'asks to add the MCP server "echo"');
    fake.inject(TOKEN, click(ALICE, `q:${cardId(card)}:0`, 'cq-mcp'));
    await waitIn(ALICE.id, 'Approved: add_mcp_server "echo"');
    const parent = await api.get(ns, 'AgentGroup', 'assistant');
    expect(parent.spec.mcpServers).toEqual([
      { name: 'echo', stdio: { command: 'node', args: ['server.js'] } },
    ]);

    // The GitOps tool syncs its manifest again: no conflict, and the host's entries stay.
    applyAsGitOps();
    const synced = await api.get(ns, 'AgentGroup', 'assistant');
    expect((synced.spec.peers as { agentGroup: string }[]).map((p) => p.agentGroup)).toEqual([
      'writer',
      'research',
    ]);
    expect(synced.spec.mcpServers).toHaveLength(1);
  }, 60_000);
});
