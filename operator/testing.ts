/**
 * Test helpers for the operator's unit tests: parse a manifest with the real loader schema and project it with a
 * chosen uid/generation, as the Kubernetes operator would.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CentralDb } from '../host/db/central-db.js';
import { parseManifest } from './api/v1alpha1/parse.js';
import { projectObject, type ProjectOptions } from './projection/project.js';
import type { ObjectName, Outcome } from './projection/types.js';

export interface Projector {
  dataDir: string;
  live: Map<string, ObjectName>;
  opts: ProjectOptions;
  /** Projects a manifest as object `uid` at `generation` (null = embedded-style derived generation). */
  apply(
    manifest: Record<string, unknown>,
    uid: string,
    generation?: number | null,
    namespace?: string,
  ): Outcome;
  setConfigMap(namespace: string, name: string, data: Record<string, string> | undefined): void;
  cleanup(): void;
}

/** `globalGrantNamespaces` default: the namespace `apply` uses by default. */
export function projector(
  db: CentralDb,
  multiNamespace = false,
  globalGrantNamespaces: string[] = ['default'],
): Projector {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-op-'));
  const live = new Map<string, ObjectName>();
  const configMaps = new Map<string, Record<string, string>>();
  const opts: ProjectOptions = {
    dataDir,
    multiNamespace,
    globalGrantNamespaces: new Set(globalGrantNamespaces),
    isLive: (uid) => live.has(uid),
    lookup: (uid) => live.get(uid),
    configMaps: (ns, name) => configMaps.get(`${ns}/${name}`),
  };
  return {
    dataDir,
    live,
    opts,
    apply(manifest, uid, generation = 1, namespace = 'default') {
      const parsed = parseManifest(manifest);
      if (!parsed.ok) throw new Error(`invalid test manifest: ${JSON.stringify(parsed.errors)}`);
      const { kind, metadata, spec } = parsed.manifest;
      live.set(uid, { kind, namespace, name: metadata.name });
      const ref = { kind, namespace, name: metadata.name, uid, generation };
      return projectObject(db, ref, { kind, spec } as Parameters<typeof projectObject>[2], opts);
    },
    setConfigMap(namespace, name, data) {
      if (data) configMaps.set(`${namespace}/${name}`, data);
      else configMaps.delete(`${namespace}/${name}`);
    },
    cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
