import { describe, expect, it } from 'vitest';
import { openCentralDb } from '../../db/central-db.js';
import { WebEventStore, type WebEventInput } from './web-events.js';

const DAY = 24 * 3600_000;
const store = (perChat = 1000, historyLimit = 200) =>
  new WebEventStore(openCentralDb(':memory:'), { retentionMs: 7 * DAY, perChat, historyLimit });
const msg = (n: number, chat = 'main'): WebEventInput => ({
  chat,
  thread: null,
  messageId: `m${n}`,
  author: { kind: 'agent', name: 'Helper', agentGroupId: 'helper' },
  level: 'info',
  text: `**${n}**`,
  inReplyTo: null,
  question: null,
});

describe('WebEventStore', () => {
  it('stores a message once per (chat, message id) and gives it a growing event id', () => {
    const s = store();
    const a = s.append(msg(1))!;
    expect(s.append(msg(1))).toBeNull();
    const b = s.append(msg(1, 'other'))!;
    expect(b.eventId).toBeGreaterThan(a.eventId);
    expect(a.message).toMatchObject({ id: 'm1', chat: 'main', html: '<p><strong>1</strong></p>' });
  });

  it('replays what came after an event id, and the newest history oldest first', () => {
    const s = store(1000, 3);
    const ids = [1, 2, 3, 4, 5].map((n) => s.append(msg(n))!.eventId);
    s.append(msg(6, 'other'));
    expect(s.after('main', ids[2]!).map((e) => e.message.id)).toEqual(['m4', 'm5']);
    expect(s.recent('main').map((e) => e.message.id)).toEqual(['m3', 'm4', 'm5']);
  });

  it('never reuses an event id, even after every row was pruned', () => {
    const s = store();
    const last = s.append(msg(1))!.eventId;
    expect(s.prune(500, Date.now() + 8 * DAY)).toBe(1);
    expect(s.append(msg(2))!.eventId).toBeGreaterThan(last);
  });

  it('prunes old rows and rows beyond the per-chat cap, at most a batch per call', () => {
    const s = store(10);
    for (let n = 0; n < 25; n++) s.append(msg(n));
    expect(s.prune(5)).toBe(5);
    expect(s.prune(500)).toBe(10);
    expect(s.prune(500)).toBe(0);
    expect(s.recent('main').map((e) => e.message.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i + 15}`),
    );
  });
});
