/**
 * Channel registration, end to end: the bot is mentioned or DMed in a chat no agent is wired to → a card in an
 * owner's (or global admin's) DM → connect the chat to an agent group, create a new one, or reject the chat. The
 * decision becomes configuration through a ChatConfigWriter (a MessagingGroup/AgentGroup object through the API
 * server in Kubernetes mode, a manifest file in the embedded config folder), so the chat is then managed like any
 * other; once its wiring is projected the message that asked is answered.
 *
 * Invariants:
 * - One registration per chat: a mention while one is pending sends no second card; an expired, unreachable or
 *   failed one is renewed by the next mention; a rejected chat is `denied_at` and the router drops it silently.
 * - The card goes only to an owner's or global admin's DM (no agent group is in play, so no scoped admin), the
 *   origin's platform first; only an owner or global admin may decide. Nobody reachable → 'unreachable', audited
 *   as drop reason `no_approver_reachable`.
 * - The host never writes the wiring rows itself: they come from the configuration the writer declared. The
 *   held message is replayed exactly once, after the chat has a wiring; the person who asked becomes a member
 *   of the agent group first (a runtime grant), since the wiring admits only known senders.
 * - Everything lives in the central DB (pending_channel_registrations, host_messages): restarts lose nothing.
 */
import type { Logger } from 'pino';
import { CardFlow } from './card-flow.js';
import { pickApprover } from '../access/pick-approver.js';
import { hasAdminPrivilege } from '../access/roles.js';
import { addMember } from '../access/members.js';
import type { ChannelRegistry, ClickOutcome, InboundMessage, QuestionClick } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { getAgentGroup, listAgentGroups } from '../db/agent-groups.js';
import { newId } from '../db/ids.js';
import { getMessagingGroup } from '../db/messaging-groups.js';
import type { ChannelRegistration, MessagingGroup } from '../db/schema.js';
import { listWiringsOf } from '../db/wirings.js';
import type { HostMessageInput } from '../delivery/host-outbox.js';
import { pendingRegistrationCount } from '../router/intake-limits.js';
import {
  chatConfigRequest,
  choiceOf,
  describeChat,
  registrationCardText,
  registrationOptions,
  type ChatConfigRequest,
  type ChatFacts,
  type RegistrationChoice,
  type RegistrationOption,
} from './channel-registration-plan.js';

/** How long a decided registration may wait for its wiring to be projected before it counts as failed. */
const PROJECTION_TIMEOUT_MS = 10 * 60 * 1000;
const ID_PREFIX = 'reg-';

/** Declares a registered chat as configuration (cli/ provides the Kubernetes and manifest-file writers). */
export interface ChatConfigWriter {
  /** Where the configuration goes, for the approver's confirmation (`MessagingGroup ns/name`, a file path). */
  write(req: ChatConfigRequest): Promise<string>;
}

export interface ChannelRegistrationsDeps {
  db: CentralDb;
  channels: ChannelRegistry;
  send(m: HostMessageInput): Promise<unknown>;
  writer: ChatConfigWriter;
  log: Logger;
  ttlMs: number;
  /** Registrations pending at a time, at most; past that, a new chat's mention only stays dropped. */
  maxPending: number;
}

export function isRegistrationId(id: string): boolean {
  return id.startsWith(ID_PREFIX);
}

const factsOf = (chat: MessagingGroup): ChatFacts => ({
  channelType: chat.channel_type,
  platformId: chat.platform_id,
  name: chat.name,
  isGroup: chat.is_group === 1,
});

export class ChannelRegistrations extends CardFlow {
  private readonly busy = new Set<string>();

  constructor(private readonly d: ChannelRegistrationsDeps) {
    super(d);
  }

