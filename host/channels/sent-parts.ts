/**
 * What of a message in several parts (text chunks, then files) a channel has sent so far, so that delivery's
 * retry of the same message — the same `sourceId` — sends only the parts not sent yet: a person never sees the
 * first chunk twice because the second failed.
 *
 * Invariants:
 * - Parts are sent in order; a part that throws stops the attempt, and the parts before it are remembered.
 * - An entry is forgotten once its message is sent whole, and the oldest are forgotten beyond `max`, so memory
 *   stays bounded. Without a sourceId nothing is remembered (every attempt sends every part).
 * - Memory only: a host killed between two parts sends the earlier ones again after its restart (the web chat,
 *   which stores messages by sourceId, has no such window).
 */

/** Sends one part; resolves with its platform message id (null when the platform gives none). */
export type SendPart = () => Promise<string | null>;

const DEFAULT_MAX = 1000;

export class SentParts {
  private readonly sent = new Map<string, (string | null)[]>();

  constructor(private readonly max = DEFAULT_MAX) {}

  /** Sends the parts an earlier attempt did not; returns every part's platform id, in order. */
  async sendAll(sourceId: string | undefined, parts: SendPart[]): Promise<(string | null)[]> {
    const done = (sourceId !== undefined ? this.sent.get(sourceId) : undefined) ?? [];
    for (let i = done.length; i < parts.length; i++) {
      done.push(await parts[i]!());
      if (sourceId !== undefined && i < parts.length - 1) this.remember(sourceId, done);
    }
    if (sourceId !== undefined) this.sent.delete(sourceId);
    return done;
  }

  private remember(sourceId: string, done: (string | null)[]): void {
    this.sent.delete(sourceId);
    this.sent.set(sourceId, done);
    if (this.sent.size > this.max) this.sent.delete(this.sent.keys().next().value as string);
  }
}
