/**
 * An isolation test's view of the agent's shell: a data dir with one mock agent group whose runner env enables
 * the mock provider's [[shell:…]] directive, wired to web chats, and `shell()` that runs a command there through
 * the real web API and returns the reply's shell lines. Used by the sandbox and docker isolation tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EgressRule } from '../../protocol/egress.js';
import { grantRole } from '../../host/access/roles.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { withDb } from './seed.js';
import { ChatStreams, send, type ChatStream } from './web-client.js';

const AGENT_GROUP = 'assistant';

/**
 * Seeds the agent group (with `egress`, its spec.egress, when given), one web chat per name, the owner, and
 * groups/global/shared.md ("global notes").
 */
export function seedShellAgent(dataDir: string, chats: string[], egress?: EgressRule[]): void {
  withDb(dataDir, (db) => {
    upsertAgentGroup(db, {
      id: AGENT_GROUP,
      name: AGENT_GROUP,
      folder: AGENT_GROUP,
      provider: 'mock',
      runner: { env: [{ name: 'MOCK_PROVIDER_SHELL', value: '1' }], ...(egress ? { egress } : {}) },
    });
    for (const chat of chats) {
      const mg = upsertMessagingGroup(db, { channelType: 'web', platformId: chat, name: chat });
      upsertWiring(db, {
        messagingGroupId: mg.id,
        agentGroupId: AGENT_GROUP,
        engageMode: 'pattern',
        engagePattern: '.',
      });
    }
    grantRole(db, { userId: 'web:local', role: 'owner' });
  });
  fs.mkdirSync(path.join(dataDir, 'groups', 'global'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'groups', 'global', 'shared.md'), 'global notes');
}

export class AgentShell {
  private readonly streams: ChatStreams;
  private readonly watching = new Map<string, Promise<ChatStream>>();

  constructor(
    private readonly url: () => string,
    private readonly dataDir: string,
  ) {
    this.streams = new ChatStreams(url);
  }

  /** Runs `command` in the agent's shell of `chat` and returns the reply's shell line(s). */
  async run(command: string, chat = 'main', timeoutMs = 30_000): Promise<string> {
    if (!this.watching.has(chat)) this.watching.set(chat, this.streams.watch(chat));
    const stream = await this.watching.get(chat)!;
    const marker = `run-${Math.random().toString(36).slice(2)}`;
    await send(this.url(), { text: `${marker} [[shell:${command}]]`, chat });
    const reply = await stream.waitFor((r) => r.text.startsWith(`Mock response to: ${marker}`), timeoutMs);
    return reply.text.split('\n').slice(1).join('\n');
  }

  /** The host path of the active session directory of `chat`. */
  sessionDirOf(chat: string): string {
    return withDb(this.dataDir, (db) => {
      const row = db.raw
        .prepare(
          `SELECT s.id FROM sessions s JOIN messaging_groups m ON m.id = s.messaging_group_id
           WHERE m.platform_id = ? AND s.status = 'active'`,
        )
        .get(chat) as { id: string };
      return path.join(this.dataDir, 'sessions', AGENT_GROUP, row.id);
    });
  }

  close(): void {
    this.streams.closeAll();
  }
}
