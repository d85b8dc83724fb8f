/**
 * A real API server (with the CRDs) and the operator projecting one fresh namespace into a central DB of its own:
 * what most Kubernetes-tier tests start from. `stop` undoes all of it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { runOperator, type OperatorHandle } from '../../operator/k8s/operator.js';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { eventually, objects } from './support.js';

export interface OperatorFixture {
  cp: ControlPlane;
  ns: string;
  api: ReturnType<typeof objects>;
  db: CentralDb;
  dataDir: string;
  op: OperatorHandle;
  stop(): Promise<void>;
}

/** `name` names the namespace and the data dir; the operator is ready (synced and leading) on return. */
export async function startOperatorFixture(name: string, log?: Logger): Promise<OperatorFixture> {
  const cp = await ControlPlane.start();
  const ns = await cp.createNamespace(name);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `nanoclaw-${name}-k8s-`));
  const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  const op = await runOperator({
    db,
    dataDir,
    kubeConfig: cp.kubeConfig(),
    namespaces: [ns],
    log: log ?? pino({ level: process.env.OPERATOR_LOG ?? 'silent' }),
    leaseDurationSeconds: 4,
  });
  await eventually(() => op.ready(), 30_000);
  return {
    cp,
    ns,
    api: objects(cp.kubeConfig()),
    db,
    dataDir,
    op,
    stop: async () => {
      await op.stop();
      db.close();
      await cp.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
