/**
 * Credentials per egress destination (spec.egress[].headers) through the whole embedded path: manifests with a
 * `kind: Secret` in the config folder → a sandboxed runner (no network of its own) whose shell runs curl with
 * its HTTP_PROXY → `GET http://localhost:<port>/…` to the host's egress proxy → the host adds the header, the
 * Secret's value read from the folder now, and speaks https to a local target whose self-signed certificate it
 * trusts only through NODE_EXTRA_CA_CERTS. A second target with a certificate nobody trusts stands for a
 * man in the middle.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentShell } from '../support/agent-shell.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';

const FIRST_KEY = 'egress-key-9c41d2e07fa3-held-only-by-the-host';
const ROTATED_KEY = 'egress-key-rotated-5b7e19aa40c2d6-only-the-host';
const MAX_BODY = 8192;

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
}

let host: HostProcess;
let sh: AgentShell;
let home: string;
let manifestFile: string;
let trusted: number;
let untrusted: number;
const seen: Seen[] = [];
const servers: https.Server[] = [];

/** A key and self-signed certificate for localhost. */
function localhostCert(dir: string, name: string): { key: string; cert: string; certFile: string } {
  const [key, cert] = [path.join(dir, `${name}-key.pem`), path.join(dir, `${name}-cert.pem`)];
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
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8'), certFile: cert };
}

/** An https target that records what it was sent and answers without echoing any header. */
async function target(tls: { key: string; cert: string }): Promise<number> {
  const server = https.createServer(tls, (req, res) => {
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => (bodyBytes += c.length));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, bodyBytes });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-target': 'yes' });
      res.end(`target got ${req.method} ${req.url} (${bodyBytes} bytes)`);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const manifests = (key: string, secretRef = 'example-api') => `apiVersion: v1
kind: Secret
metadata: { name: example-api }
stringData:
  key: ${key}
---
apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata: { name: assistant }
spec:
  provider: mock
  runner:
    env: [{ name: MOCK_PROVIDER_SHELL, value: "1" }]
  egress:
    - host: localhost
      ports: [${trusted}, ${untrusted}]
      headers:
        - { name: X-Api-Key, valueFrom: { secretKeyRef: { name: ${secretRef}, key: key } } }
        - { name: X-Org, value: nanoclaw-tests }
---
apiVersion: nanoclaw.dev/v1alpha1
kind: MessagingGroup
metadata: { name: web-main }
spec:
  channel: web
  platformId: main
  agents: [{ agentGroup: assistant, engage: { mode: pattern, pattern: "." } }]
---
apiVersion: nanoclaw.dev/v1alpha1
kind: UserRole
metadata: { name: local-owner }
spec: { user: "web:local", role: owner }
`;

beforeAll(async () => {
  home = tempDir('nc-egress-cred-');
  const good = localhostCert(home, 'trusted');
  const bad = localhostCert(home, 'untrusted');
  trusted = await target(good);
  untrusted = await target(bad);
  const configDir = path.join(home, 'nanoclaw.d');
  fs.mkdirSync(configDir);
  manifestFile = path.join(configDir, 'agents.yaml');
  fs.writeFileSync(manifestFile, manifests(FIRST_KEY));
  host = await startHostProcess({
    dataDir: path.join(home, 'data'),
    verb: 'start',
    env: {
      NANOCLAW_CONFIG_DIR: configDir,
      NANOCLAW_SANDBOX: 'bubblewrap',
      NANOCLAW_PROXY_MAX_BODY_BYTES: String(MAX_BODY),
      NODE_EXTRA_CA_CERTS: good.certFile,
    },
  });
  sh = new AgentShell(() => host.url, path.join(home, 'data'));
}, 60_000);

