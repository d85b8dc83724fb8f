/**
 * Configuration a runner asks for (`create_agent`, `add_mcp_server`, `add_egress_host`), end to end: the request is checked, an owner
 * or admin of the asking agent group gets a card in their DM showing the whole change, and only their approval
 * writes it — through an AgentConfigWriter (an AgentGroup object through the API server in Kubernetes mode, a
 * manifest file in the embedded config folder), so the change is configuration that Git or kubectl sees, and the
 * operator projects it like any other. The asking agent is told how it ended.
 *
 * Invariants:
 * - A runner's word is never enough: nothing is written without an approval, whoever the agent was talking to
 *   (NanoClaw's create_agent needed none, so a member could have one made). The card goes only to an approver's
 *   DM (pickApprover: the group's admins, then global admins, then owners); a click decides only when the clicker
 *   has admin privilege over the asking group at that moment (a member's click is refused, and so is that of an
 *   approver whose role was revoked since).
 * - A request is checked before a card is sent (agent-change-plan.ts, then the writer against the CRD's schema):
 *   a refused request makes no card, and the agent is told why. At most MAX_WAITING requests of an agent group wait
 *   for a decision at a time, so a looping or hostile agent cannot flood an approver's DM with cards.
 * - One request per runner row (`session_id`, `message_out_id` unique): a row delivered twice after a crash makes
 *   one card. Everything is in the central DB: a card not yet sent is sent at start-up, a click on a card from
 *   before a restart still decides, and an approval whose writing a crash interrupted is written by the next tick
 *   (writers are idempotent). Pending requests expire after the approval TTL.
 * - Every request, decision, refusal and write is logged with the change id, the group and who (the audit).
 */
import { CardFlow, type CardFlowDeps } from './card-flow.js';
import {
  addedEntry,
  changeCardText,
  describeChange,
  planAgentChange,
  type AgentChange,
} from './agent-change-plan.js';
import { pickApprovalDelivery } from '../access/pick-approval-delivery.js';
import { pickApprover } from '../access/pick-approver.js';
import { hasAdminPrivilege } from '../access/roles.js';
import type { ClickOutcome } from '../channels/adapter.js';
import { nowIso } from '../db/central-db.js';
import { getAgentGroup } from '../db/agent-groups.js';
import type { AgentChangeRow } from '../db/agent-change-row.js';
import { newId } from '../db/ids.js';
import { RunnerConfig } from '../db/runner-config.js';
import { getMessagingGroup } from '../db/messaging-groups.js';
import type { AgentChangeRequest } from '../delivery/system-row.js';

const ID_PREFIX = 'chg';
const CARD_TITLES: Record<AgentChange['action'], string> = {
  create_agent: 'New agent request',
  add_mcp_server: 'MCP server request',
  add_egress_host: 'Network request',
};
const OPTIONS = [
  { label: 'Approve', value: 'approve' },
  { label: 'Reject', value: 'reject' },
] as const;
/** Requests of one agent group waiting for a decision at a time: a looping agent cannot flood an approver's DM. */
const MAX_WAITING = 5;
/** How long to wait for the operator to project an approved change before telling the agent anyway. */
const PROJECTION_WAIT_MS = 30_000;

export interface AgentConfigWriter {
  /** Why the CRD would refuse the change (naming the field), or null when it is valid. */
  check(change: AgentChange): string | null;
  /** Writes an approved change (idempotent: writing it again changes nothing); returns where it went. */
  write(change: AgentChange): Promise<string>;
}

export interface AgentChangesDeps extends CardFlowDeps {
  writer: AgentConfigWriter;
  ttlMs: number;
  /** Tells the asking session's agent something (a message from NanoClaw that wakes it). */
  tellAgent(sessionId: string, text: string): Promise<void>;
  projectionWaitMs?: number;
}

export function isAgentChangeId(id: string): boolean {
  return id.startsWith(`${ID_PREFIX}-`);
}

