/**
 * NANOCLAW_RUNTIME=docker on a real Docker engine (test/docker/global-setup.ts), through the real host process
 * and the real runner image: the agent's shell ([[shell:…]] of the mock provider) tries what an attacker in a
 * chat would try — the host's environment, the central DB, the network, the global folder and inbound.db — and
 * the host's containers are checked from the engine's side. On a machine that cannot run the tier every test is
 * skipped with the reason; scripts/test.mjs reports the tier as skipped, never as passed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { instanceId } from '../../host/runtime/docker/docker-args.js';
import { AgentShell, seedShellAgent } from '../support/agent-shell.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';

const tier = inject('docker');
const DOCKER = '/usr/bin/docker';
const IMAGE = 'nanoclaw-runner:real-node';
const API_KEY = 'sk-ant-docker-test-key-0123456789';

/** A docker CLI command against the tier's engine (async: the host process must keep running meanwhile). */
function docker(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(DOCKER, args, {
      env: { PATH: '/usr/bin:/bin', DOCKER_HOST: tier.dockerHost },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.trim() });
    });
  });
}

const labelled = async (instance: string) =>
  (await docker(['ps', '--all', '--quiet', '--filter', `label=dev.nanoclaw.instance=${instance}`])).out
    .split('\n')
    .filter(Boolean);

function hostEnv(dataDir: string, image = IMAGE): Record<string, string> {
  return {
    NANOCLAW_RUNTIME: 'docker',
    NANOCLAW_DOCKER_IMAGE: image,
    NANOCLAW_DOCKER_CLI: DOCKER,
    DOCKER_HOST: tier.dockerHost,
    ANTHROPIC_API_KEY: API_KEY,
    NANOCLAW_DATA_DIR: dataDir,
  };
}

