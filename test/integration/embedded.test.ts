import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { ChatStream, send } from '../support/web-client.js';

let host: HostProcess;
let home: string;
let configDir: string;
const streams: ChatStream[] = [];

beforeAll(async () => {
  home = tempDir('nc-start-');
  configDir = path.join(home, 'nanoclaw.d');
  host = await startHostProcess({
    dataDir: path.join(home, 'data'),
    verb: 'start',
    env: { NANOCLAW_CONFIG_DIR: configDir, LOG_LEVEL: 'info' },
  });
});

afterAll(async () => {
  for (const s of streams) s.close();
  expect(await host?.stop()).toBe(0);
});

describe('nanoclaw start on a fresh machine', () => {
  it('seeds a working example and answers the local user on the web chat', async () => {
    expect(fs.readFileSync(path.join(configDir, 'example.yaml'), 'utf8')).toContain('kind: AgentGroup');
    const chat = new ChatStream(host.url);
    streams.push(chat);
    await chat.opened();
    await send(host.url, { text: 'first words' });
    await chat.waitFor((r) => r.text === 'Mock response to: first words', 20_000);
    await host.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('runs the mock provider'));
  });

  it('refuses a second start on the same data dir at once, naming the running host, and keeps the first', async () => {
    const second = spawnSync(process.execPath, [CLI, 'start'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        NANOCLAW_DATA_DIR: path.join(home, 'data'),
        NANOCLAW_CONFIG_DIR: configDir,
        NANOCLAW_PORT: '0',
      },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(
      `a host is already running on ${path.join(home, 'data')} (pid ${host.proc.pid}`,
    );
    expect(second.stderr).toContain(host.url);
    const chat = new ChatStream(host.url);
    streams.push(chat);
    await chat.opened();
    await send(host.url, { text: 'still here' });
    await chat.waitFor((r) => r.text === 'Mock response to: still here', 20_000);
  });

  it('reports an invalid manifest with file, field and reason, and applies nothing from it', async () => {
    fs.writeFileSync(
      path.join(configDir, 'bad.yaml'),
      [
        'apiVersion: nanoclaw.dev/v1alpha1',
        'kind: UserRole',
        'metadata: { name: bad-owner }',
        'spec: { user: "web:mallory", role: owner, agentGroup: assistant }',
        '---',
        'apiVersion: nanoclaw.dev/v1alpha1',
        'kind: MessagingGroup',
        'metadata: { name: sneaky }',
        'spec: { channel: web, platformId: sneaky, agents: [{ agentGroup: assistant, engage: { mode: pattern, pattern: "." } }] }',
        '',
      ].join('\n'),
    );
    const line = await waitForOutput((l) => l.startsWith('nanoclaw: bad.yaml') && l.includes('agentGroup'));
    expect(line).toMatch(/^nanoclaw: bad\.yaml: spec(\.agentGroup)?: /);
    const r = await send(host.url, { chat: 'sneaky', text: 'hi' });
    expect(r.delivered).toBe(0);
  });

  it('applies a valid manifest added while it runs', async () => {
    fs.writeFileSync(
      path.join(configDir, 'ops.yaml'),
      [
        'apiVersion: nanoclaw.dev/v1alpha1',
        'kind: MessagingGroup',
        'metadata: { name: ops }',
        'spec: { channel: web, platformId: ops, agents: [{ agentGroup: assistant, engage: { mode: pattern, pattern: "." } }] }',
        '',
      ].join('\n'),
    );
    const ops = new ChatStream(host.url, 'ops');
    streams.push(ops);
    await ops.opened();
    await expect
      .poll(async () => (await send(host.url, { chat: 'ops', text: 'ops check' })).delivered, {
        timeout: 10_000,
      })
      .toBe(1);
    await ops.waitFor((r) => r.text === 'Mock response to: ops check', 20_000);
  });
});

describe('bad configuration', () => {
  it('fails fast naming the variable', () => {
    const r = spawnSync(process.execPath, [CLI, 'host'], {
      env: { PATH: process.env.PATH, NANOCLAW_PORT: 'eighty', NANOCLAW_DATA_DIR: tempDir() },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/NANOCLAW_PORT/);
  });

  it('refuses a non-loopback web chat without a token', () => {
    const r = spawnSync(process.execPath, [CLI, 'host'], {
      env: { PATH: process.env.PATH, NANOCLAW_BIND: '0.0.0.0', NANOCLAW_DATA_DIR: tempDir() },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/NANOCLAW_WEB_TOKEN/);
  });

  it.each(['start', 'host', 'operator', 'chat', 'web-token'])('prints help for %s', (verb) => {
    const r = spawnSync(process.execPath, [CLI, verb, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Usage: nanoclaw ${verb}`));
  });

  it('rejects an unknown command with usage', () => {
    const r = spawnSync(process.execPath, [CLI, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });
});

function waitForOutput(pred: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
  return expect
    .poll(() => host.output.find(pred), { timeout: timeoutMs, interval: 100 })
    .toBeDefined()
    .then(() => host.output.find(pred)!);
}
