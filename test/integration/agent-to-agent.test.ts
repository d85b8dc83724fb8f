/**
 * Agent-to-agent messaging through the real host (`nanoclaw start` on a manifest folder) and real mock runners:
 * `front` declares `research` as a peer (and `research` declares `front`); `vault` is declared by nobody. The mock
 * calls send_message from directives in the text, so each test scripts what the agents do.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextOddSeq, openOutboundForRunner } from '../../protocol/session-db.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';
import { ChatStreams, send, sleep } from '../support/web-client.js';

const MAX_HOPS = 4;
const CONFIG = `apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata: { name: front }
spec: { provider: mock, peers: [{ agentGroup: research }] }
---
apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata: { name: research }
spec: { provider: mock, peers: [{ agentGroup: front }] }
---
apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata: { name: vault }
spec: { provider: mock }
${['ask', 'pingpong', 'rogue']
  .map(
    (chat) => `---
apiVersion: nanoclaw.dev/v1alpha1
kind: MessagingGroup
metadata: { name: ${chat} }
spec:
  channel: web
  platformId: ${chat}
  agents: [{ agentGroup: front, engage: { mode: pattern, pattern: "." } }]
`,
  )
  .join('')}---
apiVersion: nanoclaw.dev/v1alpha1
kind: UserRole
metadata: { name: owner }
spec: { user: "web:local", role: owner }
`;

let host: HostProcess;
const streams = new ChatStreams(() => host.url);
const tool = (name: string, args: unknown) => `[[tool:${name} ${JSON.stringify(args)}]]`;

type SessionRow = {
  id: string;
  agent_group_id: string;
  messaging_group_id: string | null;
  peer_session_id: string | null;
};
const sessions = (agentGroupId: string): SessionRow[] =>
  withDb(host.dataDir, (db) =>
    db.all(
      db.q
        .selectFrom('sessions')
        .select(['id', 'agent_group_id', 'messaging_group_id', 'peer_session_id'])
        .where('agent_group_id', '=', agentGroupId),
    ),
  );
const chatSession = (platformId: string): SessionRow =>
  withDb(host.dataDir, (db) =>
    db.first(
      db.q
        .selectFrom('sessions')
        .innerJoin('messaging_groups', 'messaging_groups.id', 'sessions.messaging_group_id')
        .select(['sessions.id', 'agent_group_id', 'messaging_group_id', 'peer_session_id'])
        .where('messaging_groups.platform_id', '=', platformId),
    ),
  )!;

function sessionFile(s: SessionRow, file: 'inbound.db' | 'outbound.db'): string {
  return path.join(host.dataDir, 'sessions', s.agent_group_id, s.id, file);
}

function read<T>(s: SessionRow, sql: string): T[] {
  const db = new Database(sessionFile(s, 'inbound.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** Messages from agents in a session's inbound.db: [text, content.fromAgent, sender, senderIsAdmin]. */
function fromAgents(s: SessionRow) {
  return read<{ content: string }>(s, `SELECT content FROM messages_in WHERE kind = 'chat' ORDER BY seq`)
    .map((r) => JSON.parse(r.content) as Record<string, unknown>)
    .filter((c) => c.fromAgent !== undefined)
    .map((c) => [c.text, c.fromAgent, c.sender, c.senderIsAdmin]);
}

const drops = () =>
  withDb(host.dataDir, (db) =>
    db.all(
      db.q
        .selectFrom('dropped_messages')
        .select(['channel_type', 'platform_id', 'user_id', 'reason', 'message_count'])
        .where('channel_type', '=', 'agent')
        .orderBy('reason'),
    ),
  );

beforeAll(async () => {
  const home = tempDir('nc-a2a-');
  const configDir = path.join(home, 'nanoclaw.d');
  fs.mkdirSync(configDir);
  fs.writeFileSync(path.join(configDir, 'agents.yaml'), CONFIG);
  host = await startHostProcess({
    dataDir: path.join(home, 'data'),
    verb: 'start',
    env: { NANOCLAW_CONFIG_DIR: configDir, NANOCLAW_A2A_MAX_HOPS: String(MAX_HOPS) },
  });
});

afterAll(async () => {
  streams.closeAll();
  await host?.stop();
});

