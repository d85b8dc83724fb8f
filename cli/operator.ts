/**
 * `nanoclaw operator`: reconciles AgentGroup, MessagingGroup and UserRole objects into the central DB, behind a
 * Lease so only one replica writes. Configuration from the environment:
 *
 *   KUBECONFIG                       kubeconfig file (default: in-cluster service account, then ~/.kube/config)
 *   NANOCLAW_DATA_DIR                central DB at <dir>/nanoclaw.db, agent folders in <dir>/groups (default ./data)
 *   NANOCLAW_WATCH_NAMESPACES        comma-separated namespaces (default: the pod's namespace, else "default");
 *                                    the first is the install's own
 *   NANOCLAW_GLOBAL_GRANT_NAMESPACES comma-separated namespaces whose UserRoles may grant a global owner or admin
 *                                    (default: the install's own namespace only)
 *   NANOCLAW_LEASE_NAME              Lease name (default nanoclaw-operator)
 *   NANOCLAW_LEASE_DURATION_SECONDS  Lease duration (default 15)
 *   NANOCLAW_OPERATOR_ID             identity in the Lease (default <hostname>-<pid>-<random>)
 *   NANOCLAW_RESYNC_SECONDS          full relist + prune + reconcile period (default 300)
 *   NANOCLAW_HEALTH_PORT             /healthz, /readyz and /metrics (default 8081; 0 disables)
 *   NANOCLAW_HEALTH_BIND             address of the health port (default 127.0.0.1; 0.0.0.0 in a pod for probes)
 *   LOG_LEVEL                        pino level (default info)
 *
 * SIGTERM/SIGINT: stop workers, release the Lease, exit 0.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { ConfigError, LogFormatEnv } from '../host/config.js';
import { CENTRAL_DB_FILE, openCentralDb } from '../host/db/central-db.js';
import { createLogger } from '../host/log.js';
import { renderOperatorMetrics } from '../operator/k8s/operator-metrics.js';
import { runOperator } from '../operator/k8s/operator.js';
import { parse } from './args.js';
import { untilSignal } from './until-signal.js';

const HELP = `Usage: nanoclaw operator

Reconciles AgentGroup, MessagingGroup and UserRole resources (nanoclaw.dev/v1alpha1) in the watched namespaces
into the central DB, with leader election. Configured from the environment: KUBECONFIG, NANOCLAW_DATA_DIR,
NANOCLAW_WATCH_NAMESPACES, NANOCLAW_GLOBAL_GRANT_NAMESPACES, NANOCLAW_LEASE_NAME, NANOCLAW_LEASE_DURATION_SECONDS,
NANOCLAW_OPERATOR_ID, NANOCLAW_RESYNC_SECONDS, NANOCLAW_HEALTH_PORT, NANOCLAW_HEALTH_BIND, LOG_LEVEL.
`;

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** A comma-separated list of namespaces; blanks dropped. */
const NamespaceList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'not a namespace name')));

export const OperatorEnv = z.object({
  NANOCLAW_DATA_DIR: z.string().min(1).default('./data'),
  NANOCLAW_WATCH_NAMESPACES: z.string().optional(),
  NANOCLAW_GLOBAL_GRANT_NAMESPACES: NamespaceList.optional(),
  NANOCLAW_LEASE_NAME: z.string().min(1).default('nanoclaw-operator'),
  NANOCLAW_LEASE_DURATION_SECONDS: z.coerce.number().int().min(2).max(300).default(15),
  NANOCLAW_OPERATOR_ID: z.string().min(1).optional(),
  NANOCLAW_RESYNC_SECONDS: z.coerce.number().positive().default(300),
  NANOCLAW_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  NANOCLAW_HEALTH_BIND: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  LOG_FORMAT: LogFormatEnv,
});

function defaultNamespace(): string {
  try {
    return fs.readFileSync(SA_NAMESPACE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

export async function operatorCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const parsed = OperatorEnv.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const env = parsed.data;
  const log = createLogger(env.LOG_LEVEL, { name: 'nanoclaw-operator', format: env.LOG_FORMAT });
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
    ...(env.NANOCLAW_GLOBAL_GRANT_NAMESPACES
      ? { globalGrantNamespaces: env.NANOCLAW_GLOBAL_GRANT_NAMESPACES }
      : {}),
    log,
    leaseName: env.NANOCLAW_LEASE_NAME,
    ...(env.NANOCLAW_OPERATOR_ID ? { identity: env.NANOCLAW_OPERATOR_ID } : {}),
    leaseDurationSeconds: env.NANOCLAW_LEASE_DURATION_SECONDS,
    resyncPeriodMs: env.NANOCLAW_RESYNC_SECONDS * 1000,
  });
  const health =
    env.NANOCLAW_HEALTH_PORT > 0
      ? http
          .createServer((req, res) => {
            if (req.url === '/metrics') {
              res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
              res.end(renderOperatorMetrics(op.stats()));
              return;
            }
            const ok = req.url === '/healthz' || (req.url === '/readyz' && op.ready());
            res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ ok, leader: op.isLeader() }));
          })
          .listen(env.NANOCLAW_HEALTH_PORT, env.NANOCLAW_HEALTH_BIND)
      : null;
  log.info(
    { namespaces, globalGrantNamespaces: env.NANOCLAW_GLOBAL_GRANT_NAMESPACES, dataDir },
    'operator running',
  );
  return untilSignal(log, 'operator', async () => {
    health?.close();
    await op.stop();
    db.close();
  });
}
