/**
 * What a start-up has opened so far, closed again (newest first) when a later step fails: a host that cannot
 * start must exit, not hang on a port it already listens on or a runtime it already started.
 *
 * Invariants: every step runs once, even when an earlier one throws (its failure is logged, not rethrown);
 * `run` is only for a failed start — a started host closes through its own ordered `close`.
 */
import type { Logger } from 'pino';

export class Teardown {
  private readonly steps: { what: string; close: () => unknown }[] = [];

  add(what: string, close: () => unknown): void {
    this.steps.push({ what, close });
  }

  async run(log: Logger): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.close();
      } catch (err) {
        log.warn({ step: step.what, err: (err as Error).message }, 'could not close after a failed start');
      }
    }
  }
}