describe('agent-to-agent messaging', () => {
  it('A asks B, B’s answer comes back to A as a message from B, and A relays it to the person', async () => {
    const chat = await streams.watch('ask');
    await send(host.url, {
      chat: 'ask',
      text: `[[silent]]${tool('send_message', { to: 'research', text: 'what is 6x7?' })}`,
    });
    await chat.waitFor((r) => r.text === 'Mock response to: Mock response to: what is 6x7?', 30_000);

    const asking = chatSession('ask');
    const [peer] = sessions('research');
    // A dedicated session of research for the asking session: no chat, the asking session as its return path.
    expect(peer).toMatchObject({ messaging_group_id: null, peer_session_id: asking.id });
    // Each side sees the other as an agent: never a user, never an admin.
    expect(fromAgents(peer!)).toEqual([
      ['what is 6x7?', { agentGroupId: 'front', name: 'front', hops: 1 }, null, false],
    ]);
    expect(fromAgents(asking)).toEqual([
      [
        'Mock response to: what is 6x7?',
        { agentGroupId: 'research', name: 'research', hops: 2 },
        null,
        false,
      ],
    ]);
    expect(chat.replies.map((r) => r.text)).toEqual(['Mock response to: Mock response to: what is 6x7?']);
  });

  it('sends a file to a peer: it lands in the peer session inbox and the peer sees it with the message', async () => {
    const chat = await streams.watch('ask');
    const asking = chatSession('ask');
    const outbox = path.join(host.dataDir, 'sessions', 'front', asking.id, 'outbox');
    fs.mkdirSync(outbox, { recursive: true });
    fs.writeFileSync(path.join(outbox, 'notes.txt'), 'forty-two');
    await send(host.url, {
      chat: 'ask',
      text: `[[silent]]${tool('send_file', { to: 'research', path: 'notes.txt', text: '[[echo-context]]read this' })}`,
    });
    // research echoes what it was given (the file among it); front relays that to the person.
    const reply = await chat.waitFor((r) => r.text.includes('read this'), 30_000);
    expect(reply.text).toMatch(/read this \[files: inbox\/[^ ]+\/notes\.txt \(9 bytes\)\]/);
    const [peer] = sessions('research');
    const [given] = read<{ content: string }>(
      peer!,
      `SELECT content FROM messages_in WHERE kind = 'chat' ORDER BY seq DESC LIMIT 1`,
    ).map((r) => JSON.parse(r.content) as { attachments: { path: string }[] });
    const copy = path.join(host.dataDir, 'sessions', 'research', peer!.id, given!.attachments[0]!.path);
    expect(fs.readFileSync(copy, 'utf8')).toBe('forty-two');
    expect(fs.existsSync(path.join(outbox, 'notes.txt'))).toBe(false);
  });

  it('gives an agent no admin rights over its peer, even when a person with them asked', async () => {
    const chat = await streams.watch('ask');
    await send(host.url, {
      chat: 'ask',
      text: `[[silent]]${tool('send_message', { to: 'research', text: '/clear' })}`,
    });
    await chat.waitFor(
      (r) => r.text === 'Mock response to: Permission denied: /clear requires admin access.',
      30_000,
    );
    expect(sessions('research')).toHaveLength(1); // the same conversation as before
  });

  it('refuses a peer the agent group did not declare: a tool error naming its destinations, and no session', async () => {
    const chat = await streams.watch('rogue');
    await send(host.url, { chat: 'rogue', text: tool('send_message', { to: 'vault', text: 'secrets?' }) });
    const reply = await chat.waitFor((r) => r.text.includes('[tool send_message'), 30_000);
    expect(reply.text).toContain(
      '[tool send_message error] Unknown destination "vault". Known destinations:',
    );
    expect(reply.text).toContain('research');
    expect(reply.text).toContain('declares it as a peer');
    expect(sessions('vault')).toEqual([]);
  });

  it('refuses and records a message to an undeclared agent that a runner wrote straight into outbound.db', async () => {
    const session = chatSession('rogue');
    const outbound = openOutboundForRunner(sessionFile(session, 'outbound.db'));
    const max = (outbound.raw.prepare('SELECT max(seq) AS m FROM messages_out').get() as { m: number | null })
      .m;
    outbound.raw
      .prepare(
        `INSERT INTO messages_out (id, seq, timestamp, kind, channel_type, platform_id, content)
         VALUES ('rogue-a2a', ?, ?, 'chat', 'agent', 'vault', ?)`,
      )
      .run(nextOddSeq((max ?? 0) + 1000), new Date().toISOString(), JSON.stringify({ text: 'open up' }));
    outbound.close();
    await expect
      .poll(() => read(session, `SELECT status, error FROM delivered WHERE message_out_id = 'rogue-a2a'`), {
        timeout: 20_000,
        interval: 250,
      })
      .toEqual([
        {
          status: 'failed',
          error: 'unauthorized agent destination: agent group front has not declared vault as a peer',
        },
      ]);
    expect(drops()).toEqual([
      {
        channel_type: 'agent',
        platform_id: 'vault',
        user_id: 'front',
        reason: 'a2a_peer_not_declared',
        message_count: 1,
      },
    ]);
    expect(sessions('vault')).toEqual([]);
  });

  it('cuts off two agents that keep messaging each other at the hop limit, and tells the agent', async () => {
    // Each level makes the agent that reads it send the next level to the other agent, without a reply.
    let text = 'never delivered';
    for (let level = MAX_HOPS + 2; level >= 1; level--)
      text = `[[silent]]${tool('send_message', { to: level % 2 === 1 ? 'research' : 'front', text })}`;
    await send(host.url, { chat: 'pingpong', text });

    const asking = () => chatSession('pingpong');
    await expect
      .poll(() => drops().find((d) => d.reason === 'a2a_hop_limit'), { timeout: 30_000, interval: 250 })
      .toMatchObject({ platform_id: 'research', user_id: 'front', message_count: 1 });
    const peer = sessions('research').find((s) => s.peer_session_id === asking().id)!;
    const hops = (s: SessionRow) => fromAgents(s).map((m) => (m[1] as { hops: number }).hops);
    expect(hops(peer)).toEqual([1, 3]);
    expect(hops(asking())).toEqual([2, 4]);
    const failed = read<{ error: string }>(asking(), `SELECT error FROM delivered WHERE status = 'failed'`);
    expect(failed).toEqual([
      {
        error: `agent-to-agent hop limit reached: this would be hop ${MAX_HOPS + 1} of at most ${MAX_HOPS} since the last person's message`,
      },
    ]);
    // The agent hears of it with its next turn (a context row); nothing more travels.
    await expect
      .poll(
        () =>
          read<{ content: string }>(asking(), `SELECT content FROM messages_in WHERE trigger = 0`).map(
            (r) => (JSON.parse(r.content) as { text: string }).text,
          ),
        { timeout: 10_000, interval: 250 },
      )
      .toEqual([
        expect.stringMatching(/could not be delivered to agent research: agent-to-agent hop limit reached/),
      ]);
    await sleep(1500);
    expect(hops(peer)).toEqual([1, 3]);
  });
});
