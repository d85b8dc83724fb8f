/**
 * The streaming input of one Claude query: the turn's prompt first, then each follow-up, as SDK user messages.
 *
 * Invariants:
 * - Every message carries its own uuid; `settle` marks the uuids a result reports as consumed, and `idle` is
 *   true when every pushed message was answered by some result (or the last result said nothing is queued).
 * - After `end()` the iterable finishes (the CLI's stdin closes and the query ends) and `push` is refused.
 */
import { randomUUID } from 'node:crypto';
import type { SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';

export class ClaudeInput implements AsyncIterable<SDKUserMessage> {
  private readonly queue: SDKUserMessage[] = [];
  private readonly unanswered = new Set<string>();
  private wakeReader: (() => void) | null = null;
  private ended = false;

  push(text: string): void {
    if (this.ended) throw new Error('claude input already ended; the follow-up belongs to the next turn');
    const uuid = randomUUID();
    this.unanswered.add(uuid);
    this.queue.push({
      type: 'user',
      message: { role: 'user', content: text },
      parent_tool_use_id: null,
      uuid,
    });
    this.wakeReader?.();
  }

  /** Records a result: the user messages it consumed, and whether the CLI still has sends queued. */
  settle(consumed: readonly string[], queuedTurns: number | undefined): void {
    for (const uuid of consumed) this.unanswered.delete(uuid);
    // A result that consumed nothing we know of (older CLIs give no uuids) answers everything sent before it
    // unless the CLI says more turns follow.
    if (consumed.length === 0 && !queuedTurns) this.unanswered.clear();
  }

  get idle(): boolean {
    return this.unanswered.size === 0 && this.queue.length === 0;
  }

  end(): void {
    this.ended = true;
    this.wakeReader?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SDKUserMessage> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
      this.wakeReader = null;
    }
  }
}
