/**
 * What a process inside a real runner pod sees: uid/gid 1000, no capabilities, no_new_privs, a seccomp filter,
 * a read-only root filesystem, no ServiceAccount token, inbound.db and its journal read-only (outbound.db
 * writable), the global folder read-only (its own folder writable).
 * The kernel and the container runtime enforce these, not the pod spec alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, isReady, pods } from '../cluster.js';
import { execNode } from '../pod-probe.js';
import { NS, RUNNER_SELECTOR } from '../release.js';

interface Seen {
  uid: number;
  gid: number;
  groups: number[];
  status: Record<string, string>;
  writes: Record<string, string>;
  token: boolean;
  opens: Record<string, string>;
}

const PROGRAM = `
const fs = require('node:fs');
const status = Object.fromEntries(fs.readFileSync('/proc/self/status', 'utf8').split('\\n')
  .filter((l) => l.includes(':')).map((l) => l.split(/:\\s*/)));
const tryWrite = (file) => { try { fs.writeFileSync(file, 'x'); fs.rmSync(file); return 'ok'; }
  catch (e) { return e.code; } };
// Opening for writing, never writing: a session DB that is (wrongly) writable is left as it is.
const tryOpen = (file) => { try { fs.closeSync(fs.openSync(file, 'r+')); return 'ok'; } catch (e) { return e.code; } };
console.log(JSON.stringify({
  uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), status,
  writes: { root: tryWrite('/probe'), usr: tryWrite('/usr/probe'), global: tryWrite('/workspace/global/probe'),
    agent: tryWrite('/workspace/agent/.probe'), tmp: tryWrite('/tmp/probe') },
  token: fs.existsSync('/var/run/secrets/kubernetes.io/serviceaccount'),
  opens: { inbound: tryOpen('/workspace/inbound.db'), journal: tryOpen('/workspace/inbound.db-journal'),
    outbound: tryOpen('/workspace/outbound.db') },
}));`;

export function runnerPodSecuritySuite(): void {
  describe('inside a runner pod', () => {
    let seen: Seen;
    beforeAll(async () => {
      const pod = await eventually('a Ready runner pod', () => pods(NS, RUNNER_SELECTOR).find(isReady));
      const res = execNode(NS, pod.metadata.name, PROGRAM);
      expect(res.code, res.stderr).toBe(0);
      seen = JSON.parse(res.stdout) as Seen;
    });

    it('runs as uid and gid 1000', () => {
      expect(seen.uid).toBe(1000);
      expect(seen.gid).toBe(1000);
      expect(seen.groups.filter((g) => g !== 1000)).toEqual([]);
    });

    it('has no capabilities, no_new_privs and a seccomp filter', () => {
      for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'])
        expect(seen.status[set], set).toBe('0000000000000000');
      expect(seen.status.NoNewPrivs).toBe('1');
      expect(seen.status.Seccomp).toBe('2'); // SECCOMP_MODE_FILTER
    });

    it('cannot write to the root filesystem, only to its volumes', () => {
      expect(seen.writes.root).toBe('EROFS');
      expect(seen.writes.usr).toBe('EROFS');
      expect(seen.writes.tmp).toBe('ok');
    });

    it('has no ServiceAccount token', () => {
      expect(seen.token).toBe(false);
    });

    it('cannot open inbound.db or its journal for writing (the host is their only writer), only outbound.db', () => {
      expect(seen.opens.inbound).toBe('EROFS');
      expect(seen.opens.journal).toBe('EROFS');
      expect(seen.opens.outbound).toBe('ok');
    });

    it('sees the global and agent folders read-only (only the host writes them)', () => {
      expect(seen.writes.global).toBe('EROFS');
      expect(seen.writes.agent).toBe('EROFS');
    });
  });
}
