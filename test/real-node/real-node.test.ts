/**
 * The real-node tier: one real single-node cluster (hack/real-node/up.sh, started by global-setup.ts) and one
 * release of the chart, exercised in order — each suite builds on the state the previous one left (installed,
 * chatting, upgraded, uninstalled). On a machine that cannot run the tier every test is skipped with the reason;
 * scripts/test.mjs reports the tier as skipped, never as passed.
 */
import { afterEach, beforeAll, describe, inject } from 'vitest';
import { chatThroughRunnerPodsSuite } from './behaviour/chat-through-runner-pods.js';
import { installAsDocumentedSuite } from './behaviour/install-as-documented.js';
import { networkPoliciesSuite } from './behaviour/network-policies.js';
import { podSecurityAdmissionSuite } from './behaviour/pod-security-admission.js';
import { runnerPodSecuritySuite } from './behaviour/runner-pod-security.js';
import { scheduledBackupSuite } from './behaviour/scheduled-backup.js';
import { upgradeAndUninstallSuite } from './behaviour/upgrade-and-uninstall.js';
import { kubectlResult, useCluster } from './cluster.js';
import { FULL, NS } from './release.js';

const realNode = inject('realNode');
useCluster(realNode);

describe.skipIf(Boolean(realNode.skip))(
  `real node${realNode.skip ? ` (skipped: ${realNode.skip})` : ''}`,
  () => {
    beforeAll(() => {
      if (realNode.error) throw new Error(realNode.error);
    });
    // A failed test prints what the host and the cluster said last (CI has no other way to see it).
    afterEach((ctx) => {
      if (ctx.task.result?.state !== 'fail') return;
      for (const args of [
        ['-n', NS, 'logs', `deployment/${FULL}`, '-c', 'host', '--tail=40'],
        ['-n', NS, 'get', 'pods,events', '-o', 'wide'],
      ])
        console.log(`$ kubectl ${args.join(' ')}\n${kubectlResult(args).stdout}`);
    });
    installAsDocumentedSuite();
    chatThroughRunnerPodsSuite();
    runnerPodSecuritySuite();
    podSecurityAdmissionSuite();
    networkPoliciesSuite();
    scheduledBackupSuite();
    upgradeAndUninstallSuite();
  },
);
