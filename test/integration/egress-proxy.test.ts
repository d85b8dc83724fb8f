/**
 * An agent group with spec.egress, through the real host process and a real runner in the bubblewrap sandbox
 * (no network of its own: HTTPS_PROXY goes through its socket bridge to the host's runner port). The agent's
 * shell ([[shell:…]] of the mock provider) runs curl, which tunnels with CONNECT to local target servers that
 * stand in for internet hosts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentShell, seedShellAgent } from '../support/agent-shell.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';

let host: HostProcess;
let sh: AgentShell;
let dataDir: string;
const targets: http.Server[] = [];

/** A plain-http target, or an https one with `tls` (a self-signed certificate for localhost). */
async function target(text: string, tls?: { key: string; cert: string }): Promise<number> {
  const reply = (_req: http.IncomingMessage, res: http.ServerResponse) => res.end(text);
  const server = tls ? https.createServer(tls, reply) : http.createServer(reply);
  targets.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

let allowed: number;
let other: number;
let secure: number;

/** A key and self-signed certificate for localhost; the certificate is also the agent's CA file. */
function localhostCert(dir: string): { key: string; cert: string } {
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
}

beforeAll(async () => {
  dataDir = tempDir('nc-egress-');
  const tls = localhostCert(dataDir);
  allowed = await target('hello from the allowed target');
  other = await target('nobody should read this');
  secure = await target('hello over TLS', tls);
  seedShellAgent(dataDir, ['main'], [{ host: 'localhost', ports: [allowed, secure] }]);
  fs.mkdirSync(path.join(dataDir, 'groups', 'assistant'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'groups', 'assistant', 'ca.pem'), tls.cert);
  host = await startHostProcess({ dataDir, env: { NANOCLAW_SANDBOX: 'bubblewrap' } });
  sh = new AgentShell(() => host.url, dataDir);
}, 30_000);

afterAll(async () => {
  sh?.close();
  expect(await host?.stop()).toBe(0);
  for (const t of targets) t.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** curl through the runner's proxy variables (localhost is in NO_PROXY, so --noproxy '' sends it to the proxy). */
const curl = (url: string, extra = '') =>
  sh.run(`curl -sS --noproxy '' --proxytunnel ${extra} ${url} 2>&1 | grep -v '^[*>{}]' | tr -d '\\r'`);

describe('a sandboxed runner of an agent group with spec.egress', () => {
  it('gets HTTPS_PROXY at its own loopback bridge with the session token, and the host and loopback in NO_PROXY', async () => {
    const out = await sh.run('echo "$HTTPS_PROXY" | sed "s/nct_[A-Za-z0-9_-]*/TOKEN/"; echo "$NO_PROXY"');
    expect(out).toMatch(
      /^\[shell exit 0\] http:\/\/nanoclaw:TOKEN@127\.0\.0\.1:\d+\n127\.0\.0\.1,localhost,::1$/,
    );
  });

  it('reaches an allowed host:port through a CONNECT tunnel', async () => {
    expect(await curl(`http://localhost:${allowed}/`)).toBe('[shell exit 0] hello from the allowed target');
  });

  it('talks TLS with an allowed https host end to end: the tunnel carries the target’s own certificate', async () => {
    expect(await curl(`https://localhost:${secure}/`, '--cacert ca.pem')).toBe(
      '[shell exit 0] hello over TLS',
    );
  });

  it('is refused another port of an allowed host, and sees why', async () => {
    const out = await curl(`http://localhost:${other}/`, '-v');
    expect(out).toContain(
      `< HTTP/1.1 403 egress refused: port ${other} is not allowed for localhost (spec.egress localhost: ports ${allowed}, ${secure})`,
    );
    expect(out).not.toContain('nobody should read this');
  });

  it('is refused a host outside the list, and the host logs and counts it without the token', async () => {
    const out = await curl('https://api.github.com/', '-v');
    expect(out).toContain(
      "< HTTP/1.1 403 egress refused: api.github.com is not in this agent group's spec.egress",
    );
    const warn = await host.waitForLog(
      (l) => l.msg === 'egress refused' && l.target === 'api.github.com:443',
    );
    expect(warn).toMatchObject({ agentGroupId: 'assistant', status: 403 });
    expect(JSON.stringify(host.logs)).not.toMatch(/nct_[A-Za-z0-9_-]{20,}/);
    const metrics = await (await fetch(new URL('/metrics', host.url))).text();
    expect(metrics).toMatch(/^nanoclaw_egress_refused_total\{agent_group="assistant"\} 2$/m);
    expect(metrics).toMatch(/^nanoclaw_egress_tunnels_total\{agent_group="assistant"\} 2$/m);
  });

  it('is refused (407) when it leaves out the proxy credentials', async () => {
    const out = await sh.run(
      `curl -sS -v --noproxy '' --proxytunnel --proxy "http://\${HTTPS_PROXY#*@}" http://localhost:${allowed}/ 2>&1 | grep '^< HTTP' | tr -d '\\r'`,
    );
    expect(out).toBe(
      '[shell exit 0] < HTTP/1.1 407 egress refused: proxy credentials missing or not a live session token',
    );
  });
});
