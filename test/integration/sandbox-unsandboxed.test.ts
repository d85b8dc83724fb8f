/**
 * Embedded runners without a sandbox (NANOCLAW_SANDBOX=none), through the real host process: start warns what an
 * agent can reach; the owner's own web chat is served; a chat other people can write in is refused a runner
 * (with the reason and what to set) unless NANOCLAW_UNSANDBOXED_SHARED_CHATS=true.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { grantRole } from '../../host/access/roles.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';
import { ChatStream, send, sleep } from '../support/web-client.js';

const hosts: HostProcess[] = [];
const streams: ChatStream[] = [];

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  for (const h of hosts.splice(0)) expect(await h.stop()).toBe(0);
});

/** The owner's strict web chat `main` (agent `mine`) and a public web chat `lobby` (agent `open`). */
async function start(env: Record<string, string>): Promise<HostProcess> {
  const dataDir = tempDir('nc-unsandboxed-');
  withDb(dataDir, (db) => {
    for (const [agent, chat, policy] of [
      ['mine', 'main', 'strict'],
      ['open', 'lobby', 'public'],
    ] as const) {
      upsertAgentGroup(db, { id: agent, name: agent, folder: agent, provider: 'mock' });
      const mg = upsertMessagingGroup(db, {
        channelType: 'web',
        platformId: chat,
        name: chat,
        unknownSenderPolicy: policy,
      });
      upsertWiring(db, {
        messagingGroupId: mg.id,
        agentGroupId: agent,
        engageMode: 'pattern',
        engagePattern: '.',
      });
    }
    grantRole(db, { userId: 'web:local', role: 'owner' });
  });
  const host = await startHostProcess({ dataDir, env: { NANOCLAW_SANDBOX: 'none', ...env } });
  hosts.push(host);
  return host;
}

async function watch(host: HostProcess, chat: string): Promise<ChatStream> {
  const s = new ChatStream(host.url, chat);
  streams.push(s);
  await s.opened();
  return s;
}

describe('embedded runners without a sandbox', () => {
  it('warn at start, naming what an agent can reach and the opt-in for shared chats', async () => {
    const host = await start({});
    const line = await host.waitForLog((l) => l.sandbox === 'none');
    expect(line).toMatchObject({ level: 40, runtime: 'local-process' });
    expect(line.msg).toContain('runners are NOT sandboxed (NANOCLAW_SANDBOX=none)');
    expect(line.msg).toContain(`the central DB and every session under ${host.dataDir}`);
    expect(line.msg).toContain('NANOCLAW_UNSANDBOXED_SHARED_CHATS=true');
  });

  it("serve the owner's own web chat but refuse a runner to a chat strangers can write in", async () => {
    const host = await start({});
    const main = await watch(host, 'main');
    const lobby = await watch(host, 'lobby');
    await send(host.url, { text: 'mine', chat: 'main' });
    await main.waitFor((r) => r.text === 'Mock response to: mine');
    // The mock's shell is off unless the agent group's runner env turns it on.
    await send(host.url, { text: 'try [[shell:id]]', chat: 'main' });
    await main.waitFor(
      (r) => r.text === 'Error: [[shell:…]] is off (set MOCK_PROVIDER_SHELL=1 in the runner env)',
    );
    await send(host.url, { text: 'anyone there?', chat: 'lobby' });
    const refusal = await host.waitForLog(
      (l) =>
        l.agentGroup === 'open' &&
        typeof l.msg === 'string' &&
        l.msg.startsWith('runners are not sandboxed here and '),
    );
    expect(refusal.level).toBe(50);
    expect(refusal.msg).toContain('chat web:lobby lets unknown senders in (unknown-sender policy public)');
    expect(refusal.msg).toContain('NANOCLAW_UNSANDBOXED_SHARED_CHATS=true');
    // The chat hears why (the runner manager's start-failure notice), and no agent answers.
    const notice = await lobby.waitFor((r) => r.text.includes('could not be started'));
    expect(notice.text).toContain('NANOCLAW_UNSANDBOXED_SHARED_CHATS=true');
    await sleep(500);
    expect(lobby.replies.filter((r) => r.text.startsWith('Mock response'))).toEqual([]);
    expect(host.logs.some((l) => l.msg === 'runner started' && l.agentGroup === 'open')).toBe(false);
  });

  it('serve shared chats too with NANOCLAW_UNSANDBOXED_SHARED_CHATS=true, and say so at start', async () => {
    const host = await start({ NANOCLAW_UNSANDBOXED_SHARED_CHATS: 'true' });
    const line = await host.waitForLog((l) => l.sandbox === 'none');
    expect(line.msg).toContain(
      'NANOCLAW_UNSANDBOXED_SHARED_CHATS=true: chats other people can write in are served anyway',
    );
    const lobby = await watch(host, 'lobby');
    await send(host.url, { text: 'anyone there?', chat: 'lobby' });
    await lobby.waitFor((r) => r.text === 'Mock response to: anyone there?');
  });
});
