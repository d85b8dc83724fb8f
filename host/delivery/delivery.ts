/**
 * Delivery: the one outbound path. Everything that reaches a person goes through here — runner output
 * (outbound.db) and what the host itself says (host-outbox.ts) — with a target check, bounded retries, an audit
 * row and the `delivered` event (metrics). System actions in outbound.db are applied to inbound.db.
 *
 * Event-driven: a runner's `outbound` notice drains its session at once; the sweep drains running sessions as a
 * slow safety net. Invariants:
 * - One drain per session at a time; a drain requested meanwhile runs once more afterwards.
 * - Every messages_out row ends with exactly one `delivered` row in inbound.db: 'delivered', or 'failed' after
 *   MAX_ATTEMPTS tries (a destination refusal included) — a refused message is never recorded as delivered.
 *   Another process's lock on a DB (SQLITE_BUSY) is not a try: the row waits (LOCK_RETRY_MS, doubling up to
 *   LOCK_RETRY_MAX_MS) for as long as the lock lasts, so a lock never turns into a lost reply.
 * - A row addressed to an agent (channel 'agent') goes through agent-route.ts into another session's inbound.db;
 *   its refusal is final at once (no retry can change it).
 * - The host never writes outbound.db, and reads it only through HostOutbound: a file that fails its checks is
 *   not read (the drain fails with the reason, logged with the session id); a row that fails them (too large,
 *   malformed) is recorded 'failed' with its reason at once, and the rest of the batch is delivered.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { isChatOp, OutboundChatContent } from '../../protocol/messages.js';
import type { InboundDb, MessageOut } from '../../protocol/session-db.js';
import { AGENT_CHANNEL, type MessageOrigin } from '../../protocol/vocabulary.js';
import type { ChannelRegistry, ChatAddress } from '../channels/adapter.js';
import { getAgentGroup } from '../db/agent-groups.js';
import type { CentralDb } from '../db/central-db.js';
import type { HostMessage, Session } from '../db/schema.js';
import { recordQuestion } from '../session/question-response.js';
import type { SessionDbs, SessionHandle } from '../session/session-dbs.js';
import { recordDelivery } from '../session/inbound-writer.js';
import { isLockFault } from '../session/session-faults.js';
import { syncAcks } from './ack-sync.js';
import { AgentMessageRefused, routeToAgent, type AgentInbox } from './agent-route.js';
import { applyChatOp, sendThroughAdapter } from './channel-send.js';
import { resolveOpTarget } from './message-ops.js';
import { readOutboxFiles, removeOutboxFiles } from './outbox-files.js';
import { authorizeChannelTarget } from './destination-acl.js';
import { HostOutbox, type HostMessageInput } from './host-outbox.js';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, retryDelay } from './retry.js';
import { inboundContent } from './inbound-content.js';
import { applySystemRow, type AgentChangeRequest, type SystemRowDeps } from './system-row.js';
import { DEFAULT_SCRIPT_RETRY, type ScriptRetryPolicy } from '../schedule/script-backoff.js';

const BATCH = 200;
const LOCK_RETRY_MS = 500;
const LOCK_RETRY_MAX_MS = 10_000;

interface DrainState {
  running: boolean;
  again: boolean;
  watermark: number;
  /** Per row: failed tries, when to try next, and how many times it found a DB locked (not counted as tries). */
  attempts: Map<string, { count: number; nextAt: number; locked: number }>;
  timer: NodeJS.Timeout | null;
}

export interface DeliveryEvents {
  /** Tasks were scheduled or changed in a session (so the scheduler can re-arm). */
  scheduleChanged: [session: Session];
  /**
   * A runner asked for a configuration change (system-row.ts). Listeners must take it synchronously (record it);
   * without a listener the row fails with that reason.
   */
  agentChange: [request: AgentChangeRequest];
  /** An agent's message ended 'failed' (target: where it was going; null for the session's own chat). */
  failed: [session: Session, failure: { messageOutId: string; target: ChatAddress | null; reason: string }];
  /**
   * A message reached an adapter (sessionId: the agent's session; null for what the host says). `latencyMs`: for
   * an agent's message, from when the runner wrote it (or its deliver_after) to now — a runner-written time, so
   * only fit for a metric, and clamped to 0…1 h.
   */
  delivered: [origin: MessageOrigin, channelType: string, sessionId: string | null, latencyMs: number | null];
}

