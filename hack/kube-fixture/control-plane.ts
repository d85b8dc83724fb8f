/**
 * A real, throw-away Kubernetes control plane for tests and benchmarks: etcd + kube-apiserver on 127.0.0.1 with
 * a generated PKI and an admin kubeconfig, the project's CRDs installed, an optional audit log of writes.
 *
 * Invariants: everything lives in one temp directory that `stop()` removes; both processes are stopped by pid
 * (never by name); only loopback ports are used; etcd keeps its data across `restartApiserver()`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { assetsDir, repoRoot } from './assets.js';
import { makeClientCert, makePki, type Pki } from './certs.js';
import { freePort, startProcess, stopProcess, tail, waitFor, type Managed } from './processes.js';

export interface ControlPlaneOptions {
  /** Install the CRDs from this directory (default: <repo>/crds); null installs none. */
  crdsDir?: string | null;
  /** Write an audit log of create/update/patch/delete requests (see auditEvents()). */
  audit?: boolean;
}

export interface AuditEvent {
  verb: string;
  requestURI: string;
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    subresource?: string;
    apiGroup?: string;
  };
  user?: { username?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
    resources:
      - group: nanoclaw.dev
      - group: coordination.k8s.io
        resources: [leases]
      - group: ""
        resources: [events]
  - level: None
`;

export class ControlPlane {
  private etcd?: Managed;
  private apiserver?: Managed;
  readonly kubeconfigPath: string;
  readonly url: string;
  private nsCounter = 0;

  private constructor(
    readonly dir: string,
    readonly bin: string,
    private readonly pki: Pki,
    private readonly ports: { etcd: number; peer: number; api: number },
    private readonly audit: boolean,
  ) {
    this.url = `https://127.0.0.1:${ports.api}`;
    this.kubeconfigPath = path.join(dir, 'kubeconfig');
  }

  static async start(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const bin = assetsDir();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-kube-'));
    try {
      const pki = makePki(path.join(dir, 'pki'));
      const ports = { etcd: await freePort(), peer: await freePort(), api: await freePort() };
      const cp = new ControlPlane(dir, bin, pki, ports, opts.audit ?? false);
      cp.writeKubeconfig();
      await cp.startEtcd();
      await cp.startApiserver();
      const crds = opts.crdsDir === undefined ? path.join(repoRoot(), 'crds') : opts.crdsDir;
      if (crds) cp.installCrds(crds);
      return cp;
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private writeKubeconfig(): void {
    this.writeKubeconfigFile(this.kubeconfigPath, this.pki.adminCert, this.pki.adminKey);
  }

  /** A kubeconfig for a plain user (no groups unless given): what RBAC tests run as. */
  kubeconfigFor(user: string, groups: string[] = []): string {
    const [cert, key] = makeClientCert(path.join(this.dir, 'pki'), user, groups);
    const file = path.join(this.dir, `kubeconfig-${user.replace(/[^a-zA-Z0-9-]/g, '_')}`);
    this.writeKubeconfigFile(file, cert, key);
    return file;
  }

  private writeKubeconfigFile(file: string, cert: string, key: string): void {
    const b64 = (f: string) => fs.readFileSync(f).toString('base64');
    fs.writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: test',
        '    cluster:',
        `      server: ${this.url}`,
        `      certificate-authority-data: ${b64(this.pki.caCert)}`,
        'users:',
        '  - name: admin',
        '    user:',
        `      client-certificate-data: ${b64(cert)}`,
        `      client-key-data: ${b64(key)}`,
        'contexts:',
        '  - name: test',
        '    context: { cluster: test, user: admin }',
        'current-context: test',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  private async startEtcd(): Promise<void> {
    const { etcd, peer } = this.ports;
    this.etcd = startProcess(
      'etcd',
      path.join(this.bin, 'etcd'),
      [
        '--name=default',
        `--data-dir=${path.join(this.dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcd}`,
        `--advertise-client-urls=http://127.0.0.1:${etcd}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=default=http://127.0.0.1:${peer}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      path.join(this.dir, 'etcd.log'),
    );
    const proc = this.etcd;
    await waitFor('etcd /health', async () => (await fetch(`http://127.0.0.1:${etcd}/health`)).ok, {
      timeoutMs: 30_000,
      failFast: () => exitedMessage(proc),
    });
  }

  async startApiserver(): Promise<void> {
    const { etcd, api } = this.ports;
    const args = [
      `--etcd-servers=http://127.0.0.1:${etcd}`,
      `--cert-dir=${path.join(this.dir, 'apiserver-certs')}`,
      `--tls-cert-file=${this.pki.serverCert}`,
      `--tls-private-key-file=${this.pki.serverKey}`,
      `--client-ca-file=${this.pki.caCert}`,
      `--secure-port=${api}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      '--disable-admission-plugins=ServiceAccount',
      `--service-account-issuer=https://127.0.0.1:${api}/`,
      `--service-account-key-file=${this.pki.saPub}`,
      `--service-account-signing-key-file=${this.pki.saKey}`,
      '--v=0',
    ];
    if (this.audit) {
      const policy = path.join(this.dir, 'audit-policy.yaml');
      fs.writeFileSync(policy, AUDIT_POLICY);
      args.push(
        `--audit-policy-file=${policy}`,
        `--audit-log-path=${this.auditLogPath()}`,
        '--audit-log-mode=blocking',
      );
    }
    this.apiserver = startProcess(
      'kube-apiserver',
      path.join(this.bin, 'kube-apiserver'),
      args,
      path.join(this.dir, 'apiserver.log'),
    );
    const proc = this.apiserver;
    await waitFor('kube-apiserver /readyz', () => this.get('/readyz').then((r) => r.status === 200), {
      timeoutMs: 90_000,
      intervalMs: 250,
      failFast: () => exitedMessage(proc),
    });
  }

  async stopApiserver(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.apiserver) await stopProcess(this.apiserver, 10_000, signal);
    this.apiserver = undefined;
  }

  async restartApiserver(): Promise<void> {
    await this.stopApiserver();
    await this.startApiserver();
  }

  /** A GET with the admin identity, for health checks. */
  get(urlPath: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = https.get(
        `${this.url}${urlPath}`,
        {
          ca: fs.readFileSync(this.pki.caCert),
          cert: fs.readFileSync(this.pki.adminCert),
          key: fs.readFileSync(this.pki.adminKey),
          timeout: 5000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  }

  kubectl(args: string[], input?: string): string {
    return execFileSync(path.join(this.bin, 'kubectl'), [`--kubeconfig=${this.kubeconfigPath}`, ...args], {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  installCrds(dir: string): void {
    this.kubectl(['apply', '--server-side', '--field-manager=nanoclaw-test', '-f', dir]);
    this.kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', dir]);
  }

  /** A fresh namespace for one suite (namespaces are never deleted: a bare API server has no namespace controller). */
  async createNamespace(prefix = 'test'): Promise<string> {
    const name = `${prefix}-${++this.nsCounter}-${Math.random().toString(36).slice(2, 7)}`;
    await this.kubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name } } });
    return name;
  }

  auditLogPath(): string {
    return path.join(this.dir, 'audit.log');
  }

  /** Audit events so far (empty unless started with `audit: true`). */
  auditEvents(): AuditEvent[] {
    if (!fs.existsSync(this.auditLogPath())) return [];
    return fs
      .readFileSync(this.auditLogPath(), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEvent);
  }

  logs(): string {
    return `--- etcd ---\n${tail(path.join(this.dir, 'etcd.log'))}\n--- kube-apiserver ---\n${tail(path.join(this.dir, 'apiserver.log'))}`;
  }

  async stop(): Promise<void> {
    await this.stopApiserver();
    if (this.etcd) await stopProcess(this.etcd);
    this.etcd = undefined;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function exitedMessage(p: Managed): string | undefined {
  if (p.child.exitCode === null && p.child.signalCode === null) return undefined;
  return `${p.name} exited (${p.child.exitCode ?? p.child.signalCode}):\n${tail(p.logFile)}`;
}
