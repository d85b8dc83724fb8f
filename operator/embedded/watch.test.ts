import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import { createLogger } from '../../host/log.js';
import { watchManifestDir } from './watch.js';

const AGENT = `apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata:
  name: helper
spec:
  displayName: Helper
  provider: mock
`;

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-watch-'));
  fs.mkdirSync(path.join(root, 'nanoclaw.d'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('watchManifestDir', () => {
  it('says "config OK" once when a broken config folder is fixed, not on every good sync', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('info', {
      stream: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    });
    const dir = path.join(root, 'nanoclaw.d');
    const watcher = watchManifestDir(memoryDb(), {
      dir,
      dataDir: path.join(root, 'data'),
      log,
      intervalMs: 0,
      settleMs: 0,
    });
    try {
      const ok = () => lines.filter((l) => String(l.msg).startsWith('config OK'));
      fs.writeFileSync(path.join(dir, 'agent.yaml'), AGENT);
      expect((await watcher.sync()).errors).toEqual([]);
      expect(ok()).toEqual([]);
      fs.writeFileSync(path.join(dir, 'agent.yaml'), AGENT.replace('provider: mock', 'provider: nonsense'));
      expect((await watcher.sync()).errors).not.toEqual([]);
      fs.writeFileSync(path.join(dir, 'agent.yaml'), AGENT);
      expect((await watcher.sync()).errors).toEqual([]);
      await watcher.sync();
      expect(ok()).toEqual([
        expect.objectContaining({ level: 30, msg: 'config OK: 1 objects applied', applied: 1 }),
      ]);
    } finally {
      watcher.close();
    }
  });
});
