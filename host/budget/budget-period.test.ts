import { describe, expect, it } from 'vitest';
import { budgetReached, nextPeriodStart, periodOf } from './budget-period.js';

describe('the budget period is the calendar month in UTC', () => {
  it('names the month of a moment in UTC, not local time', () => {
    expect(periodOf(new Date('2026-03-01T00:00:00.000Z'))).toBe('2026-03');
    expect(periodOf(new Date('2026-03-31T23:59:59.999Z'))).toBe('2026-03');
    expect(periodOf(new Date('2026-04-01T00:30:00.000+02:00'))).toBe('2026-03');
  });

  it('moves to the next month at midnight UTC on the 1st, across the year end', () => {
    expect(nextPeriodStart(new Date('2026-12-15T10:00:00Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(periodOf(nextPeriodStart(new Date('2026-01-31T23:59:59Z')))).toBe('2026-02');
  });
});

describe('a budget is reached when the tokens used reach it', () => {
  it('is never reached without a budget', () => {
    expect(budgetReached(null, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('is reached at the budget, not one token before', () => {
    expect(budgetReached(100, 99)).toBe(false);
    expect(budgetReached(100, 100)).toBe(true);
    expect(budgetReached(100, 250)).toBe(true);
  });
});
