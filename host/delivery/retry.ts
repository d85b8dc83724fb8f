/** Delivery's retry policy, the same for agent and host messages: MAX_ATTEMPTS tries, waiting longer each time. */
export const MAX_ATTEMPTS = 3;
export const RETRY_DELAYS_MS: readonly number[] = [1000, 4000];

/** How long to wait after failed attempt number `attempt` (1-based). */
export function retryDelay(delays: readonly number[], attempt: number): number {
  return delays[attempt - 1] ?? 1000;
}