  /** The bot was mentioned/DMed in an unwired chat: record (or renew) the registration and send its card. */
  async request(chatId: string, msg: InboundMessage, senderId: string | null): Promise<void> {
    const { db } = this.d;
    const now = nowIso();
    const row = {
      sender_id: senderId,
      sender_name: msg.senderName ?? null,
      original_message: JSON.stringify(msg),
      status: 'pending' as const,
      approver_user_id: null,
      card_messaging_group_id: null,
      created_at: now,
      expires_at: new Date(Date.now() + this.d.ttlMs).toISOString(),
    };
    const renewed = db.tx(() => {
      const existing = this.byChat(chatId);
      if (existing && !['expired', 'unreachable', 'failed'].includes(existing.status)) return null;
      if (pendingRegistrationCount(db) >= this.d.maxPending) {
        this.d.log.warn(
          { chat: chatId, limit: this.d.maxPending },
          'new chat not offered for registration: too many pending (NANOCLAW_MAX_PENDING_REQUESTS)',
        );
        return null;
      }
      if (existing) {
        db.run(
          db.q
            .updateTable('pending_channel_registrations')
            .set({ ...row, error: null, decided_by: null, decided_at: null, agent_group_id: null })
            .where('id', '=', existing.id),
        );
        return existing.id;
      }
      const id = newId(ID_PREFIX.slice(0, -1));
      db.run(
        db.q
          .insertInto('pending_channel_registrations')
          .values({ id, messaging_group_id: chatId, options: '[]', ...row }),
      );
      return id;
    });
    if (renewed) await this.requestRegistration(renewed);
  }

  private byChat(chatId: string): ChannelRegistration | undefined {
    const { db } = this.d;
    return db.first(
      db.q.selectFrom('pending_channel_registrations').selectAll().where('messaging_group_id', '=', chatId),
    );
  }

  private get(id: string): ChannelRegistration | undefined {
    const { db } = this.d;
    return db.first(db.q.selectFrom('pending_channel_registrations').selectAll().where('id', '=', id));
  }

  private set(id: string, values: Partial<ChannelRegistration>): void {
    const { db } = this.d;
    db.run(db.q.updateTable('pending_channel_registrations').set(values).where('id', '=', id));
  }

  private async requestRegistration(id: string): Promise<void> {
    if (this.busy.has(id)) return;
    this.busy.add(id);
    try {
      const { db, log } = this.d;
      const r = this.get(id);
      const chat = r && getMessagingGroup(db, r.messaging_group_id);
      if (!r || !chat || r.status !== 'pending') return;
      const target = await this.approverDm(pickApprover(db, null), {
        chat,
        senderId: r.sender_id,
        senderName: r.sender_name,
        agentGroupId: null,
      });
      if (!target) {
        this.set(id, { status: 'unreachable' });
        log.warn({ registrationId: id, chat: chat.id }, 'no owner or admin can be reached for a new chat');
        return;
      }
      const options = registrationOptions(listAgentGroups(db).map((g) => ({ id: g.id, name: g.name })));
      this.set(id, {
        options: JSON.stringify(options),
        approver_user_id: target.userId,
        card_messaging_group_id: target.messagingGroup.id,
      });
      const held = JSON.parse(r.original_message) as { text?: unknown };
      const sender = r.sender_name ? `${r.sender_name} (${r.sender_id})` : r.sender_id;
      await this.sendCard(
        target,
        registrationCardText(factsOf(chat), sender, typeof held.text === 'string' ? held.text : ''),
        { questionId: id, title: 'New chat', options: options.map(({ label, value }) => ({ label, value })) },
      );
      log.info({ registrationId: id, chat: chat.id, approver: target.userId }, 'registration card sent');
    } finally {
      this.busy.delete(id);
    }
  }

  /** A click on a registration card by `userId` (the platform's verified id of the clicker). */
  async click(q: Pick<QuestionClick, 'questionId' | 'choice'>, userId: string): Promise<ClickOutcome> {
    const { db, log } = this.d;
    const r = this.get(q.questionId);
    if (!r || r.status !== 'pending') return 'no_such_question';
    const choice = choiceOf(JSON.parse(r.options) as RegistrationOption[], q.choice);
    if (!choice) return 'no_such_question';
    if (!hasAdminPrivilege(db, userId, null)) {
      log.warn(
        { registrationId: r.id, clicker: userId },
        'registration click refused: not an owner or admin',
      );
      return 'not_yours';
    }
    const chat = getMessagingGroup(db, r.messaging_group_id);
    if (!chat || this.busy.has(r.id)) return 'no_such_question';
    this.busy.add(r.id);
    try {
      log.info(
        { registrationId: r.id, chat: chat.id, decision: choice.kind, by: userId },
        'registration decided',
      );
      return await this.decide(r, chat, choice, userId);
    } finally {
      this.busy.delete(r.id);
    }
  }

