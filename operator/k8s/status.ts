/**
 * The status an object should show for a projection outcome, and whether that differs from what it shows.
 *
 * Invariants: a condition's lastTransitionTime changes only when its status flips; two statuses are the
 * same when everything but lastTransitionTime is equal — so a no-change resync computes "same" and writes nothing.
 */
import type { Condition } from '../api/v1alpha1/common.js';
import type { ExtraCondition, Outcome } from '../projection/types.js';

const READY = 'Ready';
const MAX_MESSAGE = 32_000;

export interface ObjectStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  [observed: string]: unknown;
}

export function readyCondition(status: ObjectStatus | undefined): Condition | undefined {
  return status?.conditions?.find((c) => c.type === READY);
}

export function desiredStatus(
  generation: number,
  outcome: Pick<Outcome, 'ready' | 'reason' | 'message' | 'observed' | 'conditions'>,
  current: ObjectStatus | undefined,
  now: Date,
): ObjectStatus {
  const condition = (c: ExtraCondition): Condition => {
    const previous = current?.conditions?.find((p) => p.type === c.type);
    return {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message.slice(0, MAX_MESSAGE),
      observedGeneration: generation,
      lastTransitionTime:
        previous && previous.status === c.status
          ? previous.lastTransitionTime
          : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  };
  const ready: ExtraCondition = {
    type: READY,
    status: outcome.ready ? 'True' : 'False',
    reason: outcome.reason,
    message: outcome.message,
  };
  return {
    observedGeneration: generation,
    conditions: [ready, ...(outcome.conditions ?? [])].map(condition),
    ...outcome.observed,
  };
}

/** JSON with object keys sorted at every level (the API server returns keys in its own order). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Canonical JSON of a status without transition times, for comparison. */
export function statusKey(status: ObjectStatus | undefined): string {
  if (!status) return '';
  const conditions = (status.conditions ?? [])
    .map(({ lastTransitionTime: _t, ...c }) => c)
    .sort((a, b) => a.type.localeCompare(b.type));
  return canonical({ ...status, conditions });
}

export function sameStatus(a: ObjectStatus | undefined, b: ObjectStatus | undefined): boolean {
  return statusKey(a) === statusKey(b);
}
