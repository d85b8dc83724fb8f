import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import { adminUserIdsFor, canAccessAgentGroup } from '../../host/access/access.js';
import { getAgentGroup } from '../../host/db/agent-groups.js';
import { findMessagingGroup } from '../../host/db/messaging-groups.js';
import { listWiringsOf } from '../../host/db/wirings.js';
import { syncManifestDir } from './sync.js';

const examples = path.resolve(import.meta.dirname, '../../examples');

describe('examples/ in the embedded mode', () => {
  it('loads without a single error and projects every object', async () => {
    const db = memoryDb();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-examples-'));
    try {
      const res = await syncManifestDir(db, { dir: examples, dataDir, log: pino({ level: 'silent' }) });
      expect(res.errors).toEqual([]);
      expect(res.applied).toBe(5);
      expect(getAgentGroup(db, 'assistant')).toMatchObject({ agent_provider: 'mock', folder: 'assistant' });
      const chat = findMessagingGroup(db, 'web', 'main')!;
      expect(
        listWiringsOf(db, chat.id).map((w) => [w.agent_group_id, w.engage_mode, w.engage_pattern]),
      ).toEqual([['assistant', 'pattern', '.']]);
      expect(adminUserIdsFor(db, 'assistant')).toEqual(['telegram:12345', 'web:local']);
      expect(canAccessAgentGroup(db, 'discord:987654321', 'assistant')).toEqual({
        allowed: true,
        reason: 'member',
      });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
