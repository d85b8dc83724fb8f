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
 * - A half-written file never deletes anything. A file modified less than `settleMs` ago (an editor or a copy may
 *   still be writing it) is not read this round; a file larger than MAX_MANIFEST_BYTES, with more than
 *   MAX_ALIASES alias references, or with no document at all is an error. Each of these makes `complete` false.
 *   Only a file that says it is empty on purpose — a line `# empty` and no document — holds no objects.
 * - YAML is parsed off the event loop (yaml-worker.ts).
 * - `kind: Secret` documents are validated (secret-doc.ts) and otherwise ignored: their values never enter the
 *   result; the host reads them itself when it needs one (cli/manifest-secrets.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DNS_SUBDOMAIN_PATTERN } from '../api/v1alpha1/common.js';
import { issuesToErrors, isNanoclawKind, parseManifest, type ParsedManifest } from '../api/v1alpha1/parse.js';
import { SecretDoc } from './secret-doc.js';
import { parseYamlOffThread } from './yaml-worker.js';

/** Far above any real manifest (a few KiB); bounds the memory a stray file costs. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** The line that marks a file as empty on purpose (its objects are then removed). */
const EMPTY_MARKER = '# empty';

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
  /** Files left for a later round because they changed less than `settleMs` ago. */
  unsettled: string[];
}

export interface LoadOptions {
  /** A file modified more recently than this is not read yet (default 0: read everything). */
  settleMs?: number;
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

/** The manifest files of a folder (`*.yaml`, `*.yml`, not hidden), sorted, recursively. */
export function manifestFiles(dir: string): string[] {
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

interface FileText {
  file: string;
  text: string;
}

/** Reads every manifest file that is settled and within the size cap; the others are reported in `result`. */
function readFiles(dir: string, result: LoadedDir, settleMs: number): FileText[] {
  const out: FileText[] = [];
  const now = Date.now();
  for (const full of manifestFiles(dir)) {
    const file = path.relative(dir, full);
    const fail = (reason: string, message: string) => {
      result.errors.push({ file, field: '', reason, message });
      result.complete = false;
    };
    try {
      const st = fs.statSync(full);
      if (settleMs > 0 && now - st.mtimeMs < settleMs) {
        result.unsettled.push(file);
        result.complete = false;
        continue;
      }
      if (st.size > MAX_MANIFEST_BYTES) {
        fail('TooLarge', `${st.size} bytes; a manifest file may have at most ${MAX_MANIFEST_BYTES}`);
        continue;
      }
      out.push({ file, text: fs.readFileSync(full, 'utf8') });
    } catch (err) {
      fail('Unreadable', (err as Error).message);
    }
  }
  return out;
}

const isEmptyOnPurpose = (text: string) => text.split(/\r?\n/).some((l) => l.trim() === EMPTY_MARKER);

export async function loadManifestDir(dir: string, opts: LoadOptions = {}): Promise<LoadedDir> {
  const result: LoadedDir = {
    objects: [],
    configMaps: new Map(),
    errors: [],
    keptUids: new Set(),
    complete: true,
    unsettled: [],
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
  const files = readFiles(dir, result, opts.settleMs ?? 0);
  const yamlResults = await parseYamlOffThread(files.map((f) => f.text));
  const seen = new Map<string, string>(); // kind/name → file
  files.forEach(({ file, text }, n) => {
    const yaml = yamlResults[n]!;
    if (!yaml.ok) {
      for (const message of yaml.errors)
        result.errors.push({ file, field: '', reason: yaml.reason, message });
      result.complete = false;
      return;
    }
    const values = yaml.docs.filter((v) => v != null);
    if (values.length === 0 && !isEmptyOnPurpose(text)) {
      result.errors.push({
        file,
        field: '',
        reason: 'EmptyFile',
        message: `no document: treated as half-written, nothing removed; delete the file or write a line "${EMPTY_MARKER}" to remove what it held`,
      });
      result.complete = false;
      return;
    }
    const fileErrors: ManifestError[] = [];
    const fileObjects: LoadedObject[] = [];
    const fileMaps: [string, Record<string, string>][] = [];
    values.forEach((doc, i) => {
      const where = values.length > 1 ? `document ${i + 1}: ` : '';
      const id = identity(doc);
      if (id && isNanoclawKind(id.kind)) result.keptUids.add(embeddedUid(id.kind, id.name));
      const fail = (field: string, message: string) =>
        fileErrors.push({ file, field, reason: 'Invalid', message: `${where}${message}` });
      if (id?.kind === 'Secret') {
        // Read by the host when it forwards a remote MCP call (manifest-secrets.ts); only checked here.
        const secret = SecretDoc.safeParse(doc);
        if (!secret.success) for (const e of issuesToErrors(secret.error.issues)) fail(e.field, e.message);
        return;
      }
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
      return;
    }
    for (const o of fileObjects) seen.set(keyOf(o), file);
    result.objects.push(...fileObjects);
    for (const [name, data] of fileMaps) result.configMaps.set(name, data);
  });
  return result;
}
