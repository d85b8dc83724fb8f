/**
 * /stop in the runner as a real process: who may interrupt the running turn (its sender, an admin), the
 * refusal for anyone else, "Stopped." and a session that keeps working, and /stop with nothing running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTHING_RUNNING_REPLY, STOP_REFUSED_REPLY, STOPPED_REPLY } from '../../protocol/commands.js';
import { HostSide, startReadyRunner, stopAll, waitFor } from '../support/runner-harness.js';

describe('agent-runner /stop', () => {
  let host: HostSide;

  beforeAll(async () => {
    host = HostSide.create();
    await startReadyRunner(host, { NANOCLAW_ADMIN_USER_IDS: 'web:admin' });
  });
  afterAll(async () => {
    await stopAll();
    host.close();
  });

  const replies = (id: string) => host.repliesTo(id).map((r) => r.json.text);
  const running = async (text: string, sender: string) => {
    const id = host.chat(text, { sender });
    await waitFor('claim', () => host.ack(id) === 'processing');
    return id;
  };

  it('lets the sender stop their own request; the next message is answered as usual', async () => {
    const before = host.state('continuation:mock');
    const long = await running('a long job [[delay:60000]]', 'web:alice');
    const started = Date.now();
    const stop = host.chat('/stop', { sender: 'web:alice' });
    expect(await host.finished(long)).toBe('completed');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await host.finished(stop)).toBe('completed');
    expect(replies(stop)).toEqual([STOPPED_REPLY]);
    expect(replies(long)).toEqual([]);
    expect(host.state('continuation:mock')).not.toBe(before);
    const next = host.chat('still there?', { sender: 'web:alice' });
    await host.finished(next);
    expect(replies(next)).toEqual(['Mock response to: still there?']);
  });

  it('lets an admin stop somebody else’s request, by the admin list or the host’s stamp', async () => {
    const long = await running('another long job [[delay:60000]]', 'web:alice');
    const stop = host.chat('/stop', { sender: 'web:admin' });
    await host.finished(long);
    expect(replies(stop)).toEqual([STOPPED_REPLY]);

    const long2 = await running('and one more [[delay:60000]]', 'web:alice');
    const stop2 = host.rawChat({ text: '/stop', sender: 'web:promoted', senderIsAdmin: true });
    await host.finished(long2);
    expect(replies(stop2)).toEqual([STOPPED_REPLY]);
  });

  it('refuses a member who did not send the running request, and the turn goes on', async () => {
    const long = await running('keep going [[delay:1500]]', 'web:alice');
    const stop = host.chat('/stop', { sender: 'web:bob' });
    expect(await host.finished(stop)).toBe('completed');
    expect(replies(stop)).toEqual([STOP_REFUSED_REPLY]);
    expect(host.ack(long)).toBe('processing');
    expect(await host.finished(long)).toBe('completed');
    expect(replies(long)).toEqual(['Mock response to: keep going']);
  });

  it('lets the sender of a follow-up stop the turn it joined', async () => {
    const long = await running('long [[delay:60000]]', 'web:alice');
    const follow = host.chat('me too', { sender: 'web:bob' });
    await waitFor('the follow-up claimed', () => host.ack(follow) === 'processing');
    const stop = host.chat('/stop', { sender: 'web:bob' });
    await host.finished(long);
    expect(host.ack(follow)).toBe('completed');
    expect(replies(stop)).toEqual([STOPPED_REPLY]);
  });

  it('says nothing is running when idle', async () => {
    const stop = host.chat('/stop', { sender: 'web:alice' });
    expect(await host.finished(stop)).toBe('completed');
    expect(replies(stop)).toEqual([NOTHING_RUNNING_REPLY]);
  });
});