export interface DeliveryOptions {
  db: CentralDb;
  dbs: SessionDbs;
  channels: ChannelRegistry;
  log: Logger;
  /** Time zone of cron recurrences. */
  timezone?: string;
  /** The data dir (session directories are inside it) and the largest file an agent may send. */
  dataDir: string;
  maxFileBytes: number;
  /** Agent-to-agent messages: where they are written, and the most hops in one chain. */
  agents: { inbox: AgentInbox; maxHops: number };
  retryDelaysMs?: readonly number[];
  /** Back-off and pause after failed pre-task scripts. */
  scriptRetry?: ScriptRetryPolicy;
}

export class Delivery extends EventEmitter<DeliveryEvents> {
  private readonly state = new Map<string, DrainState>();
  private readonly db: CentralDb;
  private readonly dbs: SessionDbs;
  private readonly channels: ChannelRegistry;
  private readonly log: Logger;
  private readonly tz: string | undefined;
  private readonly retryDelaysMs: readonly number[];
  private readonly host: HostOutbox;
  private readonly dataDir: string;
  private readonly maxFileBytes: number;
  private readonly agents: DeliveryOptions['agents'];
  private readonly systemDeps: SystemRowDeps;

  constructor(o: DeliveryOptions) {
    super();
    this.db = o.db;
    this.dbs = o.dbs;
    this.channels = o.channels;
    this.log = o.log;
    this.tz = o.timezone;
    this.dataDir = o.dataDir;
    this.maxFileBytes = o.maxFileBytes;
    this.agents = o.agents;
    this.retryDelaysMs = o.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.systemDeps = {
      log: o.log,
      tz: o.timezone,
      scriptRetry: o.scriptRetry ?? DEFAULT_SCRIPT_RETRY,
      send: (m) => this.sendFromHost(m),
      agentChange: (req) => this.emit('agentChange', req),
    };
    this.host = new HostOutbox({
      db: o.db,
      channels: o.channels,
      log: o.log,
      retryDelaysMs: this.retryDelaysMs,
      onDelivered: (channelType) => this.emit('delivered', 'host', channelType, null, null),
    });
  }

  /**
   * Sends something the host itself says (a command reply, a refusal, …): queued durably in host_messages, then
   * tried at once. Resolves with the row after the first attempt (retries continue in the background).
   */
  sendFromHost(m: HostMessageInput): Promise<HostMessage> {
    return this.host.send(m);
  }

  /** Retries host messages a previous process left pending. */
  resumeHostMessages(): Promise<void> {
    return this.host.resume();
  }

  /** Drains a session now (coalescing concurrent requests). Resolves when this drain round is done. */
  async drain(sessionId: string): Promise<void> {
    const st = this.stateOf(sessionId);
    if (st.running) {
      st.again = true;
      return;
    }
    st.running = true;
    try {
      do {
        st.again = false;
        await this.drainOnce(sessionId, st);
      } while (st.again);
    } catch (err) {
      this.log.error(
        { sessionId, err: (err as Error).message },
        'delivery drain failed; the sweep will retry',
      );
    } finally {
      st.running = false;
    }
  }

  forget(sessionId: string): void {
    const st = this.state.get(sessionId);
    if (st?.timer) clearTimeout(st.timer);
    this.state.delete(sessionId);
  }

  close(): void {
    for (const id of [...this.state.keys()]) this.forget(id);
    this.host.close();
  }

  private stateOf(sessionId: string): DrainState {
    let st = this.state.get(sessionId);
    if (!st) {
      st = { running: false, again: false, watermark: 0, attempts: new Map(), timer: null };
      this.state.set(sessionId, st);
    }
    return st;
  }

