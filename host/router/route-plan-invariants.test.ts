import { describe, expect, it } from 'vitest';
import type {
  EngageMode,
  IgnoredMessagePolicy,
  SenderScope,
  UnknownSenderPolicy,
} from '../../protocol/vocabulary.js';
import { chat, msg, snap } from '../../test/support/route-plan.js';
import type { InboundMessage } from '../channels/adapter.js';
import { planRoute, type RouteSnapshot } from './route-plan.js';

describe('route plan invariants over every combination', () => {
  const policies: UnknownSenderPolicy[] = ['strict', 'request_approval', 'public'];
  const senders = [
    { name: 'admin', allowed: true, admin: true, userId: 'telegram:1' },
    { name: 'member', allowed: true, admin: false, userId: 'telegram:2' },
    { name: 'stranger', allowed: false, admin: false, userId: 'telegram:3' },
    { name: 'anonymous', allowed: false, admin: false, userId: null },
  ];
  const modes: EngageMode[] = ['pattern', 'mention', 'mention-sticky'];
  const scopes: SenderScope[] = ['all', 'known'];
  const ignoredPolicies: IgnoredMessagePolicy[] = ['drop', 'accumulate'];
  const texts = ['hello', '/clear', '/help', '/login', '/weather'];
  const cases: {
    label: string;
    m: InboundMessage;
    s: RouteSnapshot;
    policy: UnknownSenderPolicy;
    sender: (typeof senders)[number];
  }[] = [];
  for (const policy of policies)
    for (const sender of senders)
      for (const mode of modes)
        for (const scope of scopes)
          for (const ignored of ignoredPolicies)
            for (const text of texts)
              for (const isMention of [true, false])
                for (const threadId of [null, 't1'])
                  for (const sticky of [true, false])
                    cases.push({
                      label: `${policy} ${sender.name} ${mode} ${scope} ${ignored} ${text} mention=${isMention} thread=${threadId} sticky=${sticky}`,
                      policy,
                      sender,
                      m: msg({ text, isMention, threadId, senderHandle: sender.userId ? '1' : null }),
                      s: snap(
                        chat(policy),
                        [
                          {
                            mode,
                            pattern: mode === 'pattern' ? '^/|ello' : null,
                            scope,
                            ignored,
                            sticky,
                            allowed: sender.allowed,
                            admin: sender.admin,
                          },
                        ],
                        { userId: sender.userId },
                      ),
                    });

  it(`covers ${cases.length} combinations`, () => {
    expect(cases.length).toBe(3 * 4 * 3 * 2 * 2 * 5 * 2 * 2 * 2);
  });

  it('never delivers, not even as context, to a sender the gate refuses', () => {
    for (const c of cases) {
      const gateOpen = c.policy === 'public' || (c.sender.userId !== null && c.sender.allowed);
      if (!gateOpen) expect(planRoute(c.m, c.s).deliveries, c.label).toEqual([]);
    }
  });

  it('delivers an admin-only command only to admins', () => {
    for (const c of cases.filter((x) => x.m.text === '/clear')) {
      if (!c.sender.admin) expect(planRoute(c.m, c.s).deliveries, c.label).toEqual([]);
    }
  });

  it('never delivers filtered or host-answered commands to an agent', () => {
    for (const c of cases.filter((x) => x.m.text === '/login' || x.m.text === '/help'))
      expect(planRoute(c.m, c.s).deliveries, c.label).toEqual([]);
  });

  it('replies only to a sender who passed the gate, and only for a command', () => {
    for (const c of cases) {
      const p = planRoute(c.m, c.s);
      if (p.reply === null) continue;
      expect(['/clear', '/help'], c.label).toContain(c.m.text);
      const gateOpen = c.policy === 'public' || (c.sender.userId !== null && c.sender.allowed);
      expect(gateOpen, c.label).toBe(true);
    }
  });

  it('holds an approval only in request_approval chats, for a known handle the gate refused', () => {
    for (const c of cases) {
      const p = planRoute(c.m, c.s);
      if (p.approvals.length === 0) continue;
      expect(c.policy, c.label).toBe('request_approval');
      expect(c.sender.userId, c.label).not.toBeNull();
      expect(c.sender.allowed, c.label).toBe(false);
    }
  });
});
