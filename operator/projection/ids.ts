/**
 * Row ids and folders of projected objects. One namespace watched: the object's name and its folder as given.
 * Several: ids are `<namespace>/<name>` and folders `<namespace>-<folder>`, so two namespaces never share an agent
 * group or a directory by accident.
 *
 * Invariant: a projected folder is a DNS label (≤ 63 characters) — it is a path segment and a pod label value.
 * `<namespace>-<folder>` longer than that becomes its first 52 characters (trailing '-' dropped), '-', and 10 hex
 * characters of sha256("<namespace>/<folder>"): deterministic, so every resync computes the same folder.
 */
import { createHash } from 'node:crypto';

export interface IdScope {
  multiNamespace: boolean;
}

const LABEL_MAX = 63;
const HASH_CHARS = 10;

export function projectedId(namespace: string, name: string, scope: IdScope): string {
  return scope.multiNamespace ? `${namespace}/${name}` : name;
}

export function projectedFolder(namespace: string, folder: string, scope: IdScope): string {
  if (!scope.multiNamespace) return folder;
  const full = `${namespace}-${folder}`;
  if (full.length <= LABEL_MAX) return full;
  const hash = createHash('sha256').update(`${namespace}/${folder}`).digest('hex').slice(0, HASH_CHARS);
  return `${full.slice(0, LABEL_MAX - HASH_CHARS - 1).replace(/-+$/, '')}-${hash}`;
}
