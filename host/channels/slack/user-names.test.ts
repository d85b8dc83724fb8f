import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { UserNames } from './user-names.js';

const log = pino({ level: 'silent' });

describe('UserNames', () => {
  it('prefers the display name and asks Slack once per user', async () => {
    const asked: string[] = [];
    const names = new UserNames((id) => {
      asked.push(id);
      return Promise.resolve({
        user: { name: 'ada.l', real_name: 'Ada Lovelace', profile: { display_name: 'ada' } },
      });
    }, log);
    expect(await names.get('U1')).toBe('ada');
    expect(await names.get('U1')).toBe('ada');
    expect(asked).toEqual(['U1']);
  });

  it('asks again after the entry expired', async () => {
    let now = 0;
    let calls = 0;
    const names = new UserNames(
      () => Promise.resolve({ user: { real_name: `n${++calls}` } }),
      log,
      () => now,
    );
    expect(await names.get('U1')).toBe('n1');
    now += 2 * 60 * 60 * 1000;
    expect(await names.get('U1')).toBe('n2');
  });

  it('yields null without caching when Slack refuses', async () => {
    let fail = true;
    const names = new UserNames(
      () => (fail ? Promise.reject(new Error('user_not_found')) : Promise.resolve({ user: { name: 'bob' } })),
      log,
    );
    expect(await names.get('U2')).toBeNull();
    fail = false;
    expect(await names.get('U2')).toBe('bob');
  });
});
