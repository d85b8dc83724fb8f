/**
 * One turn: claim the batch, run the gate or the provider, write the outcome.
 *
 * Invariants:
 * - The batch is claimed ('processing' acks, one transaction) before the provider runs.
 * - The outcome — reply row, 'completed'/'failed' acks and the continuation — is ONE transaction. A crash before
 *   it leaves only 'processing' acks, which the next start deletes, so the batch runs again; a crash after it
 *   leaves a finished turn. The final reply is therefore written exactly once per completed turn.
 * - Tool side effects (send_message, task actions, question cards) commit as they happen, so they are
 *   at-least-once: a turn cut short and rerun may repeat them.
 * - A provider error becomes an "Error: …" reply and 'failed' acks. An aborted turn (shutdown) writes nothing
 *   and releases its claims.
 * - While the provider runs, a TurnWatch pushes follow-ups into the turn and takes /stop (turn-watch.ts); the
 *   follow-ups' rows are acked with the turn's. A stopped turn's outcome is "Stopped." in reply to the /stop,
 *   'completed' acks for the turn and the /stop, and the continuation the provider returned (kept otherwise).
 * - A task with a pre-task script (task-script.ts) runs its script first, claimed like any turn: `wakeAgent`
 *   false acks it 'completed' with no reply and no provider call; true runs the provider with the script's data on
 *   the task; a failure is reported to the host and the claim kept until the host applied it (script-reports.ts).
 *   A /stop that may stop the task (an admin's: a task has no sender) kills the script and is answered like a
 *   stopped turn: "Stopped.", the task and the /stop acked 'completed' (this occurrence ends, nothing is counted
 *   as a failure), the agent not woken.
 */
import type { InboundReader, Routing } from './inbound-reader.js';
import type { InboundMessage, TaskMessage } from './inbound-message.js';
import type { Logger } from './logger.js';
import type { OutboundWriter, OutMessage } from './outbound-writer.js';
import { decide } from './command-gate.js';
import { replyTarget, type Turn } from './batch.js';
import { formatPrompt } from './prompt.js';
import { continuationKey, type Provider, type TurnResult } from './providers/provider.js';
import { ToolRunner } from './tools/registry.js';
import { TurnWatch } from './turn-watch.js';
import type { ScriptReports } from './script-reports.js';
import type { TaskScripts } from './task-script.js';
import { STOPPED_REPLY } from '../../protocol/commands.js';
import type { WakeSignal } from './wake-signal.js';

export interface TurnDeps {
  inbound: InboundReader;
  outbound: OutboundWriter;
  provider: Provider;
  adminUserIds: ReadonlySet<string>;
  inboundSignal: WakeSignal;
  outboxDir: string;
  pollIntervalMs: number;
  maxBatch: number;
  /** Aborts when the runner is asked to stop: the running turn finishes without taking more follow-ups. */
  draining: AbortSignal;
  onActivity: () => void;
  scripts: TaskScripts;
  scriptReports: ScriptReports;
  log: Logger;
}

/** One turn while its provider runs. */
interface RunningTurn {
  mode: 'messages' | 'command';
  messages: InboundMessage[];
  target: InboundMessage;
  address: Routing;
  watch: TurnWatch;
  signal: AbortSignal;
  log: Logger;
  command: string | undefined;
}

export type TurnOutcome = 'completed' | 'failed' | 'aborted';

const MAX_ERROR_REPLY = 500;

export class TurnRunner {
  constructor(private readonly d: TurnDeps) {}

  /** The reply address of a message: its own, else the session's default route. */
  addressOf(m: InboundMessage): Routing {
    const { channel_type, platform_id, thread_id } = m.row;
    if (channel_type && platform_id)
      return { channelType: channel_type, platformId: platform_id, threadId: thread_id };
    return this.d.inbound.routing() ?? { channelType: null, platformId: null, threadId: null };
  }

