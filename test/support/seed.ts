/** Writes central-DB rows for integration tests, through the host's own DB layer, before a host starts. */
import path from 'node:path';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import type { UnknownSenderPolicy } from '../../protocol/vocabulary.js';
import { upsertWiring, type WiringInput } from '../../host/db/wirings.js';
import { grantRole } from '../../host/access/roles.js';

export function withDb<T>(dataDir: string, fn: (db: CentralDb) => T): T {
  const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export interface WebSetup {
  policy?: UnknownSenderPolicy;
  /** `name`: the agent group's display name (default: its id). */
  agents?: { id: string; name?: string; wiring?: Omit<WiringInput, 'messagingGroupId' | 'agentGroupId'> }[];
  chat?: string;
  owner?: string | null;
}

/** Agent groups (mock provider), one web chat wired to them, and web:local as owner unless told otherwise. */
export function seedWeb(dataDir: string, setup: WebSetup = {}): void {
  withDb(dataDir, (db) => {
    const agents = setup.agents ?? [
      { id: 'assistant', wiring: { engageMode: 'pattern', engagePattern: '.' } },
    ];
    for (const a of agents)
      upsertAgentGroup(db, { id: a.id, name: a.name ?? a.id, folder: a.id, provider: 'mock' });
    const mg = upsertMessagingGroup(db, {
      channelType: 'web',
      platformId: setup.chat ?? 'main',
      name: 'Main',
      unknownSenderPolicy: setup.policy ?? 'strict',
    });
    for (const a of agents)
      upsertWiring(db, {
        messagingGroupId: mg.id,
        agentGroupId: a.id,
        ...(a.wiring ?? { engageMode: 'pattern', engagePattern: '.' }),
      });
    if (setup.owner !== null) grantRole(db, { userId: setup.owner ?? 'web:local', role: 'owner' });
  });
}
