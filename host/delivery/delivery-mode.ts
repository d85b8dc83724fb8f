/**
 * How the host and its runners learn about each other's writes (NANOCLAW_DELIVERY_MODE):
 *
 * - `notify` (the default): the host tells a runner "inbound written" over the notification channel and drains a
 *   session as soon as its runner says "outbound written" (or reconnects). The runner's own poll
 *   (NANOCLAW_RUNNER_POLL_MS) and the sweep are only safety nets for a lost notice.
 * - `poll`: the original NanoClaw's fixed-interval polling, kept as a real baseline to measure against. The host
 *   sends no inbound notices and ignores the runner's notices; the runner looks at inbound.db every POLL_MODE_MS
 *   and the host drains the outbound.db of every session whose runner runs every POLL_MODE_MS (the original's
 *   "active" poller covers the sessions with a running container, too).
 *
 * Invariant: the mode changes only how soon a write is noticed, never what is delivered — the session DBs stay the
 * only source of truth in both.
 */

export const DELIVERY_MODES = ['notify', 'poll'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** The fixed interval of the polling mode, on both sides (the original NanoClaw's 1 s). */
export const POLL_MODE_MS = 1000;

export interface DeliveryPlan {
  /** Send "inbound written" notices to runners. */
  inboundNotices: boolean;
  /** Drain a session when its runner reports an outbound commit or (re)connects. */
  drainOnRunnerNotice: boolean;
  /** Drain every running session on this interval; null: no such loop (the sweep's safety net only). */
  outboundPollMs: number | null;
  /** NANOCLAW_POLL_INTERVAL_MS given to runners. */
  runnerPollMs: number;
}

export function deliveryPlan(mode: DeliveryMode, runnerPollMs: number): DeliveryPlan {
  if (mode === 'poll')
    return {
      inboundNotices: false,
      drainOnRunnerNotice: false,
      outboundPollMs: POLL_MODE_MS,
      runnerPollMs: POLL_MODE_MS,
    };
  return { inboundNotices: true, drainOnRunnerNotice: true, outboundPollMs: null, runnerPollMs };
}
