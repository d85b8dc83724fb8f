import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import { RecordingAdapter } from '../../test/support/recording-adapter.js';
import { isMember } from '../access/members.js';
import { grantRole } from '../access/roles.js';
import { MapChannelRegistry, type InboundMessage } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import type { HostMessageInput } from '../delivery/host-outbox.js';
import { recordPendingSenderApproval } from '../router/sender-approval.js';
import { decideSenderApproval, getSenderApproval } from './sender-approval-decision.js';
import { SenderApprovals } from './sender-approvals.js';

let db: CentralDb;
let sent: HostMessageInput[];
let routed: InboundMessage[];
let approvals: SenderApprovals;
let chatId: string;

const held = (text = 'hi, can I use the bot?'): InboundMessage => ({
  channelType: 'telegram',
  platformId: '-100',
  threadId: null,
  messageId: '77',
  senderHandle: '9',
  senderName: 'Mallory',
  text,
  isMention: true,
  isGroup: true,
  timestamp: new Date().toISOString(),
});

function hold(message = held()): string {
  const { approvalId } = recordPendingSenderApproval(db, {
    messagingGroupId: chatId,
    agentGroupId: 'ag-1',
    senderId: 'telegram:9',
    message,
  });
  return approvalId!;
}

async function build(ttlMs = 60_000): Promise<void> {
  approvals = new SenderApprovals({
    db,
    channels: new MapChannelRegistry([new RecordingAdapter('telegram'), new RecordingAdapter('discord')]),
    send: (m) => {
      sent.push(m);
      return Promise.resolve();
    },
    log: pino({ level: 'silent' }),
    ttlMs,
  });
  await approvals.start({
    intervalMs: 60_000,
    route: (m) => {
      routed.push(m);
      return Promise.resolve();
    },
  });
}

beforeEach(async () => {
  db = dbWithGroups();
  sent = [];
  routed = [];
  chatId = upsertMessagingGroup(db, {
    channelType: 'telegram',
    platformId: '-100',
    name: 'Team',
    isGroup: true,
    unknownSenderPolicy: 'request_approval',
  }).id;
  grantRole(db, { userId: 'telegram:1', role: 'owner' });
  await build();
});

describe('sender approvals', () => {
  it('sends the card to the approver’s DM, never the origin chat', async () => {
    const id = hold();
    await approvals.request(id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: 'approval',
      to: { channelType: 'telegram', platformId: '1' },
      card: { questionId: id, options: [{ value: 'approve' }, { value: 'deny' }] },
    });
    expect(sent[0]!.text).toContain('Mallory (telegram:9) wrote in Team');
    expect(sent[0]!.text).toContain('> hi, can I use the bot?');
    expect(getSenderApproval(db, id)).toMatchObject({ approver_user_id: 'telegram:1', status: 'pending' });
  });

  it('prefers a scoped admin of the agent group over the owner', async () => {
    grantRole(db, { userId: 'telegram:5', role: 'admin', agentGroupId: 'ag-1' });
    await approvals.request(hold());
    expect(sent[0]!.to.platformId).toBe('5');
  });

  it('audits the drop when no approver can be reached', async () => {
    db.run(db.q.deleteFrom('user_roles'));
    const id = hold();
    await approvals.request(id);
    expect(sent).toEqual([]);
    expect(getSenderApproval(db, id)!.status).toBe('unreachable');
    const drops = db.all(db.q.selectFrom('dropped_messages').select(['reason', 'user_id']));
    expect(drops).toEqual([{ reason: 'no_approver_reachable', user_id: 'telegram:9' }]);
  });

  it('refuses a click by someone who is not the approver or an admin', async () => {
    const id = hold();
    await approvals.request(id);
    expect(await approvals.click({ questionId: id, choice: { index: 0 } }, 'telegram:9')).toBe('not_yours');
    expect(isMember(db, 'telegram:9', 'ag-1')).toBe(false);
    expect(routed).toEqual([]);
  });

  it('on approval makes the sender a member, replays the held message once and tells the approver', async () => {
    const id = hold();
    await approvals.request(id);
    expect(await approvals.click({ questionId: id, choice: { index: 0 } }, 'telegram:1')).toBe('answered');
    expect(isMember(db, 'telegram:9', 'ag-1')).toBe(true);
    expect(routed.map((m) => m.text)).toEqual(['hi, can I use the bot?']);
    expect(sent[1]).toMatchObject({
      kind: 'approval',
      text: 'Approved: Mallory (telegram:9) is now a member of Agent One.',
    });
    expect(await approvals.click({ questionId: id, choice: { index: 0 } }, 'telegram:1')).toBe(
      'no_such_question',
    );
    await approvals.tick();
    expect(routed).toHaveLength(1);
  });

  it('remembers a denial: later messages hold nothing and send no card', async () => {
    const id = hold();
    await approvals.request(id);
    expect(await approvals.click({ questionId: id, choice: { value: 'deny' } }, 'telegram:1')).toBe(
      'answered',
    );
    expect(getSenderApproval(db, id)!.status).toBe('denied');
    expect(
      recordPendingSenderApproval(db, {
        messagingGroupId: chatId,
        agentGroupId: 'ag-1',
        senderId: 'telegram:9',
        message: held('again'),
      }),
    ).toEqual({ approvalId: null });
    expect(routed).toEqual([]);
  });

  it('sends no second card while one is pending', () => {
    hold();
    expect(
      recordPendingSenderApproval(db, {
        messagingGroupId: chatId,
        agentGroupId: 'ag-1',
        senderId: 'telegram:9',
        message: held('again'),
      }),
    ).toEqual({ approvalId: null });
  });

  it('expires an undecided approval, tells the approver, and renews it on the next message', async () => {
    await build(-1);
    const id = hold();
    await approvals.request(id);
    await approvals.tick();
    expect(getSenderApproval(db, id)!.status).toBe('expired');
    expect(sent.at(-1)).toMatchObject({ kind: 'notice', to: { platformId: '1' } });
    expect(sent.at(-1)!.text).toContain('expired');
    expect(hold(held('second try'))).toBe(id);
    expect(JSON.parse(getSenderApproval(db, id)!.original_message)).toMatchObject({ text: 'second try' });
  });

  it('replays an approval decided from the CLI on the next tick, once', async () => {
    const id = hold();
    await approvals.request(id);
    expect(decideSenderApproval(db, { approvalId: id, decision: 'approve', by: 'cli' }).kind).toBe('decided');
    await approvals.tick();
    await approvals.tick();
    expect(routed).toHaveLength(1);
  });

  it('sends at start-up a card a previous process recorded but never sent', async () => {
    const id = hold();
    sent = [];
    await build();
    expect(sent.map((m) => m.card?.questionId)).toEqual([id]);
  });
});
