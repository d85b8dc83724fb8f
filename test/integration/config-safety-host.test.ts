import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { ChatStream, send } from '../support/web-client.js';

const home = tempDir('nc-config-safety-');
const dataDir = path.join(home, 'data');
const configDir = path.join(home, 'nanoclaw.d');
const hosts: HostProcess[] = [];
const streams: ChatStream[] = [];

const start = async () => {
  const host = await startHostProcess({
    dataDir,
    verb: 'start',
    env: { NANOCLAW_CONFIG_DIR: configDir, LOG_LEVEL: 'info' },
  });
  hosts.push(host);
  await host.waitForLog((l) => l.msg === 'host ready');
  return host;
};

async function answers(host: HostProcess, text: string): Promise<void> {
  const chat = new ChatStream(host.url);
  streams.push(chat);
  await chat.opened();
  await send(host.url, { text });
  await chat.waitFor((r) => r.text === `Mock response to: ${text}`, 20_000);
}

afterAll(async () => {
  for (const s of streams) s.close();
  for (const h of hosts) await h.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

function aliasBomb(refs: number): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: bomb }', 'x: &a [1, 2, 3]', 'data:'];
  for (let i = 0; i < refs; i++) lines.push(`  k${i}: *a`);
  return lines.join('\n') + '\n';
}

describe('the embedded host with bad configuration files', () => {
  it('starts with the other files applied when one has too many YAML aliases, naming the file', async () => {
    const first = await start(); // seeds example.yaml
    expect(await first.stop()).toBe(0);
    fs.writeFileSync(path.join(configDir, 'bomb.yaml'), aliasBomb(150));
    const host = await start();
    expect(host.output.some((l) => l.startsWith('nanoclaw: bomb.yaml:') && /alias/.test(l))).toBe(true);
    await answers(host, 'despite the bomb');
  });

  it('keeps the agent, its chat and its session when the manifest file is emptied', async () => {
    const host = hosts.at(-1)!;
    fs.writeFileSync(path.join(configDir, 'example.yaml'), '');
    await host.waitForLog((l) => l.reason === 'EmptyFile' && l.file === 'example.yaml', 15_000);
    await answers(host, 'still wired');
  });
});
