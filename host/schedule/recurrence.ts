/** Cron recurrence of scheduled tasks (pure): the next occurrence strictly after `after`, in the host's time zone. */
import { CronExpressionParser } from 'cron-parser';

export function nextOccurrence(cron: string, after: Date, tz?: string): Date {
  const expr = CronExpressionParser.parse(cron, { currentDate: after, ...(tz ? { tz } : {}) });
  return expr.next().toDate();
}
