/**
 * Validates one manifest document with the same zod schemas the CRDs are generated from, and names each problem
 * by the field the API server would name (`spec.agents[1].engage.pattern`).
 */
import type { z } from 'zod';
import { API_VERSION } from './common.js';
import { KINDS, type KindName } from './kinds.js';
import type { AgentGroupSpec } from './agent-group.js';
import type { MessagingGroupSpec } from './messaging-group.js';
import type { UserRoleSpec } from './user-role.js';
import type { ObjectMeta } from './common.js';

export interface FieldError {
  field: string;
  message: string;
}

export type ParsedManifest =
  | { kind: 'AgentGroup'; metadata: ObjectMeta; spec: AgentGroupSpec }
  | { kind: 'MessagingGroup'; metadata: ObjectMeta; spec: MessagingGroupSpec }
  | { kind: 'UserRole'; metadata: ObjectMeta; spec: UserRoleSpec };

export type ParseResult = { ok: true; manifest: ParsedManifest } | { ok: false; errors: FieldError[] };

/** `['spec', 'agents', 1, 'engage']` → `spec.agents[1].engage`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

export function issuesToErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const field = fieldPath([...issue.path, key]);
        errors.push({ field, message: `unknown field "${field}"` });
      }
    } else {
      errors.push({ field: fieldPath(issue.path), message: issue.message });
    }
  }
  return errors;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isNanoclawKind(kind: unknown): kind is KindName {
  return KINDS.some((k) => k.kind === kind);
}

export function parseManifest(doc: unknown): ParseResult {
  if (!isRecord(doc)) return { ok: false, errors: [{ field: '', message: 'a manifest must be a mapping' }] };
  if (doc.apiVersion !== API_VERSION) {
    return {
      ok: false,
      errors: [
        {
          field: 'apiVersion',
          message: `apiVersion must be ${API_VERSION}, not ${JSON.stringify(doc.apiVersion)}`,
        },
      ],
    };
  }
  const def = KINDS.find((k) => k.kind === doc.kind);
  if (!def) {
    return {
      ok: false,
      errors: [
        {
          field: 'kind',
          message: `kind must be one of ${KINDS.map((k) => k.kind).join(', ')}, not ${JSON.stringify(doc.kind)}`,
        },
      ],
    };
  }
  const res = def.manifest.safeParse(doc);
  if (!res.success) return { ok: false, errors: issuesToErrors(res.error.issues) };
  const { kind, metadata, spec } = res.data as unknown as ParsedManifest;
  return { ok: true, manifest: { kind, metadata, spec } as ParsedManifest };
}
