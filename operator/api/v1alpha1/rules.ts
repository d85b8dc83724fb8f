/**
 * Building blocks that keep one validation rule in one place.
 *
 * Invariant: every rule the API server enforces with CEL (`x-kubernetes-validations`) is declared here next to
 * its TypeScript twin (`holds`), so the CRD generator and the embedded manifest loader read the same
 * definition. Only transition rules (those that compare with `oldSelf`) have no twin: a single manifest has no
 * previous version, so the embedded mode enforces them against the projected DB rows instead.
 */
import { z } from 'zod';

/** The `reason` values the API server accepts on a validation rule. */
type CelReason = 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueDuplicate';

export interface Rule<T> {
  /** CEL expression; `self` is the value the rule is attached to. */
  cel: string;
  message: string;
  /** Field the error is reported on, relative to `self`, as a dotted path (e.g. `engage.pattern`). */
  field?: string;
  reason?: CelReason;
  /** The same rule in TypeScript. Omitted only for transition rules (CEL that uses `oldSelf`). */
  holds?: (self: T) => boolean;
}

/** A CEL `x-kubernetes-validations` entry as it appears in the CRD. */
interface CelValidation {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: CelReason;
}

function celOf<T>(rule: Rule<T>): CelValidation {
  return {
    rule: rule.cel,
    message: rule.message,
    ...(rule.field ? { fieldPath: `.${rule.field}` } : {}),
    ...(rule.reason ? { reason: rule.reason } : {}),
  };
}

/** Attaches rules to a schema: as CEL for the CRD and as a zod refinement for the loader. */
export function withRules<S extends z.ZodType>(schema: S, rules: Rule<z.output<S>>[]): S {
  const refined = schema.superRefine((value, ctx) => {
    for (const rule of rules) {
      if (rule.holds && !rule.holds(value)) {
        ctx.addIssue({
          code: 'custom',
          message: rule.message,
          path: rule.field ? rule.field.split('.') : [],
          params: { reason: rule.reason ?? 'FieldValueInvalid' },
        });
      }
    }
  });
  return addValidations(refined, rules.map(celOf));
}

/** Appends CEL validations to whatever a schema already declares. */
function addValidations<S extends z.ZodType>(schema: S, validations: CelValidation[]): S {
  const existing = (z.globalRegistry.get(schema)?.['x-kubernetes-validations'] ?? []) as CelValidation[];
  return schema.meta({ 'x-kubernetes-validations': [...existing, ...validations] });
}

/**
 * A list treated as a map keyed by `key` (`x-kubernetes-list-type: map`): the API server refuses a second item
 * with the same key as "Duplicate value" on that item, and so does the refinement.
 */
export function listMap<I extends z.ZodType>(
  item: I,
  key: keyof z.output<I> & string,
  opts: { maxItems: number; description: string },
) {
  return z
    .array(item)
    .max(opts.maxItems)
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((it, i) => {
        const k = (it as Record<string, unknown>)[key];
        if (seen.has(k)) {
          ctx.addIssue({
            code: 'custom',
            message: `Duplicate value: ${key} ${JSON.stringify(k)} appears more than once`,
            path: [i],
            params: { reason: 'FieldValueDuplicate' },
          });
        }
        seen.add(k);
      });
    })
    .meta({
      description: opts.description,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': [key],
    });
}

/** A field whose value can never change once the object exists (CEL transition rule only). */
export function immutable<S extends z.ZodType>(schema: S, message: string): S {
  return addValidations(schema, [{ rule: 'self == oldSelf', message }]);
}
