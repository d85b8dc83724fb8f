/**
 * Secret values for remote MCP headers in the embedded mode: `kind: Secret` documents of the manifest folder,
 * read when the host forwards a call. One folder is one namespace (as for the loader), so the namespace is not
 * looked at.
 *
 * Invariants (see host/mcp/secret-source.ts):
 * - Values are kept in memory only, per file and only until the file changes (size or mtime), so an edited
 *   Secret applies to the next call and an unchanged folder is not parsed again for every call.
 * - Files the loader would refuse (too large, not YAML, an invalid Secret document) contribute no Secret; errors
 *   name the Secret and the key, never a value.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SecretUnavailable, type SecretSource } from '../host/mcp/secret-source.js';
import { manifestFiles, MAX_MANIFEST_BYTES } from '../operator/embedded/load.js';
import { SecretDoc, secretValues } from '../operator/embedded/secret-doc.js';
import { parseYamlOffThread } from '../operator/embedded/yaml-worker.js';

interface FileSecrets {
  stamp: string;
  secrets: Map<string, Map<string, string>>;
}

export function manifestSecrets(dir: string): SecretSource {
  const cache = new Map<string, FileSecrets>();

  const refresh = async (): Promise<FileSecrets[]> => {
    const files = fs.existsSync(dir) ? manifestFiles(dir) : [];
    const stale: { file: string; stamp: string }[] = [];
    for (const file of files) {
      const st = await fs.promises.stat(file).catch(() => undefined);
      if (!st || st.size > MAX_MANIFEST_BYTES) {
        cache.delete(file);
        continue;
      }
      const stamp = `${st.size}:${st.mtimeMs}`;
      if (cache.get(file)?.stamp !== stamp) stale.push({ file, stamp });
    }
    for (const known of [...cache.keys()]) if (!files.includes(known)) cache.delete(known);
    if (stale.length) {
      const texts = await Promise.all(stale.map((f) => fs.promises.readFile(f.file, 'utf8').catch(() => '')));
      const parsed = await parseYamlOffThread(texts);
      stale.forEach(({ file, stamp }, i) => {
        const secrets = new Map<string, Map<string, string>>();
        const result = parsed[i]!;
        if (result.ok)
          for (const doc of result.docs) {
            const s = SecretDoc.safeParse(doc);
            if (s.success) secrets.set(s.data.metadata.name, secretValues(s.data));
          }
        cache.set(file, { stamp, secrets });
      });
    }
    return files.map((f) => cache.get(f)).filter((f): f is FileSecrets => f !== undefined);
  };

  return {
    async read(_namespace, name, key) {
      const where = `Secret "${name}" in ${path.basename(dir)}/`;
      const found = (await refresh()).find((f) => f.secrets.has(name))?.secrets.get(name);
      if (!found) throw new SecretUnavailable(`${where} not found`);
      const value = found.get(key);
      if (value === undefined) throw new SecretUnavailable(`${where} has no key "${key}"`);
      return value;
    },
  };
}
