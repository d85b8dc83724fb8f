/**
 * The shape every MCP tool has, shared by all providers: one zod input shape, one handler.
 *
 * Invariants:
 * - Handlers receive input already validated against `shape`; anything the model should be told about goes
 *   back as a ToolError (a tool result with isError), never as a crash of the turn.
 * - Handlers write only through the OutboundWriter (outbound.db) and read inbound.db read-only.
 */
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type { InboundReader, Routing } from '../inbound-reader.js';
import type { OutboundWriter } from '../outbound-writer.js';
import type { WakeSignal } from '../wake-signal.js';

export interface ToolContext {
  inbound: InboundReader;
  outbound: OutboundWriter;
  /** The turn the call belongs to: where a reply goes by default and which message it answers. */
  turn: { replyTo: Routing; inReplyTo: string | null };
  /** Woken when the host says inbound.db changed. */
  inboundSignal: WakeSignal;
  /** The session's outbox (/workspace/outbox): the only place send_file takes files from. */
  outboxDir: string;
  pollIntervalMs: number;
  signal: AbortSignal;
  log: Logger;
}

export class ToolError extends Error {
  override name = 'ToolError';
}

export interface ToolResult {
  isError: boolean;
  text: string;
}

export interface ToolDefinition<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  description: string;
  shape: S;
  handler: (args: z.output<z.ZodObject<S>>, ctx: ToolContext) => Promise<string>;
}

/** Keeps the shape's type when declaring a tool. */
export function defineTool<S extends z.ZodRawShape>(def: ToolDefinition<S>): ToolDefinition<S> {
  return def;
}
