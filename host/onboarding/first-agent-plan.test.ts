import { describe, expect, it } from 'vitest';
import {
  agentFolderFor,
  ArgumentError,
  decideRole,
  normalizeName,
  planFirstAgent,
  userNamespaceOf,
  welcomeMessageId,
} from './first-agent-plan.js';

const base = { channel: 'telegram', user: '12345', name: 'Zoë Müller' };

function argumentOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ArgumentError) return err.argument;
    throw err;
  }
  throw new Error('no ArgumentError');
}

describe('names', () => {
  it('normalizes a display name to a DNS label', () => {
    expect(normalizeName('Zoë Müller')).toBe('zoe-muller');
    expect(normalizeName("  --Dr. J. O'Neil!! ")).toBe('dr-j-o-neil');
    expect(agentFolderFor('Zoë Müller')).toBe('dm-with-zoe-muller');
  });

  it('caps the folder at 63 characters without a trailing dash', () => {
    const folder = agentFolderFor(`${'a'.repeat(54)} bcd`);
    expect(folder.length).toBeLessThanOrEqual(63);
    expect(folder).toMatch(/^dm-with-a+$/);
  });

  it('gives a name with nothing left after normalizing a stable hash', () => {
    expect(agentFolderFor('张三')).toMatch(/^dm-with-[0-9a-f]{8}$/);
    expect(agentFolderFor('张三')).toBe(agentFolderFor('张三'));
    expect(agentFolderFor('张三')).not.toBe(agentFolderFor('李四'));
  });

  it('namespaces users by the platform of the channel, named bots included', () => {
    expect(userNamespaceOf('telegram')).toBe('telegram');
    expect(userNamespaceOf('telegram-support')).toBe('telegram');
    expect(planFirstAgent({ ...base, channel: 'telegram-support' }).userId).toBe('telegram:12345');
  });
});

describe('planFirstAgent', () => {
  it('derives the agent group, persona and welcome with defaults', () => {
    const plan = planFirstAgent(base);
    expect(plan).toMatchObject({
      channel: 'telegram',
      userId: 'telegram:12345',
      displayName: 'Zoë Müller',
      agentGroupId: 'dm-with-zoe-muller',
      folder: 'dm-with-zoe-muller',
      agentName: 'Assistant',
      provider: 'claude',
      role: 'owner',
      platformId: null,
    });
    expect(plan.instructions).toContain('You are Assistant, the personal assistant of Zoë Müller');
    expect(plan.welcomeText).toMatch(/^Say hello to Zoë Müller: they just set you up/);
  });

  it('takes the optional arguments', () => {
    const plan = planFirstAgent({
      ...base,
      agentName: 'Nano',
      platformId: '-100',
      welcome: 'Hi!',
      role: 'admin',
      provider: 'mock',
    });
    expect(plan).toMatchObject({ agentName: 'Nano', platformId: '-100', welcomeText: 'Hi!', role: 'admin' });
    expect(plan.provider).toBe('mock');
  });

  it('names the bad argument', () => {
    expect(argumentOf(() => planFirstAgent({ ...base, channel: '' }))).toBe('channel');
    expect(argumentOf(() => planFirstAgent({ ...base, channel: 'Tele gram' }))).toBe('channel');
    expect(argumentOf(() => planFirstAgent({ ...base, user: ' ' }))).toBe('user');
    expect(argumentOf(() => planFirstAgent({ ...base, user: '1 2' }))).toBe('user');
    expect(argumentOf(() => planFirstAgent({ ...base, name: '' }))).toBe('name');
    expect(argumentOf(() => planFirstAgent({ ...base, role: 'king' }))).toBe('role');
    expect(argumentOf(() => planFirstAgent({ ...base, provider: 'gpt' }))).toBe('provider');
    expect(argumentOf(() => planFirstAgent({ ...base, welcome: '' }))).toBe('welcome');
    expect(argumentOf(() => planFirstAgent({ ...base, agentName: 'x'.repeat(129) }))).toBe('agent-name');
  });
});

describe('decideRole', () => {
  it('makes the first owner, keeps an owner, and grants nothing over another owner', () => {
    expect(decideRole('owner', 'telegram:1', [])).toMatchObject({ grant: 'owner' });
    expect(decideRole('owner', 'telegram:1', ['telegram:1'])).toMatchObject({ grant: null });
    expect(decideRole('owner', 'telegram:2', ['web:local'])).toEqual({
      grant: null,
      note: 'not made owner: this host has one (web:local); membership only',
    });
    expect(decideRole('admin', 'telegram:2', ['web:local'])).toMatchObject({ grant: 'admin' });
    expect(decideRole('member', 'telegram:2', [])).toMatchObject({ grant: null });
  });
});

describe('welcomeMessageId', () => {
  it('is stable for a DM and fresh for a resend', () => {
    const a = welcomeMessageId('dm-with-a', 'mg-1', null);
    expect(welcomeMessageId('dm-with-a', 'mg-1', null)).toBe(a);
    expect(welcomeMessageId('dm-with-a', 'mg-2', null)).not.toBe(a);
    expect(welcomeMessageId('dm-with-a', 'mg-1', new Date(0))).not.toBe(a);
  });
});
