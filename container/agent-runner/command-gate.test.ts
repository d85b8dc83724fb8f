import { describe, expect, it } from 'vitest';
import type { MessageIn } from '../../protocol/session-db.js';
import { messageInRow } from '../../test/support/message-in.js';
import { decide, gatedCommandOf, mayStop, permissionDeniedReply } from './command-gate.js';
import { parseInbound, type InboundMessage } from './inbound-message.js';

function msg(text: string, sender: string | null, extra: Partial<MessageIn> = {}): InboundMessage {
  const m = parseInbound(
    messageInRow({
      content: JSON.stringify(extra.kind === 'task' ? { prompt: text } : { text, sender }),
      ...extra,
    }),
  );
  if ('error' in m) throw new Error(m.error);
  return m;
}
const admins = new Set(['web:admin']);

describe('command gate', () => {
  it.each(['/clear', '/compact', '/context', '/cost', '/files', '/remote-control'])(
    'refuses %s from a non-admin with the standard reply',
    (cmd) => {
      expect(decide(msg(`${cmd} please`, 'web:bob'), admins)).toEqual({
        action: 'deny',
        command: cmd,
        reply: `Permission denied: ${cmd} requires admin access.`,
      });
    },
  );

  it('decides by the host’s verdict on the message over the admin list it started with', () => {
    const stamped = (sender: string, senderIsAdmin: boolean) => {
      const m = parseInbound(
        messageInRow({ content: JSON.stringify({ text: '/compact', sender, senderIsAdmin }) }),
      );
      if ('error' in m) throw new Error(m.error);
      return m;
    };
    expect(decide(stamped('web:promoted', true), admins).action).toBe('provider');
    expect(decide(stamped('web:admin', false), admins).action).toBe('deny');
  });

  it('never treats a null sender as an admin', () => {
    expect(decide(msg('/compact', null), admins).action).toBe('deny');
  });

  it('clears the session for an admin /clear', () => {
    expect(decide(msg('/clear', 'web:admin'), admins)).toEqual({
      action: 'clear',
      command: '/clear',
      reply: 'Session cleared.',
    });
  });

  it('passes other admin commands from an admin to the provider, case-insensitively', () => {
    expect(decide(msg('/COMPACT', 'web:admin'), admins)).toEqual({ action: 'provider', command: '/compact' });
  });

  it.each(['/login', '/logout', '/doctor', '/config'])('drops filtered %s for everyone', (cmd) => {
    expect(decide(msg(cmd, 'web:admin'), admins)).toEqual({ action: 'drop', command: cmd, why: 'filtered' });
  });

  it('drops host-answered commands that reach the runner', () => {
    expect(decide(msg('/help', 'web:bob'), admins)).toMatchObject({ action: 'drop', why: 'host-answered' });
  });

  it('gates only triggering chat rows', () => {
    expect(gatedCommandOf(msg('/clear', 'web:bob', { trigger: 0 }))).toBeNull();
    expect(gatedCommandOf(msg('/clear', null, { kind: 'task' }))).toBeNull();
    expect(gatedCommandOf(msg('not /clear', 'web:bob'))).toBeNull();
    expect(decide(msg('/unknown', 'web:bob'), admins)).toEqual({ action: 'none' });
  });

  it('formats the denial', () => {
    expect(permissionDeniedReply('/cost')).toBe('Permission denied: /cost requires admin access.');
  });

  it('answers /stop as a turn of its own: nothing is running', () => {
    expect(decide(msg('/stop', 'web:bob'), admins)).toEqual({
      action: 'idle-stop',
      command: '/stop',
      reply: 'Nothing is running.',
    });
  });

  it('lets a sender of the running turn or an admin stop it, nobody else and never a null sender', () => {
    const senders = new Set(['web:alice']);
    expect(mayStop(msg('/stop', 'web:alice'), senders, admins)).toBe(true);
    expect(mayStop(msg('/stop', 'web:admin'), senders, admins)).toBe(true);
    expect(mayStop(msg('/stop', 'web:bob'), senders, admins)).toBe(false);
    expect(mayStop(msg('/stop', null), new Set(), admins)).toBe(false);
  });
});