function getChange(d: AgentChangesDeps, id: string): AgentChangeRow | undefined {
  return d.db.first(d.db.q.selectFrom('pending_agent_changes').selectAll().where('id', '=', id));
}

const changeOf = (row: AgentChangeRow) => JSON.parse(row.payload) as AgentChange;

export class AgentChanges extends CardFlow {
  private readonly busy = new Set<string>();

  constructor(private readonly d: AgentChangesDeps) {
    super(d);
  }

  /**
   * Takes a runner's request (synchronously: the row is recorded before the runner's row counts as delivered);
   * the card or the refusal follows in the background.
   */
  take(req: AgentChangeRequest): true {
    const { db, log } = this.d;
    const { session, action } = req;
    const group = getAgentGroup(db, session.agent_group_id);
    const ctx = { sessionId: session.id, agentGroup: session.agent_group_id, action: action.action };
    const plan = group
      ? planAgentChange(group, action, (id) => getAgentGroup(db, id) !== undefined)
      : { ok: false as const, reason: 'the agent group no longer exists' };
    const reason = plan.ok
      ? (this.d.writer.check(plan.change) ?? this.overLimit(session.agent_group_id))
      : plan.reason;
    if (!plan.ok || reason) {
      log.warn({ ...ctx, reason }, 'configuration request refused');
      this.tell(session.id, `Your ${action.action} request "${action.name}" was refused: ${reason}.`);
      return true;
    }
    const id = newId(ID_PREFIX);
    const inserted = db.run(
      db.q
        .insertInto('pending_agent_changes')
        .values({
          id,
          agent_group_id: session.agent_group_id,
          session_id: session.id,
          message_out_id: req.messageOutId,
          action: action.action,
          payload: JSON.stringify(plan.change),
          requested_by: req.requestedBy,
          status: 'pending',
          approver_user_id: null,
          card_messaging_group_id: null,
          decided_by: null,
          decided_at: null,
          result: null,
          created_at: nowIso(),
          expires_at: new Date(Date.now() + this.d.ttlMs).toISOString(),
        })
        .onConflict((c) => c.columns(['session_id', 'message_out_id']).doNothing()),
    );
    if (inserted.changes === 0) return true; // delivered before a crash: its card exists
    log.info({ ...ctx, changeId: id, requestedBy: req.requestedBy }, 'configuration request recorded');
    void this.requestCard(id);
    return true;
  }

