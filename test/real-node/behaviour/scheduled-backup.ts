/**
 * The chart's backup CronJob (backup.enabled) on the real node: a Job made from it runs `nanoclaw backup` beside
 * the live host, on the host's node, with the data volume, no API token and no network, and leaves a complete
 * backup on a volume of its own that `nanoclaw restore` puts back; a later run keeps only `backup.keep` backups.
 * The backup volume is a local PersistentVolume in the cluster's work dir (this machine is the node), so the
 * test reads the backups where the pod wrote them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterDir, getJson, helm, kubectl, kubectlResult, REPO } from '../cluster.js';
import { CHART, FULL, NS, RELEASE, setFlags, VALUES } from '../release.js';

const CLAIM = 'nanoclaw-real-node-backup';
const NODE = 'nanoclaw-real-node';

/** A local PV on the node at `dir`, and a claim bound to it. */
function backupVolume(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const pv = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: CLAIM },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      claimRef: { namespace: NS, name: CLAIM },
      local: { path: dir },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE] }] },
          ],
        },
      },
    },
  };
  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: CLAIM, namespace: NS },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: '',
      volumeName: CLAIM,
      resources: { requests: { storage: '1Gi' } },
    },
  };
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pv, pvc] }));
}

/** Runs a Job from the CronJob to completion; returns its log. */
function runJob(name: string): string {
  kubectl(['-n', NS, 'create', 'job', name, `--from=cronjob/${FULL}-backup`]);
  const done = kubectlResult(['-n', NS, 'wait', '--for=condition=complete', `job/${name}`, '--timeout=180s']);
  const log = kubectlResult(['-n', NS, 'logs', `job/${name}`]);
  expect(done.code, `${done.stderr}\n${log.stdout}${log.stderr}`).toBe(0);
  return log.stdout;
}

async function restore(backup: string, dataDir: string): Promise<number | null> {
  const cli = path.join(REPO, 'dist', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, 'restore', backup, '--data-dir', dataDir], {
    stdio: 'inherit',
  });
  return new Promise((r) => child.once('exit', r));
}

export function scheduledBackupSuite(): void {
  describe('scheduled backup', () => {
    let dir = '';
    let restored = '';
    beforeAll(() => {
      dir = path.join(clusterDir(), 'pv', 'backup');
      restored = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-rn-restore-'));
    });
    afterAll(() => {
      for (const job of ['backup-first', 'backup-second'])
        kubectlResult(['-n', NS, 'delete', 'job', job, '--ignore-not-found', '--wait=true']);
      if (restored) fs.rmSync(restored, { recursive: true, force: true });
    });

    it('a Job from the backup CronJob backs up the live host onto its own volume, and the backup restores', async () => {
      backupVolume(dir);
      const values = [
        ...VALUES,
        'backup.enabled=true',
        `backup.persistence.existingClaim=${CLAIM}`,
        'backup.keep=1',
      ];
      const up = helm(['upgrade', RELEASE, CHART, '-n', NS, ...setFlags(values)]);
      expect(up.code, up.stderr).toBe(0);
      const first = runJob('backup-first');
      expect(first).toMatch(/^\/backup\/\S+: central DB, \d+ session DBs of [1-9]\d* sessions/m);

      const pod = getJson<{ items: { spec: Record<string, unknown> & { nodeName?: string } }[] }>([
        '-n',
        NS,
        'get',
        'pods',
        '-l',
        'job-name=backup-first',
      ]).items[0]!;
      expect(pod.spec.nodeName).toBe(NODE);
      expect(pod.spec.automountServiceAccountToken).toBe(false);

      const [name] = fs.readdirSync(dir);
      expect(await restore(path.join(dir, name!), path.join(restored, 'data'))).toBe(0);
      const db = new Database(path.join(restored, 'data', 'nanoclaw.db'), { readonly: true });
      try {
        const { n } = db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number };
        expect(n).toBeGreaterThan(0);
      } finally {
        db.close();
      }
    });

    it('a later run keeps only backup.keep backups', () => {
      const second = runJob('backup-second');
      expect(second).toMatch(/removed the older backup \/backup\//);
      expect(fs.readdirSync(dir)).toHaveLength(1);
    });
  });
}