  private async drainOnce(sessionId: string, st: DrainState): Promise<void> {
    const handle = this.dbs.get(sessionId);
    if (!handle) return;
    const { session } = handle;
    const outbound = handle.outbound();
    if (!outbound) return;
    const inbound = handle.inbound();
    const acks = syncAcks(inbound, outbound, new Date(), this.tz);
    if (acks.recurred > 0) this.emit('scheduleChanged', session);

    const reads = outbound.messagesAfter(st.watermark, BATCH);
    if (reads.length === 0) return;
    const done = finalizedIds(
      inbound,
      reads.flatMap((r) => ('row' in r ? [r.row.id] : r.rejected.id === null ? [] : [r.rejected.id])),
    );
    const now = Date.now();
    let blockedAt: number | null = null;
    let wakeAt = Infinity;
    for (const read of reads) {
      if (!('row' in read)) {
        const { id, seq, error } = read.rejected;
        if (id !== null && done.has(id)) continue;
        if (id !== null) recordDelivery(inbound, id, 'failed', null, error);
        this.log.warn({ sessionId, messageOutId: id, seq, reason: error }, 'outbound row rejected');
        continue;
      }
      const row = read.row;
      if (done.has(row.id)) continue;
      const dueAt = Math.max(
        row.deliver_after ? Date.parse(row.deliver_after) : 0,
        st.attempts.get(row.id)?.nextAt ?? 0,
      );
      if (dueAt > now) {
        blockedAt ??= row.seq;
        wakeAt = Math.min(wakeAt, dueAt);
        continue;
      }
      const finished = await this.deliverRow(handle, row, st);
      if (!finished) {
        blockedAt ??= row.seq;
        wakeAt = Math.min(wakeAt, st.attempts.get(row.id)!.nextAt);
      }
    }
    const last = reads[reads.length - 1]!;
    const lastSeq = 'row' in last ? last.row.seq : last.rejected.seq;
    st.watermark = blockedAt === null ? lastSeq : Math.max(st.watermark, blockedAt - 1);
    if (reads.length === BATCH && blockedAt === null) st.again = true;
    if (wakeAt !== Infinity) this.retryAt(sessionId, st, wakeAt);
  }

  private retryAt(sessionId: string, st: DrainState, at: number): void {
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(
      () => {
        st.timer = null;
        void this.drain(sessionId);
      },
      Math.max(0, at - Date.now()),
    );
    st.timer.unref();
  }

  /** Returns true when the row is finished (delivered or failed for good). */
  private async deliverRow(handle: SessionHandle, row: MessageOut, st: DrainState): Promise<boolean> {
    const { session } = handle;
    const inbound = handle.inbound();
    const ctx = { sessionId: session.id, agentGroup: session.agent_group_id, messageOutId: row.id };
    try {
      if (row.kind === 'system') {
        const effect = applySystemRow(this.systemDeps, handle, row);
        if (effect === 'schedule') this.emit('scheduleChanged', session);
        recordDelivery(inbound, row.id, 'delivered', null, null);
      } else {
        const sent = await this.sendChat(handle, row);
        recordDelivery(inbound, row.id, 'delivered', sent.platformMessageId, null);
        const since = Math.max(
          Date.parse(row.timestamp),
          row.deliver_after ? Date.parse(row.deliver_after) : 0,
        );
        const latencyMs = Number.isFinite(since)
          ? Math.min(Math.max(Date.now() - since, 0), 3_600_000)
          : null;
        this.emit('delivered', 'agent', sent.channelType, session.id, latencyMs);
      }
      st.attempts.delete(row.id);
      return true;
    } catch (err) {
      const message = (err as Error).message;
      const prev = st.attempts.get(row.id) ?? { count: 0, nextAt: 0, locked: 0 };
      if (isLockFault(err)) {
        const waitMs = Math.min(LOCK_RETRY_MAX_MS, LOCK_RETRY_MS * 2 ** prev.locked);
        st.attempts.set(row.id, { ...prev, nextAt: Date.now() + waitMs, locked: prev.locked + 1 });
        this.log.warn({ ...ctx, waitMs, reason: message }, 'delivery waits for a database lock');
        return false;
      }
      const attempt = prev.count + 1;
      if (attempt >= MAX_ATTEMPTS || err instanceof AgentMessageRefused) {
        recordDelivery(inbound, row.id, 'failed', null, message);
        st.attempts.delete(row.id);
        this.log.warn({ ...ctx, attempts: attempt, reason: message }, 'delivery failed for good');
        if (row.kind === 'chat') {
          const target =
            err instanceof AgentMessageRefused
              ? err.target
              : row.channel_type && row.platform_id
                ? { channelType: row.channel_type, platformId: row.platform_id, threadId: row.thread_id }
                : null;
          this.emit('failed', session, { messageOutId: row.id, target, reason: message });
        }
        return true;
      }
      st.attempts.set(row.id, {
        count: attempt,
        nextAt: Date.now() + retryDelay(this.retryDelaysMs, attempt),
        locked: prev.locked,
      });
      this.log.info({ ...ctx, attempt, reason: message }, 'delivery failed; will retry');
      return false;
    }
  }