  /**
   * Applies a decision. The configuration is written first and the row changes after it: writes are
   * idempotent (deterministic names), so a crash in between leaves a pending card another click can finish.
   */
  private async decide(
    r: ChannelRegistration,
    chat: MessagingGroup,
    choice: RegistrationChoice,
    by: string,
  ): Promise<ClickOutcome> {
    const { db, log } = this.d;
    const decided = { decided_by: by, decided_at: nowIso() };
    if (choice.kind === 'reject') {
      db.tx(() => {
        this.set(r.id, { status: 'rejected', ...decided });
        db.run(db.q.updateTable('messaging_groups').set({ denied_at: nowIso() }).where('id', '=', chat.id));
      });
      await this.tellCardChat(
        r.card_messaging_group_id,
        `Rejected: the bot will ignore ${describeChat(factsOf(chat))}.`,
        'approval',
      );
      return 'answered';
    }
    const msg = JSON.parse(r.original_message) as InboundMessage;
    const existing = choice.kind === 'connect' ? getAgentGroup(db, choice.agentGroupId) : undefined;
    const req = chatConfigRequest(factsOf(chat), msg.threadId, choice, existing?.name ?? null);
    let where: string;
    try {
      where = await this.d.writer.write(req);
    } catch (err) {
      const error = (err as Error).message;
      log.error({ registrationId: r.id, err: error }, 'registration configuration could not be written');
      await this.tellCardChat(
        r.card_messaging_group_id,
        `Could not register ${describeChat(factsOf(chat))}: ${error}. The card still works once that is fixed.`,
        'notice',
      );
      return 'answered';
    }
    this.set(r.id, {
      status: choice.kind === 'connect' ? 'connected' : 'created',
      agent_group_id: choice.kind === 'connect' ? choice.agentGroupId : null,
      ...decided,
    });
    const agent = 'existing' in req.agentGroup ? req.agentGroup.existing.displayName : 'a new agent';
    await this.tellCardChat(
      r.card_messaging_group_id,
      `Connected ${describeChat(factsOf(chat))} to ${agent} (${where}). The message that asked is answered as ` +
        'soon as the configuration is applied.',
      'approval',
    );
    await this.replayIfWired(this.get(r.id)!);
    return 'answered';
  }

  /** Sends unsent cards, expires overdue ones, and answers decided chats whose wiring has arrived. */
  async tick(): Promise<void> {
    const { db, log } = this.d;
    try {
      const rows = db.all(
        db.q
          .selectFrom('pending_channel_registrations')
          .selectAll()
          .where('status', 'in', ['pending', 'connected', 'created'])
          .where('replayed_at', 'is', null),
      );
      const now = Date.now();
      for (const r of rows) {
        if (r.status === 'pending' && Date.parse(r.expires_at) < now) {
          this.set(r.id, { status: 'expired' });
          log.info({ registrationId: r.id }, 'registration expired');
          await this.tellCardChat(
            r.card_messaging_group_id,
            'The request to register a new chat expired without a decision.',
            'notice',
          );
        } else if (r.status === 'pending' && r.card_messaging_group_id === null)
          await this.requestRegistration(r.id);
        else if (r.status !== 'pending') await this.replayIfWired(r);
      }
    } catch (err) {
      log.error({ err: (err as Error).message }, 'registration sweep failed');
    }
  }

  private async replayIfWired(r: ChannelRegistration): Promise<void> {
    const { db, log } = this.d;
    if (!this.route) return;
    const wiring = listWiringsOf(db, r.messaging_group_id)[0];
    if (!wiring) {
      if (r.decided_at && Date.now() - Date.parse(r.decided_at) > PROJECTION_TIMEOUT_MS) {
        this.set(r.id, {
          status: 'failed',
          error: 'the configuration was written but the chat was never wired',
        });
        await this.tellCardChat(
          r.card_messaging_group_id,
          'The new chat is still not wired 10 minutes after it was registered: check the MessagingGroup ' +
            '(kubectl describe, or the host log for the config folder).',
          'notice',
        );
      }
      return;
    }
    if (r.sender_id)
      addMember(db, {
        userId: r.sender_id,
        agentGroupId: wiring.agent_group_id,
        addedBy: r.decided_by,
        displayName: r.sender_name,
      });
    // Routed before it is marked: a crash in between routes it again, which writes the same inbound row id.
    const msg = JSON.parse(r.original_message) as InboundMessage;
    await this.route(msg);
    this.set(r.id, { agent_group_id: wiring.agent_group_id, replayed_at: nowIso() });
    log.info(
      { registrationId: r.id, messageId: msg.messageId },
      'registered chat: the message that asked replayed',
    );
  }
}
