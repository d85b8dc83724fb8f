/**
 * Reads a folder of manifest files — the same YAML a user would `kubectl apply` — and validates every document with
 * the API's zod schemas.
 *
 * Invariants:
 * - A file with any invalid document contributes no object at all (never half-applied); each problem is reported
 *   with the file, the field and why.
 * - Objects of invalid files are still *known* (kind/name when readable), so their previously projected rows are
 *   not pruned because of a typo. If some file cannot be read as YAML at all, `complete` is false and the caller
 *   must not prune.
 * - One folder is one namespace: metadata.namespace is ignored; a kind/name defined twice is an error.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { DNS_SUBDOMAIN_PATTERN } from '../api/v1alpha1/common.js';
import { issuesToErrors, isNanoclawKind, parseManifest, type ParsedManifest } from '../api/v1alpha1/parse.js';

export interface ManifestError {
  /** Path relative to the manifest folder. */
  file: string;
  /** Field at fault (`spec.agents[0].agentGroup`), or '' for the whole document/file. */
  field: string;
  /** `Invalid` for schema errors, else a Ready reason such as `AgentGroupNotFound`. */
  reason: string;
  message: string;
}

interface LoadedObject {
  file: string;
  uid: string;
  manifest: ParsedManifest;
}

export interface LoadedDir {
  objects: LoadedObject[];
  configMaps: Map<string, Record<string, string>>;
  errors: ManifestError[];
  /** uids of objects in invalid files (rows kept, not pruned). */
  keptUids: Set<string>;
  /** False when some file could not be read or parsed at all: pruning would be unsafe. */
  complete: boolean;
}

const ConfigMap = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: z.looseObject({ name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN_PATTERN) }),
  data: z.record(z.string(), z.string()).optional(),
});

/** A stable, uid-shaped id for kind/name: the embedded stand-in for metadata.uid. */
export function embeddedUid(kind: string, name: string): string {
  const h = createHash('sha256').update(`nanoclaw.dev/${kind}/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs
      .readdirSync(d, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

function identity(doc: unknown): { kind: string; name: string } | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as { kind?: unknown; metadata?: { name?: unknown } };
  if (typeof d.kind === 'string' && typeof d.metadata?.name === 'string')
    return { kind: d.kind, name: d.metadata.name };
  return undefined;
}

const keyOf = (o: LoadedObject) => `${o.manifest.kind}/${o.manifest.metadata.name}`;

export function loadManifestDir(dir: string): LoadedDir {
  const result: LoadedDir = {
    objects: [],
    configMaps: new Map(),
    errors: [],
    keptUids: new Set(),
    complete: true,
  };
  if (!fs.existsSync(dir)) {
    result.errors.push({
      file: '.',
      field: '',
      reason: 'NotFound',
      message: `manifest folder ${dir} does not exist`,
    });
    result.complete = false;
    return result;
  }
  const seen = new Map<string, string>(); // kind/name → file
  for (const full of manifestFiles(dir)) {
    const file = path.relative(dir, full);
    let text: string;
    try {
      text = fs.readFileSync(full, 'utf8');
    } catch (err) {
      result.errors.push({ file, field: '', reason: 'Unreadable', message: (err as Error).message });
      result.complete = false;
      continue;
    }
    const docs = parseAllDocuments(text, { prettyErrors: true });
    const syntax = (Array.isArray(docs) ? docs : [docs]).flatMap((d) => d.errors);
    if (syntax.length > 0) {
      for (const e of syntax)
        result.errors.push({ file, field: '', reason: 'InvalidYAML', message: e.message });
      result.complete = false;
      continue;
    }
    const values = (Array.isArray(docs) ? docs : [docs])
      .map((d) => d.toJS() as unknown)
      .filter((v) => v != null);
    const fileErrors: ManifestError[] = [];
    const fileObjects: LoadedObject[] = [];
    const fileMaps: [string, Record<string, string>][] = [];
    values.forEach((doc, i) => {
      const where = values.length > 1 ? `document ${i + 1}: ` : '';
      const id = identity(doc);
      if (id && isNanoclawKind(id.kind)) result.keptUids.add(embeddedUid(id.kind, id.name));
      const fail = (field: string, message: string) =>
        fileErrors.push({ file, field, reason: 'Invalid', message: `${where}${message}` });
      if (id?.kind === 'ConfigMap') {
        const cm = ConfigMap.safeParse(doc);
        if (!cm.success) for (const e of issuesToErrors(cm.error.issues)) fail(e.field, e.message);
        else fileMaps.push([cm.data.metadata.name, cm.data.data ?? {}]);
        return;
      }
      const parsed = parseManifest(doc);
      if (!parsed.ok) {
        for (const e of parsed.errors) fail(e.field, e.message);
        return;
      }
      const key = `${parsed.manifest.kind}/${parsed.manifest.metadata.name}`;
      const first = seen.get(key) ?? (fileObjects.some((o) => keyOf(o) === key) ? file : undefined);
      if (first) {
        fail('metadata.name', `${key} is already defined in ${first}`);
        return;
      }
      fileObjects.push({
        file,
        uid: embeddedUid(parsed.manifest.kind, parsed.manifest.metadata.name),
        manifest: parsed.manifest,
      });
    });
    if (fileErrors.length > 0) {
      result.errors.push(...fileErrors);
      continue;
    }
    for (const o of fileObjects) seen.set(keyOf(o), file);
    result.objects.push(...fileObjects);
    for (const [name, data] of fileMaps) result.configMaps.set(name, data);
  }
  return result;
}