  private async sendChat(
    handle: SessionHandle,
    row: MessageOut,
  ): Promise<{ channelType: string; platformMessageId: string | null }> {
    const { session } = handle;
    const inbound = handle.inbound();
    const content = OutboundChatContent.parse(JSON.parse(row.content));
    const routing = inbound.first(inbound.q.selectFrom('session_routing').selectAll());
    const channelType = row.channel_type ?? routing?.channel_type;
    const platformId = row.platform_id ?? routing?.platform_id;
    if (!channelType || !platformId)
      throw new Error('message has no target and the session has no origin chat');
    const threadId = row.channel_type ? row.thread_id : (row.thread_id ?? routing?.thread_id ?? null);
    if (channelType === AGENT_CHANNEL) {
      const agents = { db: this.db, log: this.log, ...this.agents };
      const names = content.op === undefined ? (content.files ?? []) : [];
      const files = readOutboxFiles(this.dataDir, handle.paths.outbox, names, this.maxFileBytes);
      await routeToAgent(agents, session, inbound, row, content, platformId, files);
      removeOutboxFiles(this.dataDir, handle.paths.outbox, names);
      return { channelType, platformMessageId: null };
    }
    if (isChatOp(content)) {
      const target = resolveOpTarget(inbound, content);
      const to = target.to ?? { channelType, platformId, threadId };
      authorizeChannelTarget(this.db, session, to.channelType, to.platformId);
      await applyChatOp(this.channels, to, target.platformMessageId, content);
      return { channelType: to.channelType, platformMessageId: target.platformMessageId };
    }
    authorizeChannelTarget(this.db, session, channelType, platformId);
    const to = { channelType, platformId, threadId };
    const files = readOutboxFiles(this.dataDir, handle.paths.outbox, content.files ?? [], this.maxFileBytes);
    if (content.question) {
      recordQuestion(this.db, {
        questionId: content.question.questionId,
        sessionId: session.id,
        messageOutId: row.id,
        channelType,
        platformId,
        threadId,
        title: content.question.title,
        options: content.question.options,
        askedOf: row.in_reply_to ? inboundContent(inbound, row.in_reply_to).sender : null,
      });
    }
    const sent = await sendThroughAdapter(this.channels, to, {
      author: {
        kind: 'agent',
        agentGroupId: session.agent_group_id,
        name: getAgentGroup(this.db, session.agent_group_id)?.name ?? session.agent_group_id,
      },
      sourceId: `${session.id}/${row.id}`,
      text: content.text,
      inReplyTo: row.in_reply_to ? inboundContent(inbound, row.in_reply_to).platformMessageId : null,
      ...(content.question ? { question: { ...content.question, question: content.text } } : {}),
      ...(files.length ? { files } : {}),
    });
    removeOutboxFiles(this.dataDir, handle.paths.outbox, content.files ?? []);
    return { channelType, platformMessageId: sent.platformMessageId };
  }
}

function finalizedIds(inbound: InboundDb, ids: string[]): Set<string> {
  if (ids.length === 0) return new Set();
  const rows = inbound
    .prepare(`SELECT message_out_id FROM delivered WHERE message_out_id IN (${ids.map(() => '?').join(',')})`)
    .all(...ids) as { message_out_id: string }[];
  return new Set(rows.map((r) => r.message_out_id));
}
