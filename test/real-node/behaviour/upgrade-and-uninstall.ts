/**
 * `helm upgrade` while a session is live loses no message: every message the old host accepted is answered
 * (by the old host before it stopped or by the new one after), and the chat works after the upgrade.
 * `helm uninstall` removes the workload and keeps the data claim, the CRDs and the custom resources.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  eventually,
  getJson,
  helm,
  kubectl,
  kubectlResult,
  pods,
  REPO,
  toolAsync,
  type Result,
} from '../cluster.js';
import {
  CHART,
  FULL,
  HOST_SELECTOR,
  NS,
  RELEASE,
  RUNNER_SELECTOR,
  SECRET,
  setFlags,
  VALUES,
} from '../release.js';
import { Chat, postMessage, webBase, webToken, type Reply } from '../web-chat.js';

/**
 * Writes the old host's log, the new host's and the runner pods' logs and the replies seen to
 * .test-results/real-node-upgrade.log, prints its last lines, and returns its path.
 */
async function writeUpgradeLog(oldLog: Result, replies: Reply[]): Promise<string> {
  const logs = async (args: string[]) => {
    const r = await toolAsync('kubectl', ['-n', NS, 'logs', '--all-containers', '--prefix', ...args]);
    return r.stdout + r.stderr;
  };
  const text = [
    '== old host',
    oldLog.stdout + oldLog.stderr,
    '== new host',
    await logs(['-l', HOST_SELECTOR, '--tail=-1']),
    '== runner pods',
    await logs(['-l', RUNNER_SELECTOR, '--tail=-1']),
    '== replies seen',
    ...replies.map((r) => JSON.stringify(r)),
  ].join('\n');
  const file = path.join(REPO, '.test-results', 'real-node-upgrade.log');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  console.error(text.split('\n').slice(-150).join('\n'));
  return file;
}

export function upgradeAndUninstallSuite(): void {
  describe('helm upgrade and helm uninstall', () => {
    it('helm upgrade with a live session loses no message', async () => {
      const base = webBase(NS, FULL);
      const token = webToken(NS, SECRET);
      const chat = new Chat(base, token, 'main');
      await chat.open();
      try {
        await chat.ask('before the upgrade');
        const [oldHost] = pods(NS, HOST_SELECTOR);
        // The old host's log, streamed until its pod stops: what a failure below needs to be understood.
        const oldLog = toolAsync('kubectl', [
          '-n',
          NS,
          'logs',
          '-f',
          '--all-containers',
          oldHost!.metadata.name,
        ]);
        const texts = [1, 2, 3].map((i) => `in flight ${i}`);
        for (const text of texts) expect((await postMessage(base, token, 'main', text)).status).toBe(202);
        // A changed pod template: the Deployment recreates the pod (strategy Recreate). Async, so the event
        // stream keeps reading what the old host sends until it stops.
        const up = await toolAsync('helm', [
          'upgrade',
          RELEASE,
          CHART,
          '-n',
          NS,
          ...setFlags([...VALUES, 'logLevel=debug']),
        ]);
        expect(up.code, up.stderr).toBe(0);
        const rollout = await toolAsync('kubectl', [
          '-n',
          NS,
          'rollout',
          'status',
          `deployment/${FULL}`,
          '--timeout=180s',
        ]);
        expect(rollout.code, rollout.stderr).toBe(0);
        expect(pods(NS, HOST_SELECTOR).map((p) => p.metadata.uid)).not.toContain(oldHost!.metadata.uid);
        // The old host ended the stream when it stopped; a client then reconnects, resuming. The Service's
        // endpoints can trail the new pod's readiness by a moment (connection refused): retry, bounded.
        await eventually('the old host ending the event stream', () => chat.ended, 30_000, 100);
        await eventually(
          'the web Service reaching the new host',
          () => chat.open(true).then(() => true),
          30_000,
          250,
        );
        // Each in-flight message is answered once: in a reply of its own, or as a follow-up that joined the turn
        // of the one before it (one reply then answers both).
        const answered = () =>
          chat.replies
            .flatMap((r) => r.text.split('\n'))
            .map((line) => /^Mock (?:response to|follow-up): (in flight \d+)$/.exec(line)?.[1])
            .filter((t): t is string => t !== undefined)
            .sort();
        await eventually(
          'every in-flight message answered',
          () => answered().length >= texts.length,
          120_000,
          100,
        ).catch(async (err: unknown) => {
          const file = await writeUpgradeLog(await oldLog, chat.replies);
          throw new Error(`${(err as Error).message} (logs: ${file})`);
        });
        await chat.ask('after the upgrade');
        expect(answered()).toEqual([...texts].sort());
      } finally {
        chat.close();
      }
    });

    it('helm uninstall keeps the data claim, the CRDs and every custom resource', () => {
      const res = helm(['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '120s']);
      expect(res.code, res.stderr).toBe(0);
      expect(kubectlResult(['-n', NS, 'get', 'deployment', FULL]).code).not.toBe(0);
      const pvc = getJson<{ status: { phase: string } }>(['-n', NS, 'get', 'pvc', `${FULL}-data`]);
      expect(pvc.status.phase).toBe('Bound');
      for (const crd of ['agentgroups', 'messaginggroups', 'userroles'])
        expect(kubectlResult(['get', 'crd', `${crd}.nanoclaw.dev`]).code, crd).toBe(0);
      const names = kubectl(['-n', NS, 'get', 'nanoclaw', '-o', 'name']).trim().split('\n').sort();
      expect(names).toEqual(
        expect.arrayContaining([
          'agentgroup.nanoclaw.dev/assistant',
          'messaginggroup.nanoclaw.dev/web-main',
          'userrole.nanoclaw.dev/local-owner',
        ]),
      );
    });
  });
}
