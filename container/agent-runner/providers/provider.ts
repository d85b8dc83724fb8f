/**
 * What a model provider does for the runner: one turn at a time, given the turn's messages (or one admin
 * slash command) and the previous continuation, produce the reply text and the next continuation.
 *
 * Invariants:
 * - A provider never writes the session DBs itself; side effects go through `tools` (the shared MCP tools).
 * - Throwing means the turn failed: the runner replies "Error: <message>" and acks the batch 'failed'.
 * - When `signal` aborts, the provider stops as soon as it can; whatever it returns is discarded.
 */
import type { InboundMessage } from '../inbound-message.js';
import type { Logger } from '../logger.js';
import type { ToolRunner } from '../tools/registry.js';

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
  signal: AbortSignal;
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
