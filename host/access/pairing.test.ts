import { beforeEach, describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import type { CentralDb } from '../db/central-db.js';
import { findMessagingGroup } from '../db/messaging-groups.js';
import { listWiringsOf } from '../db/wirings.js';
import { isMember } from './members.js';
import { issuePairingCode, MAX_WRONG, pairingReply, tryPairing, type PairingAttempt } from './pairing.js';
import { grantRole, isOwner } from './roles.js';

let db: CentralDb;

const dm = (text: string, over: Partial<PairingAttempt> = {}): PairingAttempt => ({
  channelType: 'telegram',
  userNamespace: 'telegram',
  platformId: '555',
  senderHandle: '555',
  senderName: 'Ada',
  text,
  isGroup: false,
  ...over,
});

beforeEach(() => {
  db = dbWithGroups();
});

describe('pairing', () => {
  it('leaves every message alone while no code is pending', () => {
    expect(tryPairing(db, dm('123456'))).toEqual({ kind: 'not_pairing' });
  });

  it('makes the first paired account the owner and records its DM', () => {
    const { code } = issuePairingCode(db, { channelType: 'telegram' });
    expect(tryPairing(db, dm(code))).toEqual({
      kind: 'paired',
      userId: 'telegram:555',
      owner: true,
      agentGroupId: null,
    });
    expect(isOwner(db, 'telegram:555')).toBe(true);
    const mg = findMessagingGroup(db, 'telegram', '555')!;
    expect(mg).toMatchObject({ is_group: 0, unknown_sender_policy: 'strict' });
    const row = db.first(db.q.selectFrom('user_dms').selectAll().where('user_id', '=', 'telegram:555'));
    expect(row).toMatchObject({ channel_type: 'telegram', messaging_group_id: mg.id });
  });

  it('accepts "@bot <code>" and uses a code only once', () => {
    const { code } = issuePairingCode(db, { channelType: 'telegram' });
    expect(tryPairing(db, dm(`@nano_bot ${code}`)).kind).toBe('paired');
    expect(tryPairing(db, dm(code, { senderHandle: '777', platformId: '777' }))).toEqual({
      kind: 'not_pairing',
    });
  });

  it('grants owner only when there is none (first pair wins) and wires the DM to the code’s agent', () => {
    grantRole(db, { userId: 'web:local', role: 'owner' });
    const { code } = issuePairingCode(db, { channelType: 'telegram', agentGroupId: 'ag-1' });
    const outcome = tryPairing(db, dm(code));
    expect(outcome).toMatchObject({ kind: 'paired', owner: false, agentGroupId: 'ag-1' });
    expect(isOwner(db, 'telegram:555')).toBe(false);
    expect(isMember(db, 'telegram:555', 'ag-1')).toBe(true);
    const mg = findMessagingGroup(db, 'telegram', '555')!;
    expect(listWiringsOf(db, mg.id).map((w) => [w.agent_group_id, w.engage_mode, w.engage_pattern])).toEqual([
      ['ag-1', 'pattern', '.'],
    ]);
    expect(pairingReply(outcome, 'Agent One')).toBe(
      'Paired as telegram:555. You are registered. This chat now talks to Agent One: say hello.',
    );
  });

  it('ignores codes in group chats, without a sender, on another channel, and ordinary text', () => {
    const { code } = issuePairingCode(db, { channelType: 'telegram' });
    expect(tryPairing(db, dm(code, { isGroup: true })).kind).toBe('not_pairing');
    expect(tryPairing(db, dm(code, { senderHandle: null })).kind).toBe('not_pairing');
    expect(tryPairing(db, dm(code, { channelType: 'discord', userNamespace: 'discord' })).kind).toBe(
      'not_pairing',
    );
    expect(tryPairing(db, dm(`my code is ${code}`)).kind).toBe('not_pairing');
    expect(tryPairing(db, dm(code)).kind).toBe('paired');
  });

  it('refuses a wrong code and cancels pending codes after too many wrong ones', () => {
    const { code } = issuePairingCode(db, { channelType: 'telegram' });
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i < MAX_WRONG; i++)
      expect(tryPairing(db, dm(wrong))).toEqual({ kind: 'refused', cancelled: false });
    expect(tryPairing(db, dm(wrong))).toEqual({ kind: 'refused', cancelled: true });
    expect(tryPairing(db, dm(code))).toEqual({ kind: 'not_pairing' });
    expect(isOwner(db, 'telegram:555')).toBe(false);
  });

  it('refuses an expired code', () => {
    const { code } = issuePairingCode(db, { channelType: 'telegram', ttlMs: -1 });
    expect(tryPairing(db, dm(code))).toEqual({ kind: 'not_pairing' });
  });

  it('refuses a code for an agent group that does not exist', () => {
    expect(() => issuePairingCode(db, { channelType: 'telegram', agentGroupId: 'nope' })).toThrow(
      /does not exist/,
    );
  });
});