describe.skipIf(Boolean(tier.skip))(
  `the docker runtime on a real engine${tier.skip ? ` (skipped: ${tier.skip})` : ''}`,
  () => {
    let host: HostProcess;
    let sh: AgentShell;
    let dataDir: string;
    let otherInstance: string;

    beforeAll(async () => {
      if (tier.error) throw new Error(tier.error);
      dataDir = tempDir('nc-docker-');
      seedShellAgent(dataDir, ['main']);
      // What a previous host of this data dir left behind, and a container of another host's data dir.
      otherInstance = instanceId(`${dataDir}-other`);
      for (const instance of [instanceId(dataDir), otherInstance]) {
        const created = await docker(['create', '--label', `dev.nanoclaw.instance=${instance}`, IMAGE]);
        expect(created.code, created.out).toBe(0);
      }
      host = await startHostProcess({ dataDir, env: hostEnv(dataDir), timeoutMs: 60_000 });
      sh = new AgentShell(() => host.url, dataDir);
    }, 120_000);

    afterAll(async () => {
      sh?.close();
      if (host) expect(await host.stop()).toBe(0);
      // The runner was asked to stop (SIGTERM through the container's init) and did so cleanly.
      expect(host.logs.filter((l) => l.msg === 'agent-runner stopped').length).toBe(1);
      expect(await labelled(instanceId(dataDir))).toEqual([]);
      for (const id of await labelled(otherInstance)) await docker(['rm', '--force', id]);
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    }, 120_000);

    it('says at start that runners run in Docker containers', async () => {
      await host.waitForLog((l) => l.runtime === 'docker' && l.sandbox === 'docker');
    });

    it("removes a previous host's leftover containers of its data dir at start, and no other host's", async () => {
      await host.waitForLog((l) => l.msg === 'removed runner containers left behind by a previous host');
      expect(await labelled(otherInstance)).toHaveLength(1);
    });

    it('chats normally, in the workspace layout a pod has, as a non-root user', async () => {
      const out = await sh.run(
        'pwd; echo $NANOCLAW_WORKSPACE $HOME; ls /workspace/global; id -u',
        'main',
        90_000,
      );
      expect(out).toBe('[shell exit 0] /workspace/agent\n/workspace /workspace/.home\nshared.md\n1000');
    });

    it('runs one container per session, labelled with the data dir and the session, with its limits', async () => {
      const ids = await labelled(instanceId(dataDir));
      expect(ids).toHaveLength(1);
      const inspect = await docker([
        'inspect',
        '--format',
        '{{json .Config.Labels}} {{.HostConfig.NetworkMode}} {{.HostConfig.ReadonlyRootfs}}',
        ids[0]!,
      ]);
      const session = path.basename(sh.sessionDirOf('main'));
      expect(inspect.out).toContain(`"dev.nanoclaw.session":"${session}"`);
      expect(inspect.out).toContain(`"dev.nanoclaw.data-dir":"${dataDir}"`);
      expect(inspect.out).toMatch(/ none true$/);
      const limits = await docker([
        'inspect',
        '--format',
        '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}} {{json .HostConfig.CapDrop}} {{json .HostConfig.SecurityOpt}} {{.Config.User}}',
        ids[0]!,
      ]);
      expect(limits.out).toBe(`${2 ** 30} 512 1000000000 ["ALL"] ["no-new-privileges"] 1000:1000`);
    });

    it("cannot read the host's environment or its API key", async () => {
      const pid = host.proc.pid!;
      expect(await sh.run(`cat /proc/${pid}/environ`)).toMatch(
        /^\[shell exit 1\] .*No such file or directory/,
      );
      const all = await sh.run(
        `cat /proc/[0-9]*/environ | tr '\\0' '\\n' | grep -c ANTHROPIC_API_KEY; ls /proc | grep -c '^[0-9]'`,
      );
      const [keys, procs] = all.replace(/^\[shell exit \d+\] /, '').split('\n');
      expect(keys).toBe('0');
      expect(Number(procs)).toBeLessThan(10);
      expect(all).not.toContain(API_KEY);
    });

    it("cannot reach the network, not even a service on the host's loopback", async () => {
      const service = net.createServer((c) => c.end('hello from the host\n'));
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
      const port = (service.address() as net.AddressInfo).port;
      try {
        const probe = (where: string) =>
          `node -e "require('net').connect(${port},'${where}').on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',e=>{console.log('REFUSED '+e.code);process.exit(0)})"`;
        expect(await sh.run(probe('127.0.0.1'))).toBe('[shell exit 0] REFUSED ECONNREFUSED');
        const out = await sh.run(probe('10.0.0.1'));
        expect(out).not.toContain('CONNECTED');
        expect(out).toMatch(/REFUSED (ENETUNREACH|EHOSTUNREACH)/);
      } finally {
        service.close();
      }
    });

    it('cannot read the central DB or anything else in the data dir', async () => {
      const out = await sh.run(`ls ${dataDir}; cat ${path.join(dataDir, 'nanoclaw.db')} | wc -c`);
      expect(out.split('\n')).toEqual([
        '[shell exit 0] 0',
        `ls: cannot access '${dataDir}': No such file or directory`,
        `cat: ${path.join(dataDir, 'nanoclaw.db')}: No such file or directory`,
      ]);
    });

    it('cannot write the global folder, the agent folder or its own root filesystem', async () => {
      const out = await sh.run(
        'echo x > /workspace/global/shared.md; touch /workspace/global/new; touch /workspace/agent/CLAUDE.md; touch /etc/x',
      );
      expect(out.match(/Read-only file system/g)?.length).toBe(4);
      expect(fs.readFileSync(path.join(dataDir, 'groups', 'global', 'shared.md'), 'utf8')).toBe(
        'global notes',
      );
      expect(fs.existsSync(path.join(dataDir, 'groups', 'global', 'new'))).toBe(false);
      expect(fs.readdirSync(path.join(dataDir, 'groups', 'assistant'))).toEqual([]);
    });

    it('cannot write, replace or remove its inbound.db or its journal', async () => {
      const dir = sh.sessionDirOf('main');
      const before = fs.readFileSync(path.join(dir, 'inbound.db'));
      // The shell writes F42G, a string that the message itself (stored in inbound.db) does not contain.
      const out = await sh.run(
        'echo F$((40+2))G >> /workspace/inbound.db || echo refused; ' +
          'echo F$((40+2))G > /workspace/inbound.db-journal || echo refused; ' +
          'mv /workspace/inbound.db /workspace/x.db || echo refused; ' +
          'rm -f /workspace/inbound.db-journal || echo refused',
      );
      expect(out.match(/refused$/gm)?.length).toBe(4);
      const after = fs.readFileSync(path.join(dir, 'inbound.db'));
      expect(after.includes(Buffer.from('F42G'))).toBe(false);
      expect(fs.readFileSync(path.join(dir, 'inbound.db-journal')).includes('F42G')).toBe(false);
      expect(after.length).toBeGreaterThanOrEqual(before.length);
      expect(await sh.run('echo ok')).toBe('[shell exit 0] ok');
    });

    it('refuses to start when the runner image is not in the engine (it never pulls)', async () => {
      const dir = tempDir('nc-docker-noimage-');
      try {
        await expect(
          startHostProcess({
            dataDir: dir,
            env: hostEnv(dir, 'nanoclaw-runner:not-built'),
            timeoutMs: 60_000,
          }),
        ).rejects.toThrow(/runner image nanoclaw-runner:not-built is not in the local Docker engine/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