  /** Why another request of the group may not wait now (too many already wait), or null. */
  private overLimit(agentGroupId: string): string | null {
    const { db } = this.d;
    const waiting = db.first(
      db.q
        .selectFrom('pending_agent_changes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('agent_group_id', '=', agentGroupId)
        .where('status', '=', 'pending'),
    );
    const n = Number(waiting?.n ?? 0);
    return n >= MAX_WAITING
      ? `${n} requests of this agent group already wait for a decision (at most ${MAX_WAITING}); ask again once they are decided`
      : null;
  }

  private tell(sessionId: string, text: string): void {
    this.d
      .tellAgent(sessionId, text)
      .catch((err: unknown) =>
        this.d.log.error({ sessionId, err: (err as Error).message }, 'could not tell the agent'),
      );
  }

  /** Runs `fn` for a change unless this process is already working on it. */
  private async exclusive(id: string, fn: () => Promise<void>): Promise<void> {
    if (this.busy.has(id)) return;
    this.busy.add(id);
    try {
      await fn();
    } catch (err) {
      this.d.log.error({ changeId: id, err: (err as Error).message }, 'configuration request failed');
    } finally {
      this.busy.delete(id);
    }
  }

  private requestCard(id: string): Promise<void> {
    return this.exclusive(id, async () => {
      const { db, channels, log } = this.d;
      const row = getChange(this.d, id);
      if (!row || row.status !== 'pending' || row.card_messaging_group_id) return;
      const change = changeOf(row);
      const groupName = getAgentGroup(db, row.agent_group_id)?.name ?? row.agent_group_id;
      const session = db.first(
        db.q.selectFrom('sessions').select('messaging_group_id').where('id', '=', row.session_id),
      );
      const origin = session?.messaging_group_id
        ? getMessagingGroup(db, session.messaging_group_id)
        : undefined;
      const target = await pickApprovalDelivery(
        db,
        channels,
        pickApprover(db, row.agent_group_id),
        origin?.channel_type ?? null,
        log,
      );
      const ctx = { changeId: id, agentGroup: row.agent_group_id, change: describeChange(change) };
      if (!target) {
        db.run(db.q.updateTable('pending_agent_changes').set({ status: 'unreachable' }).where('id', '=', id));
        log.warn(ctx, 'no owner or admin can be reached for a configuration request');
        this.tell(
          row.session_id,
          `Your ${describeChange(change)} request could not be put to anyone: no owner or admin of ${groupName} can be reached.`,
        );
        return;
      }
      db.run(
        db.q
          .updateTable('pending_agent_changes')
          .set({ approver_user_id: target.userId, card_messaging_group_id: target.messagingGroup.id })
          .where('id', '=', id),
      );
      await this.sendCard(target, changeCardText(change, groupName, row.requested_by), {
        questionId: id,
        title: CARD_TITLES[change.action],
        options: [...OPTIONS],
      });
      log.info({ ...ctx, approver: target.userId }, 'configuration request card sent');
    });
  }

  /** A click on a request card by `userId` (the platform's verified id of the clicker). */
  async click(
    q: { questionId: string; choice: { value: string } | { index: number } },
    userId: string,
  ): Promise<ClickOutcome> {
    const row = getChange(this.d, q.questionId);
    if (!row) return 'no_such_question';
    const value = 'index' in q.choice ? OPTIONS[q.choice.index]?.value : q.choice.value;
    if (value !== 'approve' && value !== 'reject') return 'no_such_question';
    if (!hasAdminPrivilege(this.d.db, userId, row.agent_group_id)) {
      this.d.log.warn(
        { changeId: row.id, clicker: userId, agentGroup: row.agent_group_id },
        'configuration request click refused: not an owner or admin of the agent group',
      );
      return 'not_yours';
    }
    return (await this.decide(row.id, value, userId)) ? 'answered' : 'no_such_question';
  }

  /** Decides a pending request once; an approval is then written. False when it was not pending. */
  async decide(id: string, decision: 'approve' | 'reject', by: string): Promise<boolean> {
    const { db, log } = this.d;
    const changed = db.run(
      db.q
        .updateTable('pending_agent_changes')
        .set({
          status: decision === 'approve' ? 'approved' : 'rejected',
          decided_by: by,
          decided_at: nowIso(),
        })
        .where('id', '=', id)
        .where('status', '=', 'pending'),
    );
    if (changed.changes === 0) return false;
    const row = getChange(this.d, id)!;
    const what = describeChange(changeOf(row));
    log.info({ changeId: id, agentGroup: row.agent_group_id, decision, by }, 'configuration request decided');
    if (decision === 'approve') await this.apply(id);
    else {
      await this.tellCardChat(row.card_messaging_group_id, `Rejected: ${what}.`, 'approval');
      this.tell(row.session_id, `Your ${what} request was rejected by ${by}.`);
    }
    return true;
  }

  /** Writes an approved change, waits for the operator to project it, and tells both sides. */
  private apply(id: string): Promise<void> {
    return this.exclusive(id, async () => {
      const { db, log } = this.d;
      const row = getChange(this.d, id);
      if (!row || row.status !== 'approved') return;
      const change = changeOf(row);
      const what = describeChange(change);
      const ctx = { changeId: id, agentGroup: row.agent_group_id, change: what };
      let where: string;
      try {
        where = await this.d.writer.write(change);
      } catch (err) {
        const reason = (err as Error).message;
        db.run(
          db.q
            .updateTable('pending_agent_changes')
            .set({ status: 'failed', result: reason })
            .where('id', '=', id),
        );
        log.error({ ...ctx, reason }, 'approved configuration change could not be written');
        await this.tellCardChat(
          row.card_messaging_group_id,
          `Approved, but writing it failed: ${reason}`,
          'notice',
        );
        this.tell(row.session_id, `Your ${what} request was approved, but writing it failed: ${reason}`);
        return;
      }
      log.info({ ...ctx, where }, 'approved configuration change written');
      const projected = await this.waitProjected(change);
      await this.tellCardChat(
        row.card_messaging_group_id,
        `Approved: ${what} — written to ${where}.`,
        'approval',
      );
      this.tell(row.session_id, approvedText(change, row.decided_by, projected));
      db.run(
        db.q
          .updateTable('pending_agent_changes')
          .set({ status: 'applied', result: where })
          .where('id', '=', id),
      );
    });
  }

  private async waitProjected(change: AgentChange): Promise<boolean> {
    const { db } = this.d;
    const added = addedEntry(change);
    const visible = () => {
      if (change.action === 'create_agent') return getAgentGroup(db, change.child.id) !== undefined;
      const group = getAgentGroup(db, added.owner.id);
      if (!group) return false;
      const config = RunnerConfig.parse(JSON.parse(group.container_config));
      return change.action === 'add_mcp_server'
        ? (config.mcpServers ?? []).some((s) => s.name === added.keyValue)
        : (config.egress ?? []).some((e) => e.host === added.keyValue);
    };
    const deadline = Date.now() + (this.d.projectionWaitMs ?? PROJECTION_WAIT_MS);
    while (!visible()) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
    return true;
  }

  /** Sends unsent cards, expires overdue requests and writes approvals a crash interrupted. */
  async tick(): Promise<void> {
    const { db, log } = this.d;
    try {
      const open = db.all(
        db.q.selectFrom('pending_agent_changes').selectAll().where('status', 'in', ['pending', 'approved']),
      );
      const now = nowIso();
      for (const row of open) {
        if (row.status === 'approved') await this.apply(row.id);
        else if (row.expires_at < now) await this.expire(row);
        else if (!row.card_messaging_group_id) await this.requestCard(row.id);
      }
    } catch (err) {
      log.error({ err: (err as Error).message }, 'configuration request sweep failed');
    }
  }

  private async expire(row: AgentChangeRow): Promise<void> {
    const { db, log } = this.d;
    const changed = db.run(
      db.q
        .updateTable('pending_agent_changes')
        .set({ status: 'expired' })
        .where('id', '=', row.id)
        .where('status', '=', 'pending'),
    );
    if (changed.changes === 0) return;
    const what = describeChange(changeOf(row));
    log.info({ changeId: row.id, agentGroup: row.agent_group_id }, 'configuration request expired');
    await this.tellCardChat(
      row.card_messaging_group_id,
      `The request ${what} expired without a decision.`,
      'notice',
    );
    this.tell(row.session_id, `Your ${what} request expired without a decision.`);
  }
}

function approvedText(change: AgentChange, by: string | null, projected: boolean): string {
  const later = projected ? '' : ' It is not active yet; it will be shortly.';
  const approved = `Your ${change.action} request was approved${by ? ` by ${by}` : ''}`;
  switch (change.action) {
    case 'create_agent':
      return (
        `${approved}: the agent group "${change.child.name}" exists and is your peer "${change.child.name}" — ` +
        `send_message(to: "${change.child.name}", …) reaches it, and its answers come back to you.${later}`
      );
    case 'add_mcp_server':
      return (
        `${approved}: the MCP server "${change.server.name}" is part of your configuration; its tools ` +
        `(mcp__${change.server.name}__…) are available from your next runner start.${later}`
      );
    case 'add_egress_host':
      return (
        `${approved}: ${change.entry.host} (port${change.entry.ports.length > 1 ? 's' : ''} ` +
        `${change.entry.ports.join(', ')}) is in your spec.egress; HTTPS to it goes through the host's proxy ` +
        `from your next runner start.${later}`
      );
  }
}
