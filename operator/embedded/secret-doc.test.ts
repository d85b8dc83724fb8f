import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadManifestDir } from './load.js';
import { SecretDoc, secretValues } from './secret-doc.js';

const dirs: string[] = [];
function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-secret-doc-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const AGENT = `apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata: { name: assistant }
spec: {}
`;

describe('kind: Secret documents in the manifest folder', () => {
  it('decodes data and lets stringData win for the same key, as the API server merges them', () => {
    const doc = SecretDoc.parse({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: Buffer.from('from-data').toString('base64'), b: Buffer.from('old').toString('base64') },
      stringData: { b: 'new' },
    });
    expect(Object.fromEntries(secretValues(doc))).toEqual({ a: 'from-data', b: 'new' });
  });

  it('loads a folder with a Secret next to the other objects, keeping no value in the result', async () => {
    const dir = folder({
      'all.yaml': `${AGENT}---\napiVersion: v1\nkind: Secret\nmetadata: { name: creds }\nstringData: { token: do-not-keep-me }\n`,
    });
    const loaded = await loadManifestDir(dir);
    expect(loaded.errors).toEqual([]);
    expect(loaded.objects.map((o) => o.manifest.kind)).toEqual(['AgentGroup']);
    expect(JSON.stringify({ ...loaded, configMaps: [...loaded.configMaps] })).not.toContain('do-not-keep-me');
  });

  it('refuses a file with a bad Secret naming the field, never the value, and applies nothing of that file', async () => {
    const dir = folder({
      'all.yaml': `${AGENT}---\napiVersion: v1\nkind: Secret\nmetadata: { name: creds }\ndata: { token: "not base64 but secret!" }\n`,
    });
    const loaded = await loadManifestDir(dir);
    expect(loaded.objects).toEqual([]);
    expect(loaded.errors).toEqual([
      expect.objectContaining({ file: 'all.yaml', field: 'data.token', reason: 'Invalid' }),
    ]);
    expect(JSON.stringify(loaded.errors)).not.toContain('not base64 but secret');
  });
});
