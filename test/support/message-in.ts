/** A pending, triggering messages_in row for runner unit tests; override any column. */
import type { MessageIn } from '../../protocol/session-db.js';

export function messageInRow(overrides: Partial<MessageIn> & { content: string }): MessageIn {
  return {
    id: 'm1',
    seq: 2,
    kind: 'chat',
    timestamp: '2026-01-01T00:00:00.000Z',
    status: 'pending',
    process_after: null,
    recurrence: null,
    series_id: null,
    tries: 0,
    trigger: 1,
    channel_type: 'web',
    platform_id: 'c',
    thread_id: null,
    ...overrides,
  };
}
