/**
 * The host ⇄ runner notification channel: one long-lived HTTP/1.1 request per runner,
 * `POST <hostUrl>/runner/v1/channel` with `Authorization: Bearer <session token>` and
 * `Content-Type: application/x-ndjson`. The request body stays open and carries runner → host notices; the
 * response body carries host → runner notices, one JSON object per line.
 *
 * The session DBs stay the only source of truth: a notice only says "look now". A lost notice costs at most the
 * fallback poll interval on either side, never a message. Both sides may send `ping` to keep idle connections
 * alive. A line that does not parse (say, a notice type from a newer peer) is reported and skipped.
 */
import { z } from 'zod';
import { McpServerReports } from './mcp.js';

/** Host → runner. */
export const HostNotice = z.discriminatedUnion('type', [
  /** inbound.db has rows up to this seq. */
  z.object({ type: z.literal('inbound'), seq: z.number().int() }),
  /** The host wants the runner to finish its current turn and exit (idle stop, config change). */
  z.object({ type: z.literal('shutdown'), reason: z.string() }),
  z.object({ type: z.literal('ping') }),
]);
export type HostNotice = z.infer<typeof HostNotice>;

/** Runner → host. */
export const RunnerNotice = z.discriminatedUnion('type', [
  /** outbound.db has rows up to this seq (replies or acks to look at). */
  z.object({ type: z.literal('outbound'), seq: z.number().int() }),
  /** How the agent group's own MCP servers started (protocol/mcp.ts); re-sent on every reconnect. */
  z.object({ type: z.literal('mcp'), servers: McpServerReports }),
  z.object({ type: z.literal('ping') }),
]);
export type RunnerNotice = z.infer<typeof RunnerNotice>;

export function encodeNotice(notice: HostNotice | RunnerNotice): string {
  return `${JSON.stringify(notice)}\n`;
}

/** Splits a byte stream into lines and parses each as a notice; bad lines go to `onError`, the rest continue. */
export class NoticeDecoder<T> {
  private buffer = '';

  constructor(
    private readonly schema: z.ZodType<T>,
    private readonly onNotice: (notice: T) => void,
    private readonly onError: (line: string, err: Error) => void,
  ) {}

  push(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > 1_000_000) {
      this.onError(this.buffer.slice(0, 100), new Error('notice line over 1 MB'));
      this.buffer = '';
      return;
    }
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      let parsed: z.ZodSafeParseResult<T>;
      try {
        parsed = this.schema.safeParse(JSON.parse(line));
      } catch (err) {
        this.onError(line, err as Error);
        continue;
      }
      if (parsed.success) this.onNotice(parsed.data);
      else this.onError(line, parsed.error);
    }
  }
}