  async run(turn: Turn, signal: AbortSignal): Promise<TurnOutcome> {
    if (turn.type === 'messages') return this.runProvider('messages', turn.messages, signal);
    if (turn.type === 'script') return this.runScript(turn.message, turn.script, signal);
    const m = turn.message;
    const decision = decide(m, this.d.adminUserIds);
    const log = this.d.log.child({ messageId: m.row.id, command: turn.command });
    const reply = (text: string): OutMessage => ({
      kind: 'chat',
      address: this.addressOf(m),
      inReplyTo: m.row.id,
      content: { text },
    });
    switch (decision.action) {
      case 'none':
        return this.runProvider('messages', [m], signal);
      case 'drop':
        this.d.outbound.commit({ acks: [{ id: m.row.id, status: 'completed' }] });
        log.info({ why: decision.why }, 'command dropped');
        return 'completed';
      case 'deny':
        this.d.outbound.commit({
          messages: [reply(decision.reply)],
          acks: [{ id: m.row.id, status: 'completed' }],
        });
        log.warn({ userId: m.kind === 'chat' ? m.chat.sender : null }, 'admin command refused');
        return 'completed';
      case 'idle-stop':
        this.d.outbound.commit({
          messages: [reply(decision.reply)],
          acks: [{ id: m.row.id, status: 'completed' }],
        });
        log.info('/stop with nothing running');
        return 'completed';
      case 'clear':
        this.d.outbound.commit({
          messages: [reply(decision.reply)],
          acks: [{ id: m.row.id, status: 'completed' }],
          deleteState: [continuationKey(this.d.provider.name)],
        });
        log.info('session cleared');
        return 'completed';
      case 'provider':
        return this.runProvider('command', [m], signal, decision.command);
    }
  }

  private async runScript(m: TaskMessage, script: string, signal: AbortSignal): Promise<TurnOutcome> {
    const { outbound } = this.d;
    const log = this.d.log.child({ messageId: m.row.id });
    outbound.claim([m.row.id]);
    const started = Date.now();
    // Only a /stop is taken while the script runs (no feed is opened, so no follow-up is claimed); a task has no
    // sender, so only an admin's /stop ends it.
    const watch = this.watchFor([m], log);
    const watching = watch.run();
    let outcome: Awaited<ReturnType<TaskScripts['run']>>;
    try {
      outcome = await this.d.scripts.run(script, AbortSignal.any([signal, watch.stop]));
    } finally {
      watch.finish();
      await watching;
    }
    if (signal.aborted) {
      outbound.release([m.row.id, ...(watch.stopMessage ? [watch.stopMessage.row.id] : [])]);
      log.warn('pre-task script abandoned at shutdown; the task stays pending');
      return 'aborted';
    }
    if (watch.stopMessage) return this.stopped(watch.stopMessage, [m.row.id], null, '', started, log);
    const ms = Date.now() - started;
    if (!outcome.ok) {
      this.d.scriptReports.report(m.row.id, outcome.error);
      return 'failed';
    }
    if (!outcome.wakeAgent) {
      outbound.commit({ acks: [{ id: m.row.id, status: 'completed' }] });
      log.info({ ms }, 'pre-task script said not to wake the agent');
      return 'completed';
    }
    log.info({ ms }, 'pre-task script woke the agent');
    return this.runProvider('messages', [{ ...m, scriptData: outcome.data }], signal);
  }

  /** A TurnWatch over the turn's messages: follow-ups once a feed opens, /stop always. */
  private watchFor(messages: InboundMessage[], log: Logger): TurnWatch {
    return new TurnWatch(
      {
        inbound: this.d.inbound,
        outbound: this.d.outbound,
        wake: this.d.inboundSignal,
        pollIntervalMs: this.d.pollIntervalMs,
        maxBatch: this.d.maxBatch,
        adminUserIds: this.d.adminUserIds,
        draining: this.d.draining,
        addressOf: (m) => this.addressOf(m),
        log,
      },
      messages,
      replyTarget(messages).row,
    );
  }

  private async runProvider(
    mode: 'messages' | 'command',
    messages: InboundMessage[],
    signal: AbortSignal,
    command?: string,
  ): Promise<TurnOutcome> {
    const { outbound } = this.d;
    const target = replyTarget(messages);
    const address = this.addressOf(target);
    const log = this.d.log.child({ messageId: target.row.id, batch: messages.length });
    outbound.claim(messages.map((m) => m.row.id));
    const watch = this.watchFor(messages, log);
    const watching = watch.run();
    try {
      return await this.callProvider({ mode, messages, target, address, watch, signal, log, command });
    } finally {
      watch.finish();
      await watching;
    }
  }

