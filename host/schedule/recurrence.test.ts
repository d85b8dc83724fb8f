import { describe, expect, it } from 'vitest';
import { nextOccurrence } from './recurrence.js';

describe('cron recurrence', () => {
  it.each([
    [
      'every hour, from the middle of an hour',
      '0 * * * *',
      '2030-01-01T10:30:00.000Z',
      'UTC',
      '2030-01-01T11:00:00.000Z',
    ],
    [
      'strictly after: exactly on an occurrence gives the next one',
      '0 * * * *',
      '2030-01-01T10:00:00.000Z',
      'UTC',
      '2030-01-01T11:00:00.000Z',
    ],
    [
      'daily at 09:00 in the host time zone',
      '0 9 * * *',
      '2030-01-01T12:00:00.000Z',
      'Europe/Oslo',
      '2030-01-02T08:00:00.000Z',
    ],
    [
      'daily at 09:00 across the spring DST change',
      '0 9 * * *',
      '2030-03-30T09:00:00.000Z',
      'Europe/Oslo',
      '2030-03-31T07:00:00.000Z',
    ],
    [
      'weekdays only: Friday evening → Monday',
      '0 8 * * 1-5',
      '2030-01-04T18:00:00.000Z',
      'UTC',
      '2030-01-07T08:00:00.000Z',
    ],
    [
      'month end rolls into the next month',
      '0 0 1 * *',
      '2030-01-31T23:59:59.000Z',
      'UTC',
      '2030-02-01T00:00:00.000Z',
    ],
    [
      'without a time zone, the process zone is used',
      '*/15 * * * *',
      '2030-01-01T10:01:00.000Z',
      undefined,
      '2030-01-01T10:15:00.000Z',
    ],
  ])('%s', (_name, cron, after, tz, expected) => {
    expect(nextOccurrence(cron, new Date(after), tz).toISOString()).toBe(expected);
  });

  it('refuses an expression that is not cron', () => {
    expect(() => nextOccurrence('every day', new Date(), 'UTC')).toThrow();
  });
});
