/**
 * What a model provider does for the runner: one turn at a time, given the turn's messages (or one admin
 * slash command) and the previous continuation, produce the reply text and the next continuation.
 *
 * Invariants:
 * - A provider never writes the session DBs itself; side effects go through `tools` (the shared MCP tools).
 * - Throwing means the turn failed: the runner replies "Error: <message>" and acks the batch 'failed'.
 * - When `signal` aborts (shutdown), the provider stops as soon as it can; whatever it returns is discarded.
 * - When `stop` aborts (someone sent /stop), the provider ends the turn as soon as it can but keeps the
 *   conversation: its continuation is kept, its reply is replaced by "Stopped.".
 * - Follow-ups reach the provider only between `followUps.open` and the close function it returned; a
 *   provider that cannot take them (yet) simply does not open the feed, and they wait for the next turn.
 */
import type { InboundMessage } from '../inbound-message.js';
import type { Logger } from '../logger.js';
import type { ToolRunner } from '../tools/registry.js';

/** Messages that arrived while the turn runs and belong to it, already claimed for this turn. */
export interface FollowUp {
  messages: InboundMessage[];
  /** The messages formatted for a model, like TurnRequest.prompt. */
  prompt: string;
}

export interface FollowUpFeed {
  /**
   * Starts taking follow-ups: `take` is called once per batch, right after it was claimed. Returns the close
   * function; once it returns nothing more is claimed for this turn.
   */
  open(take: (f: FollowUp) => void): () => void;
}

export interface TurnRequest {
  /** 'messages': a batch of chat/task rows; 'command': an admin slash command from an admin, passed through. */
  mode: 'messages' | 'command';
  /** The batch in seq order (for 'command', the one command row). Context rows have row.trigger = 0. */
  messages: InboundMessage[];
  /** The message the reply answers (the last triggering one). */
  target: InboundMessage;
  /** The batch formatted for a model, or the raw command text in 'command' mode. */
  prompt: string;
  /** The command, lower-cased, in 'command' mode. */
  command?: string;
  /** The named destinations the agent may address with send_message (from inbound.db). */
  destinations: { name: string; displayName: string | null; type: 'channel' | 'agent' }[];
  /** What the previous turn returned as `continuation`, or null for a fresh conversation. */
  continuation: string | null;
  tools: ToolRunner;
  /** Shutdown: abort at once, the turn's outcome is discarded. */
  signal: AbortSignal;
  /** /stop: end the turn early, keeping the conversation. */
  stop: AbortSignal;
  followUps: FollowUpFeed;
  /** Call on every provider event: it keeps the heartbeat fresh. */
  onActivity: () => void;
  log: Logger;
}

export interface TurnResult {
  /** Text for the conversation; null or empty = no reply. */
  reply: string | null;
  /** The continuation to keep for the next turn; null forgets it. */
  continuation: string | null;
}

export interface Provider {
  readonly name: string;
  runTurn(req: TurnRequest): Promise<TurnResult>;
  close?(): Promise<void>;
}

/** session_state key for a provider's continuation (cleared by /clear). */
export function continuationKey(provider: string): string {
  return `continuation:${provider}`;
}