  private async callProvider(t: RunningTurn): Promise<TurnOutcome> {
    const { mode, messages, target, address, watch, signal, log, command } = t;
    const { outbound, provider } = this.d;
    const ids = watch.ids;
    const key = continuationKey(provider.name);
    const tools = new ToolRunner({
      inbound: this.d.inbound,
      outbound,
      turn: { replyTo: address, inReplyTo: target.row.id },
      inboundSignal: this.d.inboundSignal,
      outboxDir: this.d.outboxDir,
      pollIntervalMs: this.d.pollIntervalMs,
      signal: AbortSignal.any([signal, watch.stop]),
      log,
    });
    const started = Date.now();
    log.info({ mode, provider: provider.name }, 'turn started');
    let result: TurnResult | null = null;
    try {
      result = await provider.runTurn({
        mode,
        messages,
        target,
        prompt:
          mode === 'command'
            ? target.kind === 'chat'
              ? target.chat.text.trim()
              : ''
            : formatPrompt(messages),
        ...(command ? { command } : {}),
        continuation: outbound.getState(key),
        destinations: this.d.inbound
          .destinations()
          .map((d) => ({ name: d.name, displayName: d.display_name, type: d.type })),
        tools,
        signal,
        stop: watch.stop,
        followUps: watch,
        onActivity: this.d.onActivity,
        log,
      });
    } catch (err) {
      if (signal.aborted) return this.abandon(watch, log);
      if (!watch.stopMessage) {
        const message = ((err as Error).message || String(err)).slice(0, MAX_ERROR_REPLY);
        outbound.commit({
          messages: [
            { kind: 'chat', address, inReplyTo: target.row.id, content: { text: `Error: ${message}` } },
          ],
          acks: ids.map((id) => ({ id, status: 'failed' as const })),
        });
        log.error({ err, ms: Date.now() - started }, 'turn failed');
        return 'failed';
      }
      log.warn({ err }, 'provider failed while stopping; the continuation is kept');
    }
    if (signal.aborted) return this.abandon(watch, log);
    if (watch.stopMessage) return this.stopped(watch.stopMessage, ids, result, key, started, log);
    const text = result!.reply?.trim() ? result!.reply : null;
    outbound.commit({
      messages: text ? [{ kind: 'chat', address, inReplyTo: target.row.id, content: { text } }] : [],
      acks: ids.map((id) => ({ id, status: 'completed' as const })),
      ...(result!.continuation ? { setState: { [key]: result!.continuation } } : { deleteState: [key] }),
    });
    log.info({ ms: Date.now() - started, replied: text !== null, answered: ids.length }, 'turn completed');
    log.debug({ reply: text }, 'turn reply');
    return 'completed';
  }

  /** A turn (or a pre-task script) ended by /stop: "Stopped." to the /stop, everything acked, the conversation kept. */
  private stopped(
    stop: InboundMessage,
    ids: string[],
    result: TurnResult | null,
    key: string,
    started: number,
    log: Logger,
  ): TurnOutcome {
    this.d.outbound.commit({
      messages: [
        {
          kind: 'chat',
          address: this.addressOf(stop),
          inReplyTo: stop.row.id,
          content: { text: STOPPED_REPLY },
        },
      ],
      acks: [...ids, stop.row.id].map((id) => ({ id, status: 'completed' as const })),
      ...(result?.continuation ? { setState: { [key]: result.continuation } } : {}),
    });
    log.info({ ms: Date.now() - started, stoppedBy: stop.row.id }, 'turn stopped');
    return 'completed';
  }

  /** Shutdown: releases every claim of the turn (follow-ups and a /stop included). */
  private abandon(watch: TurnWatch, log: Logger): TurnOutcome {
    this.d.outbound.release([...watch.ids, ...(watch.stopMessage ? [watch.stopMessage.row.id] : [])]);
    log.warn('turn abandoned at shutdown; its messages stay pending');
    return 'aborted';
  }
}