afterAll(async () => {
  sh?.close();
  expect(await host?.stop()).toBe(0);
  for (const s of servers) s.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** curl through the runner's HTTP_PROXY (localhost is in NO_PROXY, so --noproxy '' sends it to the proxy). */
const curl = (url: string, extra = '') =>
  sh.run(`curl -sS --noproxy '' -w ' [%{http_code}]' ${extra} '${url}' 2>&1 | tr -d '\\r'`);

describe('an egress destination with headers', () => {
  it('is reached as http://…: the host adds the Secret header over TLS, the runner never sees it', async () => {
    const out = await curl(`http://localhost:${trusted}/v1/items?q=a`, '-H "X-Api-Key: forged"');
    expect(out).toBe('[shell exit 0] target got GET /v1/items?q=a (0 bytes) [200]');
    const call = seen.at(-1)!;
    expect(call.headers['x-api-key']).toBe(FIRST_KEY);
    expect(call.headers['x-org']).toBe('nanoclaw-tests');
    expect(call.headers.host).toBe(`localhost:${trusted}`);
    expect(call.headers['proxy-authorization']).toBeUndefined();
    expect(JSON.stringify(call.headers)).not.toMatch(/nct_/);
    const env = await sh.run(`env | grep -c '${FIRST_KEY}' || true`);
    expect(env).toBe('[shell exit 0] 0');
  });

  it('streams a request body up to NANOCLAW_PROXY_MAX_BODY_BYTES and refuses a larger one, chunked or not', async () => {
    const ok = await curl(`http://localhost:${trusted}/upload`, `--data-binary @- < /dev/null`);
    expect(ok).toBe('[shell exit 0] target got POST /upload (0 bytes) [200]');
    const sized = await sh.run(
      `head -c 5000 /dev/zero | curl -sS --noproxy '' -w ' [%{http_code}]' --data-binary @- http://localhost:${trusted}/upload 2>&1 | tr -d '\\r'`,
    );
    expect(sized).toBe('[shell exit 0] target got POST /upload (5000 bytes) [200]');
    const big = await sh.run(
      `head -c ${MAX_BODY + 1} /dev/zero | curl -sS --noproxy '' -w ' [%{http_code}]' --data-binary @- http://localhost:${trusted}/big 2>&1 | tr -d '\\r'`,
    );
    expect(big).toBe(
      `[shell exit 0] egress refused: request body over the limit of ${MAX_BODY} bytes\n [413]`,
    );
    const chunked = await sh.run(
      `head -c ${MAX_BODY + 1} /dev/zero | curl -sS --noproxy '' -w ' [%{http_code}]' -H 'Transfer-Encoding: chunked' --data-binary @- http://localhost:${trusted}/big 2>&1 | tr -d '\\r'`,
    );
    expect(chunked).toBe(
      `[shell exit 0] egress refused: request body over the limit of ${MAX_BODY} bytes\n [413]`,
    );
    expect(seen.some((s) => s.url === '/big')).toBe(false);
  });

  it('refuses a CONNECT tunnel to it, saying to call it over http://', async () => {
    const out = await sh.run(
      `curl -sS -v --noproxy '' https://localhost:${trusted}/ 2>&1 | grep '^< HTTP' | tr -d '\\r'`,
    );
    expect(out).toBe(
      `[shell exit 0] < HTTP/1.1 403 egress refused: localhost gets its credentials from the host: call http://localhost:${trusted}/… through the proxy (not https), so the host adds them and speaks https itself`,
    );
  });

  it('never sends the credentials to a target whose certificate the host does not trust', async () => {
    const before = seen.length;
    const out = await curl(`http://localhost:${untrusted}/`);
    expect(out).toMatch(
      new RegExp(
        `^\\[shell exit 0\\] egress refused: localhost:${untrusted}: TLS with the host failed \\((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\\)\\n \\[502\\]$`,
      ),
    );
    expect(seen.length).toBe(before);
  });

  it('applies a rotated Secret to the next call', async () => {
    fs.writeFileSync(manifestFile, manifests(ROTATED_KEY));
    expect(await curl(`http://localhost:${trusted}/again`)).toBe(
      '[shell exit 0] target got GET /again (0 bytes) [200]',
    );
    expect(seen.at(-1)!.headers['x-api-key']).toBe(ROTATED_KEY);
  });

  it('answers 502 naming the header and the Secret when the Secret is missing, and reaches nothing', async () => {
    fs.writeFileSync(manifestFile, manifests(ROTATED_KEY, 'absent'));
    const expected =
      '[shell exit 0] egress refused: header X-Api-Key: Secret "absent" in nanoclaw.d/ not found\n [502]';
    // The changed AgentGroup applies once the embedded operator has projected it.
    let out = '';
    for (let i = 0; i < 40 && out !== expected; i++) {
      if (i) await new Promise((r) => setTimeout(r, 250));
      out = await curl(`http://localhost:${trusted}/missing`);
    }
    expect(out).toBe(expected);
    const before = seen.length;
    expect(await curl(`http://localhost:${trusted}/missing`)).toBe(expected);
    expect(seen.length).toBe(before);
  });

  it('keeps the header values out of the logs and the metrics, and counts forwarded requests', async () => {
    const text = JSON.stringify(host.logs) + host.output.join('\n');
    expect(text).not.toContain(FIRST_KEY);
    expect(text).not.toContain(ROTATED_KEY);
    expect(text).not.toMatch(/nct_[A-Za-z0-9_-]{20,}/);
    const refused = await host.waitForLog(
      (l) => l.msg === 'egress refused' && l.status === 502 && l.target === `localhost:${trusted}`,
    );
    expect(refused).toMatchObject({ agentGroupId: 'assistant', method: 'GET' });
    expect(JSON.stringify(refused)).not.toContain('/missing');
    const metrics = await (await fetch(new URL('/metrics', host.url))).text();
    expect(metrics).not.toContain(ROTATED_KEY);
    expect(metrics).toMatch(/^nanoclaw_egress_requests_total\{agent_group="assistant"\} \d+$/m);
    expect(metrics).toMatch(/^nanoclaw_egress_refused_total\{agent_group="assistant"\} \d+$/m);
  });
});
