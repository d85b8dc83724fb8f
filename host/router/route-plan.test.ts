import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../channels/adapter.js';
import { PATTERN_TEXT_LIMIT } from '../../protocol/pattern.js';
import { chat, msg, snap, summary } from '../../test/support/route-plan.js';
import { planRoute, type RouteSnapshot } from './route-plan.js';

const TABLE: [string, InboundMessage, RouteSnapshot, string][] = [
  // unknown and special chats
  [
    'unknown chat, no mention: ignored',
    msg({ isMention: false }),
    snap(undefined, []),
    'dropped=ignored to=[] drops=[] reply=-',
  ],
  [
    'unknown chat, mention: created, nothing wired, registration asked',
    msg(),
    snap(undefined, []),
    'dropped=no_agent_wired to=[] drops=[no_agent_wired@-] reply=- create register',
  ],
  [
    'denied chat',
    msg(),
    snap(chat('public', { denied_at: 'x' }), [{ allowed: true }]),
    'dropped=denied_chat to=[] drops=[denied_chat@-] reply=-',
  ],
  [
    'known chat without wiring, mention: registration asked',
    msg(),
    snap(chat('public'), []),
    'dropped=no_agent_wired to=[] drops=[no_agent_wired@-] reply=- register',
  ],
  [
    'known chat without wiring, no mention: dropped without asking',
    msg({ isMention: false }),
    snap(chat('public'), []),
    'dropped=no_agent_wired to=[] drops=[no_agent_wired@-] reply=-',
  ],
  // unknown-sender policy × sender
  [
    'strict, member',
    msg(),
    snap(chat('strict'), [{ allowed: true }]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  [
    'strict, stranger',
    msg(),
    snap(chat('strict'), [{}]),
    'dropped=unknown_sender_strict to=[] drops=[unknown_sender_strict@ag-1] reply=-',
  ],
  [
    'strict, no sender handle',
    msg({ senderHandle: null }),
    snap(chat('strict'), [{ allowed: true }], { userId: null }),
    'dropped=no_sender_identity to=[] drops=[no_sender_identity@ag-1] reply=-',
  ],
  [
    'request_approval, stranger: held for approval',
    msg(),
    snap(chat('request_approval'), [{}]),
    'dropped=unknown_sender_request_approval to=[] drops=[unknown_sender_request_approval@ag-1] reply=- upsert approve=[ag-1]',
  ],
  [
    'request_approval, no handle: nobody to approve',
    msg({ senderHandle: null }),
    snap(chat('request_approval'), [{}], { userId: null }),
    'dropped=no_sender_identity to=[] drops=[no_sender_identity@ag-1] reply=-',
  ],
  [
    'request_approval, member',
    msg(),
    snap(chat('request_approval'), [{ allowed: true }]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  [
    'public, stranger',
    msg(),
    snap(chat('public'), [{}]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  [
    'public, no handle',
    msg({ senderHandle: null }),
    snap(chat('public'), [{}], { userId: null }),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=-',
  ],
  // sender scope
  [
    'public + scope known, stranger',
    msg(),
    snap(chat('public'), [{ scope: 'known' }]),
    'dropped=sender_scope to=[] drops=[sender_scope@ag-1] reply=-',
  ],
  [
    'public + scope known, member',
    msg(),
    snap(chat('public'), [{ scope: 'known', allowed: true }]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  // engage modes
  [
    'mention mode, not mentioned',
    msg({ isMention: false }),
    snap(chat('strict'), [{ allowed: true }]),
    'dropped=no_agent_engaged to=[] drops=[no_agent_engaged@-] reply=- upsert',
  ],
  [
    'pattern matches without mention',
    msg({ text: '!ask why', isMention: false }),
    snap(chat('strict'), [{ allowed: true, mode: 'pattern', pattern: '^!ask' }]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  [
    'pattern does not match a mention',
    msg({ text: 'why' }),
    snap(chat('strict'), [{ allowed: true, mode: 'pattern', pattern: '^!ask' }]),
    'dropped=no_agent_engaged to=[] drops=[no_agent_engaged@-] reply=- upsert',
  ],
  [
    'pattern that does not compile engages nobody',
    msg({ text: 'x' }),
    snap(chat('strict'), [{ allowed: true, mode: 'pattern', pattern: '(' }]),
    'dropped=no_agent_engaged to=[] drops=[no_agent_engaged@-] reply=- upsert',
  ],
  [
    'a backreference is not RE2: the pattern engages nobody',
    msg({ text: 'aa' }),
    snap(chat('strict'), [{ allowed: true, mode: 'pattern', pattern: '(a)\\1' }]),
    'dropped=no_agent_engaged to=[] drops=[no_agent_engaged@-] reply=- upsert',
  ],
  [
    'a lookahead is not RE2: the pattern engages nobody',
    msg({ text: '!ask why' }),
    snap(chat('strict'), [{ allowed: true, mode: 'pattern', pattern: '^(?=!ask)' }]),
    'dropped=no_agent_engaged to=[] drops=[no_agent_engaged@-] reply=- upsert',
  ],
  [
    'a pattern sees only the head of a long message',
    msg({ text: `${'x'.repeat(PATTERN_TEXT_LIMIT)}!ask` }),
    snap(chat('strict'), [{ allowed: true, mode: 'pattern', pattern: '!ask' }]),
    'dropped=no_agent_engaged to=[] drops=[no_agent_engaged@-] reply=- upsert',
  ],
  [
    'strict, stranger, pattern wiring: refused whatever the text says',
    msg({ text: 'hello', isMention: false }),
    snap(chat('strict'), [{ mode: 'pattern', pattern: '^!ask' }]),
    'dropped=unknown_sender_strict to=[] drops=[unknown_sender_strict@ag-1] reply=-',
  ],
  [
    'request_approval, stranger, pattern matches: held for approval',
    msg({ text: '!ask why', isMention: false }),
    snap(chat('request_approval'), [{ mode: 'pattern', pattern: '^!ask' }]),
    'dropped=unknown_sender_request_approval to=[] drops=[unknown_sender_request_approval@ag-1] reply=- upsert approve=[ag-1]',
  ],
  [
    'request_approval, stranger, pattern does not match: nothing to approve',
    msg({ text: 'hello', isMention: false }),
    snap(chat('request_approval'), [{ mode: 'pattern', pattern: '^!ask' }]),
    'dropped=no_agent_engaged to=[] drops=[no_agent_engaged@-] reply=-',
  ],
  [
    'mention-sticky, thread with a session',
    msg({ isMention: false, threadId: 't1' }),
    snap(chat('strict'), [{ allowed: true, mode: 'mention-sticky', sticky: true }]),
    'dropped=- to=[ag-1:wake:per-thread] drops=[] reply=- upsert',
  ],
  [
    'mention-sticky, thread without a session',
    msg({ isMention: false, threadId: 't2' }),
    snap(chat('strict'), [{ allowed: true, mode: 'mention-sticky' }]),
    'dropped=no_agent_engaged to=[] drops=[no_agent_engaged@-] reply=- upsert',
  ],
  // accumulate
  [
    'accumulate: member kept as context',
    msg({ isMention: false }),
    snap(chat('strict'), [{ allowed: true, ignored: 'accumulate' }]),
    'dropped=- to=[ag-1:ctx:shared] drops=[] reply=- upsert',
  ],
  [
    'accumulate: stranger never reaches the agent, not even as context',
    msg({ isMention: false }),
    snap(chat('strict'), [{ ignored: 'accumulate' }]),
    'dropped=no_agent_engaged to=[] drops=[no_agent_engaged@-] reply=-',
  ],
  [
    'accumulate + scope known: stranger in a public chat is not context',
    msg({ isMention: false }),
    snap(chat('public'), [{ ignored: 'accumulate', scope: 'known' }]),
    'dropped=no_agent_engaged to=[] drops=[no_agent_engaged@-] reply=-',
  ],
  // fan-out
  [
    'fan-out to every engaged wiring, in order',
    msg(),
    snap(chat('strict'), [
      { ag: 'ag-1', allowed: true },
      { ag: 'ag-2', allowed: true, session: 'agent-shared' },
    ]),
    'dropped=- to=[ag-1:wake:shared,ag-2:wake:agent-shared] drops=[] reply=- upsert',
  ],
  [
    'one wiring refuses, the other delivers',
    msg(),
    snap(chat('strict'), [{ ag: 'ag-1' }, { ag: 'ag-2', allowed: true }]),
    'dropped=- to=[ag-2:wake:shared] drops=[unknown_sender_strict@ag-1] reply=- upsert',
  ],
  // threads and session modes
  [
    'threaded group chat: a thread is its own session',
    msg({ threadId: 't1' }),
    snap(chat('strict'), [{ allowed: true }]),
    'dropped=- to=[ag-1:wake:per-thread] drops=[] reply=- upsert',
  ],
  [
    'threaded group chat: agent-shared stays shared',
    msg({ threadId: 't1' }),
    snap(chat('strict'), [{ allowed: true, session: 'agent-shared' }]),
    'dropped=- to=[ag-1:wake:agent-shared] drops=[] reply=- upsert',
  ],
  [
    'DM with a thread id keeps its mode',
    msg({ threadId: 't1' }),
    snap(chat('strict', { is_group: 0 }), [{ allowed: true }]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  [
    'unthreaded channel keeps its mode',
    msg({ threadId: 't1' }),
    snap(chat('strict'), [{ allowed: true }], { threaded: false }),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  // slash commands
  [
    'filtered command never reaches an agent',
    msg({ text: '/login' }),
    snap(chat('strict'), [{ allowed: true }]),
    'dropped=command to=[] drops=[] reply=- upsert',
  ],
  [
    '/help is answered by the host',
    msg({ text: '/help' }),
    snap(chat('strict'), [{ allowed: true }]),
    'dropped=command to=[] drops=[] reply=help upsert',
  ],
  [
    '/start is answered by the host',
    msg({ text: '/start' }),
    snap(chat('strict'), [{ allowed: true }]),
    'dropped=command to=[] drops=[] reply=help upsert',
  ],
  [
    '/help kept as context is still answered by the host',
    msg({ text: '/help', isMention: false }),
    snap(chat('strict'), [{ allowed: true, ignored: 'accumulate' }]),
    'dropped=command to=[] drops=[] reply=help upsert',
  ],
  [
    '/help from a member that engages no agent is answered by the host',
    msg({ text: '/help', isMention: false }),
    snap(chat('strict'), [{ allowed: true }]),
    'dropped=command to=[] drops=[] reply=help upsert',
  ],
  [
    '/help from a stranger gets no reply',
    msg({ text: '/help' }),
    snap(chat('strict'), [{}]),
    'dropped=unknown_sender_strict to=[] drops=[unknown_sender_strict@ag-1] reply=-',
  ],
  [
    'admin command from a member is refused',
    msg({ text: '/clear' }),
    snap(chat('strict'), [{ allowed: true }]),
    'dropped=command to=[] drops=[] reply=command_denied upsert',
  ],
  [
    'admin command from an admin passes',
    msg({ text: '/compact' }),
    snap(chat('strict'), [{ allowed: true, admin: true }]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  [
    'admin command: admin of one group only',
    msg({ text: '/cost' }),
    snap(chat('strict'), [
      { ag: 'ag-1', allowed: true },
      { ag: 'ag-2', allowed: true, admin: true },
    ]),
    'dropped=- to=[ag-2:wake:shared] drops=[] reply=command_denied upsert',
  ],
  [
    'admin command in a public chat from a stranger',
    msg({ text: '/clear' }),
    snap(chat('public'), [{}]),
    'dropped=command to=[] drops=[] reply=command_denied upsert',
  ],
  [
    'admin command as context from a non-admin: silently skipped',
    msg({ text: '/clear', isMention: false }),
    snap(chat('strict'), [{ allowed: true, ignored: 'accumulate' }]),
    'dropped=- to=[] drops=[] reply=- upsert',
  ],
  // /stop: the running turn's sender or an admin
  [
    '/stop from the sender of the running request passes',
    msg({ text: '/stop' }),
    snap(chat('strict'), [{ allowed: true, running: ['telegram:42'] }]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  [
    '/stop from an admin passes for somebody else’s request',
    msg({ text: '/stop' }),
    snap(chat('strict'), [{ allowed: true, admin: true, running: ['telegram:7'] }]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  [
    '/stop from a member who did not send the running request is refused',
    msg({ text: '/stop' }),
    snap(chat('strict'), [{ allowed: true, running: ['telegram:7'] }]),
    'dropped=command to=[] drops=[] reply=command_denied upsert',
  ],
  [
    '/stop from a member while a task runs (nobody’s request) is refused',
    msg({ text: '/stop' }),
    snap(chat('strict'), [{ allowed: true, running: [] }]),
    'dropped=command to=[] drops=[] reply=command_denied upsert',
  ],
  [
    '/stop with nothing running: the host says so',
    msg({ text: '/stop' }),
    snap(chat('strict'), [{ allowed: true }]),
    'dropped=command to=[] drops=[] reply=notice upsert',
  ],
  [
    '/stop from an admin with nothing running reaches the agent (it answers)',
    msg({ text: '/stop' }),
    snap(chat('strict'), [{ allowed: true, admin: true }]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
  [
    '/stop from a stranger in a strict chat never gets that far',
    msg({ text: '/stop' }),
    snap(chat('strict'), [{ running: ['telegram:42'] }]),
    'dropped=unknown_sender_strict to=[] drops=[unknown_sender_strict@ag-1] reply=-',
  ],
  [
    '/stop as context is not delivered',
    msg({ text: '/stop', isMention: false }),
    snap(chat('strict'), [{ allowed: true, ignored: 'accumulate', running: ['telegram:42'] }]),
    'dropped=command to=[] drops=[] reply=- upsert',
  ],
  [
    'other slash commands pass through',
    msg({ text: '/weather Oslo' }),
    snap(chat('strict'), [{ allowed: true }]),
    'dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert',
  ],
];

describe('route plan', () => {
  it.each(TABLE)('%s', (_name, m, s, expected) => {
    expect(summary(planRoute(m, s))).toBe(expected);
  });
});
