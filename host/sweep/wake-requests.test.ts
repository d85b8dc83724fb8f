import { describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import { resolveSession } from '../session/session-store.js';
import { requestWake, takeWakeRequests } from './wake-requests.js';

describe('wake requests', () => {
  it('are taken once, one per session, the latest reason winning', () => {
    const db = dbWithGroups();
    const mg = upsertMessagingGroup(db, { channelType: 'web', platformId: 'main' });
    const { session } = resolveSession(db, {
      agentGroupId: 'ag-1',
      messagingGroupId: mg.id,
      threadId: null,
      mode: 'shared',
    });
    requestWake(db, session.id, 'welcome');
    requestWake(db, session.id, 'run task');
    expect(takeWakeRequests(db)).toEqual([{ session_id: session.id, reason: 'run task' }]);
    expect(takeWakeRequests(db)).toEqual([]);
  });
});
