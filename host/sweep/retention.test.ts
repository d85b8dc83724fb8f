import { describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import { getSession, resolveSession, setNextWake, touchSession } from '../session/session-store.js';
import { closeSession, retentionPassDue, staleSessions, staleSessionsQuery } from './retention.js';

describe('session retention', () => {
  it('offers only quiet active sessions without a wake-up, oldest first; a closed one gives way to a new one', () => {
    const db = dbWithGroups();
    const chat = (id: string) => upsertMessagingGroup(db, { channelType: 'telegram', platformId: id }).id;
    const session = (mg: string, lastActive: string) => {
      const { session: s } = resolveSession(db, {
        agentGroupId: 'ag-1',
        messagingGroupId: mg,
        threadId: null,
        mode: 'shared',
      });
      touchSession(db, s.id, lastActive);
      return s.id;
    };
    const [a, b, c] = [chat('-1'), chat('-2'), chat('-3')];
    const older = session(a, '2026-01-01T00:00:00.000Z');
    const old = session(b, '2026-02-01T00:00:00.000Z');
    const recent = session(c, '2026-11-30T00:00:00.000Z');
    setNextWake(db, old, '2026-12-24T00:00:00.000Z');
    expect(staleSessions(db, '2026-06-01T00:00:00.000Z').map((s) => s.id)).toEqual([older]);
    closeSession(db, older);
    expect(getSession(db, older)?.status).toBe('closed');
    expect(getSession(db, recent)?.status).toBe('active');
    expect(staleSessions(db, '2026-06-01T00:00:00.000Z')).toEqual([]);
    const next = resolveSession(db, {
      agentGroupId: 'ag-1',
      messagingGroupId: a,
      threadId: null,
      mode: 'shared',
    });
    expect(next.created).toBe(true);
    expect(next.session.id).not.toBe(older);
  });

  it('runs a pass at most every tenth of the retention and at most every 10 minutes, never with retention off', () => {
    const day = 86_400_000;
    const now = 1_000 * day;
    expect(retentionPassDue(0, now, 90 * day)).toBe(true);
    expect(retentionPassDue(now - 9 * 60_000, now, 90 * day)).toBe(false);
    expect(retentionPassDue(now - 10 * 60_000, now, 90 * day)).toBe(true);
    expect(retentionPassDue(now - 150, now, 2000)).toBe(false);
    expect(retentionPassDue(now - 200, now, 2000)).toBe(true);
    expect(retentionPassDue(0, now, 0)).toBe(false);
  });

  it('finds the candidates through the activity index, without reading every active session or sorting', () => {
    const db = dbWithGroups();
    const { sql, parameters } = staleSessionsQuery(db, '2026-06-01T00:00:00.000Z').compile();
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[])
      .map((r) => r.detail)
      .join('\n');
    expect(plan).toContain('USING INDEX idx_sessions_activity (status=? AND last_active<?)');
    expect(plan).not.toContain('TEMP B-TREE');
  });
});
