/**
 * Reads the token usage out of a model API response as it streams past the credential proxy, without changing a
 * byte of it: Anthropic Messages answers either as one JSON body (`usage` at the top) or as server-sent events
 * (`message_start` carries `message.usage`, `message_delta` carries the final `usage.output_tokens`).
 *
 * Invariants:
 * - Bounded: at most MAX_JSON_BYTES of a JSON body and MAX_LINE_BYTES of one SSE line are kept; anything longer is
 *   not read (its usage counts as 0 for that part), so a huge answer cannot grow host memory.
 * - Only non-negative safe integers are taken; any other value counts as 0 — the upstream is trusted, its bytes
 *   are still parsed defensively.
 * - `finish()` returns the usage seen so far; for SSE the last `message_delta` output count wins over the
 *   `message_start` one (it is cumulative), input and cache counts come from whichever event carried them last.
 */
import { StringDecoder } from 'node:string_decoder';

export interface ModelUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

const MAX_JSON_BYTES = 4 * 1024 * 1024;
const MAX_LINE_BYTES = 256 * 1024;

const NO_USAGE: ModelUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

export function totalTokens(u: ModelUsage): number {
  return u.input + u.output + u.cacheRead + u.cacheWrite;
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Merges the counts present in one `usage` object onto `into`. */
function mergeUsage(into: ModelUsage, raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) return;
  const u = raw as Record<string, unknown>;
  into.input = count(u.input_tokens) ?? into.input;
  into.output = count(u.output_tokens) ?? into.output;
  into.cacheRead = count(u.cache_read_input_tokens) ?? into.cacheRead;
  into.cacheWrite = count(u.cache_creation_input_tokens) ?? into.cacheWrite;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export class UsageTap {
  private readonly usage: ModelUsage = { ...NO_USAGE };
  private readonly sse: boolean;
  private json: Buffer[] = [];
  private jsonBytes = 0;
  private line = '';
  private lineTooLong = false;
  private readonly decoder = new StringDecoder('utf8');

  constructor(contentType: string | undefined) {
    this.sse = (contentType ?? '').toLowerCase().startsWith('text/event-stream');
  }

  write(chunk: Buffer): void {
    if (!this.sse) {
      this.jsonBytes += chunk.length;
      if (this.jsonBytes <= MAX_JSON_BYTES) this.json.push(chunk);
      else this.json = [];
      return;
    }
    const parts = this.decoder.write(chunk).split('\n');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (!this.lineTooLong) {
        this.line += part;
        if (this.line.length > MAX_LINE_BYTES) {
          this.line = '';
          this.lineTooLong = true;
        }
      }
      if (i < parts.length - 1) this.endLine();
    }
  }

  finish(): ModelUsage {
    if (this.sse) this.endLine();
    else if (this.jsonBytes <= MAX_JSON_BYTES && this.jsonBytes > 0) {
      const body = parse(Buffer.concat(this.json).toString('utf8'));
      if (typeof body === 'object' && body !== null)
        mergeUsage(this.usage, (body as { usage?: unknown }).usage);
      this.json = [];
    }
    return { ...this.usage };
  }

  private endLine(): void {
    const line = this.line.replace(/\r$/, '');
    this.line = '';
    if (this.lineTooLong) {
      this.lineTooLong = false;
      return;
    }
    if (!line.startsWith('data:')) return;
    const event = parse(line.slice(5).trim());
    if (typeof event !== 'object' || event === null) return;
    const e = event as { type?: unknown; message?: { usage?: unknown }; usage?: unknown };
    if (e.type === 'message_start') mergeUsage(this.usage, e.message?.usage);
    else if (e.type === 'message_delta') mergeUsage(this.usage, e.usage);
  }
}
