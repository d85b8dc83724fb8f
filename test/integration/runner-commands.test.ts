/**
 * The runner's slash-command gate as a real process: admin-only commands against NANOCLAW_ADMIN_USER_IDS,
 * /clear resetting the continuation, filtered and host-answered commands acknowledged silently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostSide, startReadyRunner, stopAll } from '../support/runner-harness.js';

describe('agent-runner slash-command gate', () => {
  let host: HostSide;

  beforeAll(async () => {
    host = HostSide.create();
    await startReadyRunner(host, { NANOCLAW_ADMIN_USER_IDS: 'web:admin,telegram:42' });
  });
  afterAll(async () => {
    await stopAll();
    host.close();
  });

  const say = async (text: string, sender: string | null) => {
    const id = host.chat(text, { sender });
    const status = await host.finished(id);
    return { id, status, replies: host.repliesTo(id).map((r) => r.json.text) };
  };

  it('refuses /clear from a non-admin and keeps the continuation', async () => {
    await say('hi', 'web:bob');
    const before = host.state('continuation:mock');
    expect(before).toMatch(/^mock-\d+$/);
    expect(await say('/clear', 'web:bob')).toMatchObject({
      status: 'completed',
      replies: ['Permission denied: /clear requires admin access.'],
    });
    expect(host.state('continuation:mock')).toBe(before);
  });

  it('refuses admin commands from a sender without an id', async () => {
    expect((await say('/cost', null)).replies).toEqual(['Permission denied: /cost requires admin access.']);
  });

  it('clears the session for an admin /clear, and the next turn starts afresh', async () => {
    await say('hello again', 'web:alice');
    expect(host.state('continuation:mock')).not.toBeNull();
    expect(await say('/clear', 'telegram:42')).toMatchObject({
      status: 'completed',
      replies: ['Session cleared.'],
    });
    expect(host.state('continuation:mock')).toBeNull();
    await say('fresh start', 'web:alice');
    expect(host.state('continuation:mock')).toBe('mock-1');
  });

  it('refuses /compact from a non-admin without waking the provider', async () => {
    const before = host.state('continuation:mock');
    expect((await say('/compact', 'web:bob')).replies).toEqual([
      'Permission denied: /compact requires admin access.',
    ]);
    expect(host.state('continuation:mock')).toBe(before);
  });

  it('passes /compact from an admin to the provider', async () => {
    const before = host.state('continuation:mock');
    expect((await say('/compact', 'web:admin')).replies).toEqual(['Mock handled /compact']);
    expect(host.state('continuation:mock')).not.toBe(before);
  });

  it.each(['/login', '/logout', '/doctor', '/config', '/help', '/start'])(
    'acks %s without a reply or a provider call',
    async (cmd) => {
      const before = host.state('continuation:mock');
      expect(await say(cmd, 'web:admin')).toMatchObject({ status: 'completed', replies: [] });
      expect(host.state('continuation:mock')).toBe(before);
    },
  );

  it('treats an unknown slash command as ordinary text', async () => {
    expect((await say('/weather Paris', 'web:bob')).replies).toEqual(['Mock response to: /weather Paris']);
  });

  it('runs a command alone: the context before it waits for the next turn', async () => {
    const ctx = host.chat('background chatter', { trigger: 0, sender: 'web:carol', senderName: 'Carol' });
    const cmd = await say('/clear', 'web:admin');
    expect(cmd.replies).toEqual(['Session cleared.']);
    expect(host.ack(ctx)).toBeNull();
    const next = await say('[[echo-context]] catch me up', 'web:alice');
    expect(next.replies[0]).toContain(`- ${ctx} (context) Carol (web:carol): background chatter`);
  });
});
