/**
 * A minimal process entry for the Kubernetes operator: `node dist/operator/main.js`. The `nanoclaw operator` CLI
 * verb is the supported entry; this one exists so tests and benchmarks can run the operator as a real child process
 * (and kill it) without the rest of the CLI. It reads:
 *
 *   KUBECONFIG                       kubeconfig file (default: in-cluster service account, then ~/.kube/config)
 *   NANOCLAW_DATA_DIR                central DB at <dir>/nanoclaw.db, agent folders in <dir>/groups (default ./data)
 *   NANOCLAW_WATCH_NAMESPACES        comma-separated namespaces (default: the pod's namespace, else "default")
 *   NANOCLAW_LEASE_NAME              Lease name (default nanoclaw-operator)
 *   NANOCLAW_LEASE_DURATION_SECONDS  Lease duration (default 15)
 *   NANOCLAW_OPERATOR_ID             identity in the Lease (default <hostname>-<pid>-<random>)
 *   NANOCLAW_RESYNC_SECONDS          full relist + prune + reconcile period (default 300)
 *   LOG_LEVEL                        pino level (default info)
 *
 * SIGTERM/SIGINT: stop workers, release the Lease, exit 0.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { z } from 'zod';
import { CENTRAL_DB_FILE, openCentralDb } from '../host/db/central-db.js';
import { runOperator } from './k8s/operator.js';

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

const Env = z.object({
  NANOCLAW_DATA_DIR: z.string().min(1).default('./data'),
  NANOCLAW_WATCH_NAMESPACES: z.string().optional(),
  NANOCLAW_LEASE_NAME: z.string().min(1).default('nanoclaw-operator'),
  NANOCLAW_LEASE_DURATION_SECONDS: z.coerce.number().int().min(2).max(300).default(15),
  NANOCLAW_OPERATOR_ID: z.string().min(1).optional(),
  NANOCLAW_RESYNC_SECONDS: z.coerce.number().positive().default(300),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

function defaultNamespace(): string {
  try {
    return fs.readFileSync(SA_NAMESPACE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

async function main(): Promise<void> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    process.stderr.write(`${issue.path.join('.')}: ${issue.message}\n`);
    process.exit(2);
  }
  const env = parsed.data;
  const log = pino({ level: env.LOG_LEVEL });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const dataDir = path.resolve(env.NANOCLAW_DATA_DIR);
  const db = openCentralDb(path.join(dataDir, CENTRAL_DB_FILE));
  const namespaces = (env.NANOCLAW_WATCH_NAMESPACES ?? defaultNamespace())
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const op = await runOperator({
    db,
    dataDir,
    kubeConfig,
    namespaces,
    log,
    leaseName: env.NANOCLAW_LEASE_NAME,
    identity: env.NANOCLAW_OPERATOR_ID,
    leaseDurationSeconds: env.NANOCLAW_LEASE_DURATION_SECONDS,
    resyncPeriodMs: env.NANOCLAW_RESYNC_SECONDS * 1000,
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void op.stop().finally(() => {
      db.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`operator failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
