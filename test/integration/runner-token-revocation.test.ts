/**
 * A session token works only while its runner runs: once the runtime reports the runner gone — stopped by the
 * sweep as idle, or dead on its own — the token gets 401 from the credential proxy and the notification channel.
 * Real host process, real runners (mock provider), a recording server as the model API upstream.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_CHANNEL_PATH } from '../../protocol/env.js';
import { freePort } from '../fixtures/kube/processes.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { rawRequest } from '../support/raw-request.js';
import { RecordingServer } from '../support/recording-server.js';
import { seedWeb } from '../support/seed.js';
import { ChatStream, send } from '../support/web-client.js';

let upstream: RecordingServer;
let host: HostProcess;
let chat: ChatStream;
/** The host's runner port (set, so the test knows it: sandboxed runners only have a socket path in their env). */
let runnerUrl: string;

beforeAll(async () => {
  upstream = await RecordingServer.start();
  const dataDir = tempDir();
  seedWeb(dataDir);
  const runnerPort = await freePort();
  runnerUrl = `http://127.0.0.1:${runnerPort}`;
  host = await startHostProcess({
    dataDir,
    env: {
      ANTHROPIC_API_KEY: 'sk-ant-api03-the-real-key-held-only-by-the-host',
      ANTHROPIC_BASE_URL: upstream.url,
      NANOCLAW_IDLE_TIMEOUT_SECONDS: '5',
      NANOCLAW_RUNNER_PORT: String(runnerPort),
    },
  });
  chat = new ChatStream(host.url);
  await chat.opened();
}, 60_000);

afterAll(async () => {
  chat?.close();
  await host?.stop();
  await upstream?.close();
});

interface Runner {
  pid: number;
  token: string;
}

/** The newest runner: its pid (from the host's log) and session token (from its environment). */
function currentRunner(): Runner {
  const started = host.logs.filter((l) => l.msg === 'runner started').pop()!;
  const pid = started.pid as number;
  const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const value = (name: string): string => env.find((e) => e.startsWith(`${name}=`))!.slice(name.length + 1);
  return { pid, token: value('NANOCLAW_SESSION_TOKEN') };
}

function modelCall(r: Runner): Promise<number> {
  return rawRequest({
    base: runnerUrl,
    method: 'POST',
    target: '/proxy/anthropic/v1/messages',
    headers: { 'x-api-key': r.token, 'content-type': 'application/json' },
    body: '{}',
  }).then((res) => res.status);
}

/** The channel's status line only: a valid token would open a long-lived stream, so the request is aborted. */
async function channelStatus(r: Runner): Promise<number> {
  const abort = new AbortController();
  const res = await fetch(new URL(RUNNER_CHANNEL_PATH, runnerUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${r.token}`, 'content-type': 'application/x-ndjson' },
    body: '',
    signal: abort.signal,
  });
  abort.abort();
  return res.status;
}

async function runnerAnswering(text: string): Promise<Runner> {
  await send(host.url, { text });
  await chat.waitFor((m) => m.text.includes(text), 30_000);
  const runner = currentRunner();
  expect(await modelCall(runner)).toBe(200);
  return runner;
}

describe('session token revocation', () => {
  it('refuses the token of a runner the sweep stopped as idle', async () => {
    const runner = await runnerAnswering('first');
    await host.waitForLog((l) => l.msg === 'stopping idle runner', 30_000);
    await host.waitForLog((l) => l.msg === 'runner stopped' && l.sessionId !== undefined, 15_000);
    expect(await modelCall(runner)).toBe(401);
    expect(await channelStatus(runner)).toBe(401);
  });

  it('refuses the token of a runner that died on its own', async () => {
    const runner = await runnerAnswering('second');
    process.kill(runner.pid, 'SIGKILL');
    await host.waitForLog((l) => l.msg === 'runner exited unexpectedly', 15_000);
    expect(await modelCall(runner)).toBe(401);
    expect(await channelStatus(runner)).toBe(401);
  });
});
