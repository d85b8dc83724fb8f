/**
 * The budget arithmetic: which period a moment belongs to, and whether an agent group's usage in it has reached
 * its budget. Pure.
 *
 * Invariants:
 * - A period is a calendar month in UTC, named `YYYY-MM`: it starts at 00:00:00.000 UTC on the 1st and ends just
 *   before the 1st of the next month. Usage of a new month starts at 0 (nothing is carried over).
 * - A budget counts every token the model API reports: input, output, cache reads and cache writes.
 * - No budget (null) is never reached; a budget is reached when used >= budget (the call that crosses it is let
 *   through, the next one is not: a call's size is known only after it ran).
 */
export function periodOf(at: Date): string {
  const month = String(at.getUTCMonth() + 1).padStart(2, '0');
  return `${at.getUTCFullYear()}-${month}`;
}

/** The first moment of the period after the one `at` belongs to. */
export function nextPeriodStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

export function budgetReached(monthlyTokens: number | null, usedTokens: number): boolean {
  return monthlyTokens !== null && usedTokens >= monthlyTokens;
}
