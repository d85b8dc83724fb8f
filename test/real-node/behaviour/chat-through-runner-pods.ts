/**
 * A web chat message reaches the real host pod, which starts a real runner pod that answers; the runner pod is
 * recreated after deletion; a restarted host pod (Recreate) adopts the running runner pod; the idle timeout
 * removes the pod and the next message recreates it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, isReady, kubectl, pods, type PodJson } from '../cluster.js';
import { FULL, HOST_SELECTOR, NS, RUNNER_IMAGE, RUNNER_SELECTOR, SECRET } from '../release.js';
import { Chat, webBase, webToken } from '../web-chat.js';

const runnerPods = (): PodJson[] => pods(NS, RUNNER_SELECTOR).filter((p) => !p.metadata.deletionTimestamp);
const readyRunners = (): PodJson[] => runnerPods().filter((p) => isReady(p));

export function chatThroughRunnerPodsSuite(): void {
  describe('a chat through the real host pod and real runner pods', () => {
    let chat: Chat;
    beforeAll(async () => {
      chat = new Chat(webBase(NS, FULL), webToken(NS, SECRET), 'main');
      await chat.open();
    });
    afterAll(() => chat?.close());

    it('is answered by a runner pod the host creates on the first message', async () => {
      expect(runnerPods()).toHaveLength(0);
      const reply = await chat.ask('hello, real node');
      expect(reply.text).toBe('Mock response to: hello, real node');
      const [pod, ...more] = runnerPods();
      expect(more).toHaveLength(0);
      expect(pod!.spec.containers.map((c) => c.image)).toEqual([RUNNER_IMAGE]);
      expect(pod!.spec.nodeName).toBe('nanoclaw-real-node');
      expect(pod!.status.phase).toBe('Running');
    });

    it('recreates the runner pod after it is deleted', async () => {
      const [before] = readyRunners();
      kubectl(['-n', NS, 'delete', 'pod', before!.metadata.name, '--wait=true', '--timeout=60s']);
      await chat.ask('after the runner pod was deleted');
      await eventually('a new runner pod', () => {
        const now = readyRunners();
        return now.length === 1 && now[0]!.metadata.uid !== before!.metadata.uid ? now : undefined;
      });
    });

    it('a restarted host pod (Recreate) adopts the running runner pod instead of replacing it', async () => {
      const [runner] = readyRunners();
      const [oldHost] = pods(NS, HOST_SELECTOR);
      kubectl(['-n', NS, 'rollout', 'restart', `deployment/${FULL}`]);
      kubectl(['-n', NS, 'rollout', 'status', `deployment/${FULL}`, '--timeout=180s']);
      const hosts = pods(NS, HOST_SELECTOR).filter((p) => !p.metadata.deletionTimestamp);
      expect(hosts.map((p) => p.metadata.uid)).not.toContain(oldHost!.metadata.uid);
      chat.close();
      chat = new Chat(chat.base, chat.token, 'main');
      await eventually('the new host accepting events', () => chat.open().then(() => true), 60_000);
      await chat.ask('after the host restarted');
      const now = runnerPods();
      expect(now.map((p) => p.metadata.uid)).toEqual([runner!.metadata.uid]);
    });

    it('stops the runner pod after the idle timeout, and the next message starts a new one', async () => {
      kubectl(
        ['-n', NS, 'apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'nanoclaw.dev/v1alpha1',
              kind: 'AgentGroup',
              metadata: { name: 'quick', namespace: NS },
              spec: { provider: 'mock', runner: { idleTimeout: '1m' } },
            },
            {
              apiVersion: 'nanoclaw.dev/v1alpha1',
              kind: 'MessagingGroup',
              metadata: { name: 'web-quick', namespace: NS },
              spec: {
                channel: 'web',
                platformId: 'quick',
                unknownSenderPolicy: 'strict',
                agents: [{ agentGroup: 'quick', engage: { mode: 'pattern', pattern: '.' } }],
              },
            },
          ],
        }),
      );
      kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'messaginggroup/web-quick', '--timeout=60s']);
      const quick = new Chat(chat.base, chat.token, 'quick');
      await quick.open();
      try {
        const others = new Set(runnerPods().map((p) => p.metadata.uid));
        await quick.ask('a quick one');
        const [pod] = runnerPods().filter((p) => !others.has(p.metadata.uid));
        expect(pod, 'a runner pod for the quick agent group').toBeDefined();
        await eventually(
          'the idle runner pod removed',
          () => !pods(NS, RUNNER_SELECTOR).some((p) => p.metadata.uid === pod!.metadata.uid),
          180_000,
          2_000,
        );
        await quick.ask('quick again');
        const [again] = runnerPods().filter((p) => !others.has(p.metadata.uid));
        expect(again!.metadata.uid).not.toBe(pod!.metadata.uid);
      } finally {
        quick.close();
      }
    });
  });
}
