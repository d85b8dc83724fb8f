/**
 * Pairing: linking a chat account to this host with a short-lived code (`nanoclaw pair <channel>`), the way a
 * new owner reaches their agent from Telegram (and any other channel) without knowing their platform user id.
 *
 * Invariants:
 * - Only a private message whose whole text is a code (optionally after "@bot") is an attempt, and only while a
 *   code for that channel is pending; everything else is routed as usual, so pairing never swallows chat.
 * - Codes are random 6-digit numbers stored as SHA-256, compared in constant time, used at most once, and
 *   expire (default 10 minutes). MAX_WRONG wrong attempts on a channel cancel all its pending codes.
 * - A match records the sender `<namespace>:<id>` (platform id from the adapter, never from text) and their DM,
 *   grants owner only when the host has no owner yet (first pair wins), and wires the DM to the code's agent
 *   group (with membership) when the code named one. All of it is one transaction.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { requireAgentGroup } from '../db/agent-groups.js';
import { newId } from '../db/ids.js';
import { findMessagingGroup, upsertMessagingGroup } from '../db/messaging-groups.js';
import { namespacedUserId, upsertUser } from '../db/users.js';
import { upsertWiring } from '../db/wirings.js';
import { addMember } from './members.js';
import { recordUserDm } from './user-dm.js';
import { grantRole, hasAnyOwner } from './roles.js';

const CODE = /^(?:@\S+\s+)?(\d{6})$/;
export const MAX_WRONG = 5;
const DEFAULT_TTL_MS = 10 * 60_000;

const hash = (code: string): Buffer => createHash('sha256').update(code).digest();

export interface IssuedCode {
  code: string;
  expiresAt: string;
}

export function issuePairingCode(
  db: CentralDb,
  o: { channelType: string; agentGroupId?: string | null; ttlMs?: number },
): IssuedCode {
  if (o.agentGroupId) requireAgentGroup(db, o.agentGroupId, 'agent');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(Date.now() + (o.ttlMs ?? DEFAULT_TTL_MS)).toISOString();
  db.run(
    db.q.insertInto('pairing_codes').values({
      id: newId('pair'),
      channel_type: o.channelType,
      code_hash: hash(code).toString('hex'),
      agent_group_id: o.agentGroupId ?? null,
      created_at: nowIso(),
      expires_at: expiresAt,
      wrong_guesses: 0,
      used_at: null,
      used_by: null,
    }),
  );
  return { code, expiresAt };
}

export interface PairingAttempt {
  channelType: string;
  /** The user-id prefix of the channel (`telegram` for every Telegram bot). */
  userNamespace: string;
  platformId: string;
  senderHandle: string | null;
  senderName?: string | null;
  text: string;
  isGroup: boolean;
}

export type PairingOutcome =
  | { kind: 'not_pairing' }
  | { kind: 'paired'; userId: string; owner: boolean; agentGroupId: string | null }
  | { kind: 'refused'; cancelled: boolean };

function pendingCodes(db: CentralDb, channelType: string) {
  return db.all(
    db.q
      .selectFrom('pairing_codes')
      .selectAll()
      .where('channel_type', '=', channelType)
      .where('used_at', 'is', null)
      .where('expires_at', '>', nowIso()),
  );
}

export function tryPairing(db: CentralDb, a: PairingAttempt): PairingOutcome {
  if (a.isGroup || !a.senderHandle) return { kind: 'not_pairing' };
  const m = CODE.exec(a.text.trim());
  if (!m) return { kind: 'not_pairing' };
  const senderHandle = a.senderHandle;
  return db.tx((): PairingOutcome => {
    const pending = pendingCodes(db, a.channelType);
    if (pending.length === 0) return { kind: 'not_pairing' };
    const given = hash(m[1]!);
    const match = pending.find((p) => timingSafeEqual(Buffer.from(p.code_hash, 'hex'), given));
    if (!match) return refuse(db, pending, a);
    const userId = namespacedUserId(a.userNamespace, senderHandle);
    const now = nowIso();
    db.run(
      db.q.updateTable('pairing_codes').set({ used_at: now, used_by: userId }).where('id', '=', match.id),
    );
    upsertUser(db, userId, a.senderName ?? null);
    const owner = !hasAnyOwner(db);
    if (owner)
      grantRole(db, { userId, role: 'owner', grantedBy: 'pairing', displayName: a.senderName ?? null });
    const dm = recordUserDm(db, {
      userId,
      channelType: a.channelType,
      platformId: a.platformId,
      name: a.senderName ?? userId,
    });
    if (match.agent_group_id) {
      upsertWiring(db, {
        messagingGroupId: dm.id,
        agentGroupId: match.agent_group_id,
        engageMode: 'pattern',
        engagePattern: '.',
      });
      if (!owner) addMember(db, { userId, agentGroupId: match.agent_group_id, addedBy: 'pairing' });
    }
    return { kind: 'paired', userId, owner, agentGroupId: match.agent_group_id };
  });
}

/** Counts a wrong code; the DM is registered as the router registers any new chat, so the refusal can be sent. */
function refuse(
  db: CentralDb,
  pending: { id: string; wrong_guesses: number }[],
  a: PairingAttempt,
): PairingOutcome {
  if (!findMessagingGroup(db, a.channelType, a.platformId))
    upsertMessagingGroup(db, {
      channelType: a.channelType,
      platformId: a.platformId,
      isGroup: false,
      unknownSenderPolicy: 'request_approval',
    });
  let cancelled = false;
  for (const p of pending) {
    const wrong = p.wrong_guesses + 1;
    const cancel = wrong >= MAX_WRONG;
    cancelled ||= cancel;
    db.run(
      db.q
        .updateTable('pairing_codes')
        .set({ wrong_guesses: wrong, ...(cancel ? { expires_at: nowIso() } : {}) })
        .where('id', '=', p.id),
    );
  }
  return { kind: 'refused', cancelled };
}

/** What the host answers in the DM (sent through delivery like anything else it says). */
export function pairingReply(o: PairingOutcome, agentName: string | null): string | null {
  switch (o.kind) {
    case 'not_pairing':
      return null;
    case 'refused':
      return o.cancelled
        ? 'That code is not valid. Too many wrong codes: the pending codes are cancelled; ask for a new one.'
        : 'That code is not valid (codes expire after a few minutes). Check it and send it again.';
    case 'paired': {
      const who = o.owner ? 'You are the owner of this NanoClaw.' : 'You are registered.';
      const agent = agentName
        ? ` This chat now talks to ${agentName}: say hello.`
        : o.owner
          ? ''
          : ' An owner or admin can now give you access to an agent.';
      return `Paired as ${o.userId}. ${who}${agent}`;
    }
  }
}
