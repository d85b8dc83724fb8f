import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecordingAdapter } from '../../test/support/recording-adapter.js';
import { MapChannelRegistry } from '../channels/adapter.js';
import { IdempotencyKeys } from '../channels/web/idempotency-keys.js';
import { WebAdapter, type StreamEvent } from '../channels/web/web-adapter.js';
import { WebEventStore } from '../channels/web/web-events.js';
import { openCentralDb } from '../db/central-db.js';
import { Typing } from './typing.js';

const to = { channelType: 'telegram', platformId: '42', threadId: null };
let tg: RecordingAdapter;
let typing: Typing;

beforeEach(() => {
  vi.useFakeTimers();
  tg = new RecordingAdapter('telegram');
  typing = new Typing(new MapChannelRegistry([tg]), pino({ level: 'silent' }), 4000, 20_000);
});
afterEach(() => {
  typing.close();
  vi.useRealTimers();
});

describe('Typing', () => {
  it('shows typing at once and refreshes it until stopped', () => {
    typing.start('s1', to);
    expect(tg.typing).toHaveLength(1);
    vi.advanceTimersByTime(8000);
    expect(tg.typing).toHaveLength(3);
    typing.stop('s1');
    vi.advanceTimersByTime(8000);
    expect(tg.typing).toHaveLength(3);
  });

  it('gives up after the maximum so a stuck runner does not type forever', () => {
    typing.start('s1', to);
    vi.advanceTimersByTime(60_000);
    expect(tg.typing.length).toBeLessThanOrEqual(6);
  });

  it('keeps one indicator per session when a second message arrives', () => {
    typing.start('s1', to);
    typing.start('s1', to);
    vi.advanceTimersByTime(4000);
    expect(tg.typing).toHaveLength(3);
  });

  it('skips channels that have no typing indicator', () => {
    typing.start('s1', { ...to, channelType: 'web' });
    vi.advanceTimersByTime(8000);
    expect(tg.typing).toHaveLength(0);
  });

  it('names the working agent and ends the indicator at once when stopped, on a channel that can', () => {
    const db = openCentralDb(':memory:');
    const web = new WebAdapter({
      events: new WebEventStore(db, { retentionMs: 3600_000, perChat: 100, historyLimit: 50 }),
      keys: new IdempotencyKeys(db),
      log: pino({ level: 'silent' }),
    });
    const t = new Typing(new MapChannelRegistry([web]), pino({ level: 'silent' }), 4000, 20_000);
    const seen: StreamEvent[] = [];
    web.open('main', null, (e) => seen.push(e));
    t.start(
      's1',
      { channelType: 'web', platformId: 'main', threadId: null },
      { id: 'helper', name: 'Helper' },
    );
    t.stop('s1');
    expect(seen).toEqual([
      { kind: 'replayed', count: 0 },
      {
        kind: 'typing',
        typing: { chat: 'main', thread: null, agent: { id: 'helper', name: 'Helper' }, active: true },
      },
      {
        kind: 'typing',
        typing: { chat: 'main', thread: null, agent: { id: 'helper', name: 'Helper' }, active: false },
      },
    ]);
    t.close();
  });
});
