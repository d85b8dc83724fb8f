import { beforeEach, describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import { upsertAgentGroup } from './agent-groups.js';
import type { CentralDb } from './central-db.js';
import { listDestinations, normalizeLocalName, pickFreeLocalName } from './destinations.js';
import { deleteMessagingGroup, upsertMessagingGroup } from './messaging-groups.js';
import { deleteWiring, listWiringsOf, upsertWiring } from './wirings.js';

let db: CentralDb;
beforeEach(() => {
  db = dbWithGroups();
});

describe('wiring auto-creates the agent destination', () => {
  it('creates one destination named after the messaging group', () => {
    const mg = upsertMessagingGroup(db, { channelType: 'telegram', platformId: '-100', name: 'Gen' });
    upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag-1' });
    const dests = listDestinations(db, 'ag-1');
    expect(dests).toEqual([
      expect.objectContaining({ local_name: 'gen', target_type: 'channel', target_id: mg.id }),
    ]);
  });

  it('does not duplicate the destination when the chat is wired again', () => {
    const mg = upsertMessagingGroup(db, { channelType: 'telegram', platformId: '-100', name: 'Gen' });
    upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag-1' });
    deleteWiring(db, mg.id, 'ag-1');
    upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag-1' });
    upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag-1', priority: 5 });
    expect(listDestinations(db, 'ag-1')).toHaveLength(1);
    expect(listWiringsOf(db, mg.id)).toHaveLength(1);
  });

  it('breaks local name collisions within one agent group', () => {
    const a = upsertMessagingGroup(db, { channelType: 'telegram', platformId: '-1', name: 'Gen' });
    const b = upsertMessagingGroup(db, { channelType: 'discord', platformId: '42', name: 'Gen' });
    const c = upsertMessagingGroup(db, { channelType: 'slack', platformId: 'C1', name: 'gen!' });
    for (const mg of [a, b, c]) upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag-1' });
    upsertWiring(db, { messagingGroupId: a.id, agentGroupId: 'ag-2' });
    expect(listDestinations(db, 'ag-1').map((d) => d.local_name)).toEqual(['gen', 'gen-2', 'gen-3']);
    expect(listDestinations(db, 'ag-2').map((d) => d.local_name)).toEqual(['gen']);
  });

  it('names an unnamed chat after its channel and id', () => {
    const mg = upsertMessagingGroup(db, { id: 'mg-abcdefgh-123', channelType: 'web', platformId: 'x' });
    upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag-1' });
    expect(listDestinations(db, 'ag-1')[0]!.local_name).toBe('web-mg-abcde');
  });

  it('removes the destination when its messaging group is deleted', () => {
    const mg = upsertMessagingGroup(db, { channelType: 'telegram', platformId: '-100', name: 'Gen' });
    upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag-1' });
    deleteMessagingGroup(db, mg.id);
    expect(listDestinations(db, 'ag-1')).toEqual([]);
  });
});

describe('local name normalization', () => {
  it.each([
    ['Gen', 'gen'],
    ['  Team Chat!! ', 'team-chat'],
    ['ÄÖÜ', 'unnamed'],
    ['--a__b--', 'a-b'],
    ['', 'unnamed'],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeLocalName(raw)).toBe(expected);
  });

  it('appends -2, -3 … until free', () => {
    expect(pickFreeLocalName('gen', new Set(['gen', 'gen-2']))).toBe('gen-3');
    expect(pickFreeLocalName('gen', new Set())).toBe('gen');
  });
});

describe('bad input', () => {
  it('rejects a wiring to an unknown agent group and writes nothing', () => {
    const mg = upsertMessagingGroup(db, { channelType: 'telegram', platformId: '-100', name: 'Gen' });
    expect(() => upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ghost' })).toThrow(
      expect.objectContaining({ code: 'unknown_agent_group', field: 'agentGroup' }),
    );
    expect(listWiringsOf(db, mg.id)).toEqual([]);
    expect(db.all(db.q.selectFrom('agent_destinations').selectAll())).toEqual([]);
  });

  it('rejects a wiring to an unknown messaging group', () => {
    expect(() => upsertWiring(db, { messagingGroupId: 'ghost', agentGroupId: 'ag-1' })).toThrow(
      expect.objectContaining({ code: 'unknown_messaging_group' }),
    );
  });

  it('rejects an invalid unknown-sender policy', () => {
    expect(() =>
      upsertMessagingGroup(db, { channelType: 'telegram', platformId: '1', unknownSenderPolicy: 'open' }),
    ).toThrow(expect.objectContaining({ code: 'invalid_policy', field: 'unknownSenderPolicy' }));
    expect(db.all(db.q.selectFrom('messaging_groups').selectAll())).toEqual([]);
  });

  it('rejects an invalid policy in the DB as well', () => {
    expect(() =>
      db.raw
        .prepare(
          `INSERT INTO messaging_groups (id, channel_type, platform_id, unknown_sender_policy, created_at, updated_at) VALUES ('x','web','1','open','t','t')`,
        )
        .run(),
    ).toThrow(/CHECK constraint failed/);
  });

  it('rejects a channel that is not a lower-case identifier', () => {
    expect(() => upsertMessagingGroup(db, { channelType: 'Telegram', platformId: '1' })).toThrow(
      expect.objectContaining({ code: 'invalid_channel', field: 'channel' }),
    );
  });

  it('rejects a second messaging group for the same chat', () => {
    upsertMessagingGroup(db, { channelType: 'telegram', platformId: '1' });
    expect(() => upsertMessagingGroup(db, { channelType: 'telegram', platformId: '1' })).toThrow(/UNIQUE/);
  });

  it('rejects a pattern that does not compile, and a pattern without pattern mode', () => {
    const mg = upsertMessagingGroup(db, { channelType: 'telegram', platformId: '1' });
    expect(() =>
      upsertWiring(db, {
        messagingGroupId: mg.id,
        agentGroupId: 'ag-1',
        engageMode: 'pattern',
        engagePattern: '(',
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_wiring', field: 'engage.pattern' }));
    expect(() =>
      upsertWiring(db, {
        messagingGroupId: mg.id,
        agentGroupId: 'ag-1',
        engageMode: 'mention',
        engagePattern: 'x',
      }),
    ).toThrow(expect.objectContaining({ field: 'engage.pattern' }));
    expect(() =>
      upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag-1', engageMode: 'pattern' }),
    ).toThrow(expect.objectContaining({ field: 'engage.pattern' }));
    expect(() => upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag-1', priority: 5000 })).toThrow(
      expect.objectContaining({ field: 'priority' }),
    );
    expect(listWiringsOf(db, mg.id)).toEqual([]);
  });

  it('rejects a folder that is not a DNS label or is reserved', () => {
    expect(() => upsertAgentGroup(db, { id: 'x', name: 'x', folder: 'Bad_Folder' })).toThrow(
      expect.objectContaining({ code: 'invalid_folder', field: 'folder' }),
    );
    expect(() => upsertAgentGroup(db, { id: 'x', name: 'x', folder: 'global' })).toThrow(
      expect.objectContaining({ code: 'invalid_folder' }),
    );
  });

  it('refuses to move an agent group to another folder', () => {
    expect(() => upsertAgentGroup(db, { id: 'ag-1', name: 'x', folder: 'elsewhere' })).toThrow(
      expect.objectContaining({ code: 'invalid_folder' }),
    );
  });
});
