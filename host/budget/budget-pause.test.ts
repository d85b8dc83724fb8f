import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../db/schema.js';
import { BudgetPause } from './budget-pause.js';

const session = (id: string, status = 'active') => ({ id, agent_group_id: 'g', status }) as Session;

let pause: BudgetPause | null = null;
afterEach(() => pause?.close());

function setUp() {
  const state = { paused: true, sessions: new Map<string, Session>(), woken: [] as string[] };
  pause = new BudgetPause({
    refusal: () => (state.paused ? 'budget reached' : null),
    current: (id) => state.sessions.get(id),
    wake: (s) => Promise.resolve(void state.woken.push(s.id)),
    checkMs: 60_000,
    log: pino({ level: 'silent' }),
  });
  return { state, pause };
}

describe('sessions held by a budget', () => {
  it('holds sessions while their group is paused and wakes each once when it may run again', () => {
    const { state, pause } = setUp();
    for (const id of ['a', 'b']) state.sessions.set(id, session(id));
    expect(pause.holds(session('a'))).toBe(true);
    expect(pause.holds(session('a'))).toBe(true);
    expect(pause.holds(session('b'))).toBe(true);
    pause.resume();
    expect(state.woken).toEqual([]);
    state.paused = false;
    expect(pause.holds(session('c'))).toBe(false);
    pause.resume();
    pause.resume();
    expect(state.woken).toEqual(['a', 'b']);
  });

  it('drops a held session that was closed or deleted meanwhile, never waking it', () => {
    const { state, pause } = setUp();
    state.sessions.set('closed', session('closed', 'closed'));
    pause.holds(session('closed'));
    pause.holds(session('gone'));
    state.paused = false;
    pause.resume();
    expect(state.woken).toEqual([]);
  });
});
