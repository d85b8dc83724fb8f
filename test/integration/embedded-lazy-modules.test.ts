/**
 * An embedded host start loads no SDK it does not use — the Kubernetes client (it cost ~0.75 s of every start)
 * and the chat platforms' SDKs without a bot of theirs configured: a module resolve hook in the real
 * `nanoclaw start` process records every module of those packages that gets resolved.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHostProcess, tempDir } from '../support/host-process.js';

const dir = tempDir('nc-no-k8s-');
const record = path.join(dir, 'heavy-modules.txt');
const hook = path.join(dir, 'record-heavy.mjs');
const HEAVY = ['/@kubernetes/client-node/', '/discord.js/', '/grammy/', '/@slack/bolt/'];
fs.writeFileSync(
  hook,
  [
    "import { register } from 'node:module';",
    `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(
      [
        "import fs from 'node:fs';",
        'export async function resolve(specifier, context, next) {',
        '  const r = await next(specifier, context);',
        `  if (${JSON.stringify(HEAVY)}.some((p) => r.url.includes(p))) fs.appendFileSync(${JSON.stringify(record)}, r.url + '\\n');`,
        '  return r;',
        '}',
      ].join('\n'),
    )}));`,
  ].join('\n'),
);
const nodeOptions = `--import ${hook}`;

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('an embedded host start', () => {
  it('records the Kubernetes client and discord.js when a process does load them (the hook works)', async () => {
    const child = spawn(
      process.execPath,
      ['-e', "await import('@kubernetes/client-node'); await import('discord.js')", '--input-type=module'],
      {
        cwd: path.resolve(import.meta.dirname, '..', '..'),
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_OPTIONS: nodeOptions },
        stdio: 'ignore',
      },
    );
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    expect(fs.readFileSync(record, 'utf8')).toContain('/@kubernetes/client-node/dist/index.js');
    expect(fs.readFileSync(record, 'utf8')).toContain('/discord.js/');
    fs.rmSync(record);
  });

  it('gets ready without loading the Kubernetes client or any chat platform SDK', async () => {
    const host = await startHostProcess({
      dataDir: path.join(dir, 'data'),
      verb: 'start',
      env: { NANOCLAW_CONFIG_DIR: path.join(dir, 'nanoclaw.d'), NODE_OPTIONS: nodeOptions },
    });
    try {
      await host.waitForLog((l) => l.msg === 'host ready');
    } finally {
      expect(await host.stop()).toBe(0);
    }
    expect(fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '').toBe('');
  });
});
