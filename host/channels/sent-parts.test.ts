import { describe, expect, it } from 'vitest';
import { SentParts, type SendPart } from './sent-parts.js';

/** Parts that record each send; the part at `failAt` throws once. */
function parts(n: number, log: string[], failAt: number | null = null): SendPart[] {
  let failed = false;
  return Array.from({ length: n }, (_, i) => () => {
    if (i === failAt && !failed) {
      failed = true;
      return Promise.reject(new Error(`part ${i} refused`));
    }
    log.push(`p${i}`);
    return Promise.resolve(`id${i}`);
  });
}

describe('SentParts', () => {
  it('sends on a retry only the parts the failed attempt did not send', async () => {
    const sent = new SentParts();
    const log: string[] = [];
    const message = parts(3, log, 1);
    await expect(sent.sendAll('m1', message)).rejects.toThrow('part 1 refused');
    expect(await sent.sendAll('m1', message)).toEqual(['id0', 'id1', 'id2']);
    expect(log).toEqual(['p0', 'p1', 'p2']);
  });

  it('forgets a message sent whole: sending it again sends every part', async () => {
    const sent = new SentParts();
    const log: string[] = [];
    await sent.sendAll('m1', parts(2, log));
    await sent.sendAll('m1', parts(2, log));
    expect(log).toEqual(['p0', 'p1', 'p0', 'p1']);
  });

  it('remembers nothing without a source id, and at most `max` messages', async () => {
    const log: string[] = [];
    const none = new SentParts();
    await expect(none.sendAll(undefined, parts(2, log, 1))).rejects.toThrow();
    await none.sendAll(undefined, parts(2, log));
    expect(log).toEqual(['p0', 'p0', 'p1']);

    const small = new SentParts(1);
    const a: string[] = [];
    const b: string[] = [];
    const first = parts(2, a, 1);
    await expect(small.sendAll('a', first)).rejects.toThrow();
    await expect(small.sendAll('b', parts(2, b, 1))).rejects.toThrow();
    await small.sendAll('a', first); // 'a' was pushed out by 'b': sent from the start again
    expect(a).toEqual(['p0', 'p0', 'p1']);
  });
});
