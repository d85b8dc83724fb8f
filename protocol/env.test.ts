import { describe, expect, it } from 'vitest';
import { RunnerEnv } from './env.js';

describe('runner env', () => {
  it('parses the admin id list and applies defaults', () => {
    const env = RunnerEnv.parse({
      NANOCLAW_SESSION_ID: 's',
      NANOCLAW_AGENT_GROUP_ID: 'g',
      NANOCLAW_ADMIN_USER_IDS: 'telegram:1, discord:2,,',
    });
    expect(env.adminUserIds).toEqual(['telegram:1', 'discord:2']);
    expect(env.workspace).toBe('/workspace');
    expect(env.provider).toBe('mock');
  });

  it('names the variable that is wrong', () => {
    const res = RunnerEnv.safeParse({
      NANOCLAW_SESSION_ID: 's',
      NANOCLAW_AGENT_GROUP_ID: 'g',
      NANOCLAW_PROVIDER: 'gpt',
    });
    expect(res.success).toBe(false);
    expect(JSON.stringify(res.error!.issues[0]!.path)).toContain('NANOCLAW_PROVIDER');
  });
});
