import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openOutboundForRunner } from '../../protocol/session-db.js';
import { clearStaleClaims, OutboundWriter } from './outbound-writer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function writer(inboundMax: () => number, onCommit?: (seq: number) => void) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-writer-'));
  dirs.push(dir);
  const db = openOutboundForRunner(path.join(dir, 'outbound.db'));
  const w = new OutboundWriter(db, inboundMax);
  if (onCommit) w.on('commit', onCommit);
  return { db, w };
}
const address = { channelType: 'web', platformId: 'c1', threadId: null };
const chat = (text: string) => ({ kind: 'chat' as const, address, inReplyTo: 'm2', content: { text } });

describe('OutboundWriter', () => {
  it('numbers rows with odd seqs above the highest seq of both files', () => {
    let inboundMax = 8;
    const { w } = writer(() => inboundMax);
    expect(w.commit({ messages: [chat('a'), chat('b')] }).map((x) => x.seq)).toEqual([9, 11]);
    inboundMax = 20;
    expect(w.commit({ messages: [chat('c')] }).map((x) => x.seq)).toEqual([21]);
    inboundMax = 2;
    expect(w.commit({ messages: [chat('d')] }).map((x) => x.seq)).toEqual([23]);
  });

  it('writes messages, acks and state in one transaction, or nothing', () => {
    const { db, w } = writer(() => 0);
    expect(() =>
      w.commit({
        messages: [chat('ok'), { kind: 'system', content: { action: 'cancel_task' } as never }],
        acks: [{ id: 'm2', status: 'completed' }],
      }),
    ).toThrow();
    expect(db.raw.prepare('SELECT count(*) AS n FROM messages_out').get()).toEqual({ n: 0 });
    expect(db.raw.prepare('SELECT count(*) AS n FROM processing_ack').get()).toEqual({ n: 0 });
  });

  it('upserts acks, clears stale processing ones and reports commits', () => {
    const seen: number[] = [];
    const { db, w } = writer(
      () => 0,
      (s) => seen.push(s),
    );
    w.claim(['a', 'b']);
    w.commit({ acks: [{ id: 'a', status: 'completed' }], messages: [chat('x')], setState: { k: 'v' } });
    expect(clearStaleClaims(db)).toBe(1);
    expect(w.getState('k')).toBe('v');
    w.commit({ deleteState: ['k'] });
    expect(w.getState('k')).toBeNull();
    expect(seen).toEqual([0, 1, 1]);
  });

  it('remembers which tasks it asked the host to schedule', () => {
    const { w } = writer(() => 0);
    w.commit({
      messages: [
        {
          kind: 'system',
          content: {
            action: 'schedule_task',
            taskId: 't1',
            prompt: 'p',
            processAfter: '2030-01-01T00:00:00Z',
          },
        },
      ],
    });
    expect(w.hasRequestedTask('t1')).toBe(true);
    expect(w.hasRequestedTask('t2')).toBe(false);
  });
});
