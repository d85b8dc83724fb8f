/**
 * create_agent and add_mcp_server end to end in the embedded mode: the real `nanoclaw start` process with its
 * config folder, a Telegram bot (grammY against the fake Bot API) and mock-provider runners in the sandbox. A
 * member asks the agent in a group chat; the card lands in the owner's DM; the member's own click is refused; the
 * owner's approval becomes manifest files the folder's loader applies — and the new agent answers, the new MCP
 * server starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAgentGroup } from '../../host/db/agent-groups.js';
import { mcpStatusOf } from '../../host/db/mcp-status.js';
import { FakeTelegram, type SentMessage } from '../fakes/telegram/fake-telegram.js';
import { callbackAnswer, cardButtons } from '../fakes/telegram/cards.js';
import { ALICE, BOB, click, message, type Person } from '../fakes/telegram/updates.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { waitFor } from '../support/runner-harness.js';
import { withDb } from '../support/seed.js';

const TOKEN = '7272:agent-requests-token';
const GROUP = -100700;
// As the sandboxed runner sees it: the app's dist/ at /app/dist, Node on PATH.
const ECHO_SERVER = '/app/dist/test/fixtures/mcp/echo-server.js';

const CONFIG = `# The team's assistant (hand-written; this comment must survive edits).
apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata:
  name: assistant
spec:
  displayName: Assistant
  provider: mock
---
apiVersion: nanoclaw.dev/v1alpha1
kind: MessagingGroup
metadata:
  name: team
spec:
  channel: telegram
  platformId: "${GROUP}"
  isGroup: true
  agents: [{ agentGroup: assistant, engage: { mode: pattern, pattern: "." } }]
---
apiVersion: nanoclaw.dev/v1alpha1
kind: UserRole
metadata: { name: alice-owner }
spec: { user: "telegram:${ALICE.id}", role: owner }
---
apiVersion: nanoclaw.dev/v1alpha1
kind: UserRole
metadata: { name: bob-member }
spec: { user: "telegram:${BOB.id}", role: member, agentGroup: assistant }
`;

let fake: FakeTelegram;
let host: HostProcess;
let dataDir: string;
let configDir: string;

const say = (from: Person, text: string) =>
  fake.inject(TOKEN, { message: message({ chat: { id: GROUP, type: 'supergroup' }, from, text }) });
const inChat = (chat: number, text: string) =>
  fake.messages.filter((m) => m.chat_id === String(chat) && m.text.includes(text));
const waitIn = (chat: number, text: string, timeoutMs = 30_000): Promise<SentMessage> =>
  fake.waitFor(() => inChat(chat, text)[0], `"${text}" in ${chat}`, timeoutMs);
const cardId = (card: SentMessage) => cardButtons(card).id;
const answerOf = (queryId: string) => callbackAnswer(fake, queryId);
const file = (name: string) => fs.readFileSync(path.join(configDir, name), 'utf8');

beforeAll(async () => {
  fake = await FakeTelegram.start([{ token: TOKEN, id: 7272, username: 'requests_bot' }]);
  dataDir = tempDir('nc-agent-requests-');
  configDir = path.join(dataDir, 'nanoclaw.d');
  fs.mkdirSync(configDir);
  fs.writeFileSync(path.join(configDir, 'base.yaml'), CONFIG);
  host = await startHostProcess({
    dataDir,
    verb: 'start',
    args: ['--config-dir', configDir],
    env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot, NANOCLAW_SANDBOX: 'bubblewrap' },
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await fake?.close();
});

describe('an agent asks for a new agent', () => {
  it('needs the owner’s approval (not the member’s), then the new agent answers through the parent', async () => {
    say(BOB, '[[tool:create_agent {"name":"research","instructions":"Find sources and cite them."}]] on it');
    const card = await waitIn(ALICE.id, 'asks to create a new agent group "research"');
    expect(card.text).toContain('Assistant (in a conversation with telegram:222)');
    expect(card.text).toMatch(/Instructions:\s+Find sources and cite them./);
    expect(inChat(GROUP, 'asks to create')).toEqual([]);
    expect(fs.existsSync(path.join(configDir, 'research.yaml'))).toBe(false);

    fake.inject(TOKEN, click(BOB, `q:${cardId(card)}:0`, 'cq-bob'));
    expect(await answerOf('cq-bob')).toBe('This question is for someone else.');
    expect(fs.existsSync(path.join(configDir, 'research.yaml'))).toBe(false);

    fake.inject(TOKEN, click(ALICE, `q:${cardId(card)}:0`, 'cq-alice'));
    await waitIn(ALICE.id, 'Approved: create_agent "research"');
    expect(file('research.yaml')).toContain('instructions: Find sources and cite them.');
    expect(file('base.yaml')).toContain(
      "# The team's assistant (hand-written; this comment must survive edits).",
    );
    expect(file('base.yaml')).toContain('peers:\n    - agentGroup: research');
    // The agent is told (a message from NanoClaw that wakes it; the mock answers it in the chat).
    await waitIn(GROUP, 'Mock response to: Your create_agent request was approved by telegram:111');

    say(BOB, '[[tool:send_message {"to":"research","text":"what do we know about otters?"}]] asking');
    await waitIn(GROUP, 'Mock response to: Mock response to: what do we know about otters?', 40_000);
  }, 90_000);
});

describe('an agent asks for an MCP server', () => {
  it('shows the whole request on the card, and the approved server starts in the next runner', async () => {
    say(
      BOB,
      `[[tool:add_mcp_server {"name":"echo","command":"node","args":["${ECHO_SERVER}"],"env":{"ECHO_GREETING":"hi"}}]] adding`,
    );
    const card = await waitIn(ALICE.id, 'asks to add the MCP server "echo"');
    expect(card.text).toContain('command: "node"');
    expect(card.text).toContain(`args: ["${ECHO_SERVER}"]`);
    expect(card.text).toContain('env: ECHO_GREETING="hi"');
    fake.inject(TOKEN, click(ALICE, `q:${cardId(card)}:0`, 'cq-mcp'));
    await waitIn(ALICE.id, 'Approved: add_mcp_server "echo"');
    expect(file('base.yaml')).toContain('mcpServers:\n    - name: echo');
    await waitIn(GROUP, 'Mock response to: Your add_mcp_server request was approved');
    const started = await waitFor(
      'the echo server reported by a runner',
      () => withDb(dataDir, (db) => mcpStatusOf(db, 'assistant')).find((r) => r.state === 'ready'),
      40_000,
    );
    expect(started.server_name).toBe('echo');
  }, 90_000);

  it('refuses a secret-looking env before any card, and tells the agent which field', async () => {
    const cards = inChat(ALICE.id, 'MCP server request').length;
    say(BOB, '[[tool:add_mcp_server {"name":"leaky","command":"node","env":{"GITHUB_TOKEN":"x"}}]] try');
    await waitIn(
      GROUP,
      'Your add_mcp_server request "leaky" was refused: spec.mcpServers[0].stdio.env[0].name',
    );
    expect(inChat(ALICE.id, 'MCP server request')).toHaveLength(cards);
    expect(file('base.yaml')).not.toContain('leaky');
  }, 60_000);
});

describe('an agent asks to reach a host', () => {
  it('adds the approved host to spec.egress, which the host then projects', async () => {
    say(BOB, '[[tool:add_egress_host {"host":"pypi.org"}]] need packages');
    const card = await waitIn(ALICE.id, 'asks to reach pypi.org on port 443');
    fake.inject(TOKEN, click(ALICE, `q:${cardId(card)}:0`, 'cq-egress'));
    await waitIn(ALICE.id, 'Approved: add_egress_host "pypi.org"');
    expect(file('base.yaml')).toContain('egress:\n    - host: pypi.org');
    await waitIn(GROUP, 'Mock response to: Your add_egress_host request was approved');
    const config = withDb(dataDir, (db) => getAgentGroup(db, 'assistant')!.container_config);
    expect(JSON.parse(config)).toMatchObject({ egress: [{ host: 'pypi.org', ports: [443] }] });
  }, 60_000);
});
