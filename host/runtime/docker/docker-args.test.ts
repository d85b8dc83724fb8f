import { describe, expect, it } from 'vitest';
import { containerName, dockerRunArgs, instanceId, limitsFor, type DockerRunPlan } from './docker-args.js';
import { cpuCount, memoryBytes } from './quantity.js';

const plan: DockerRunPlan = {
  image: 'nanoclaw-runner:dev',
  dataDir: '/data',
  sessionId: 'sess-1',
  specHash: 'abc123',
  sessionDir: '/data/sessions/helper/sess-1',
  agentDir: '/data/groups/helper',
  globalDir: '/data/groups/global',
  hostSocket: '/data/run/runner.sock',
  user: { uid: 1000, gid: 1000 },
  limits: { memory: 1073741824, cpus: 1, pids: 512 },
  envNames: ['NANOCLAW_SESSION_ID', 'NANOCLAW_SESSION_TOKEN', 'HOME'],
};

/** The argv before the image as [flag, operand?] pairs (every flag here but the booleans takes one operand). */
function flags(argv: string[]): string[][] {
  const out: string[][] = [];
  const booleans = new Set(['--rm', '--init', '--read-only']);
  const end = argv.indexOf(plan.image);
  for (let i = 1; i < end; i++) {
    if (booleans.has(argv[i]!)) out.push([argv[i]!]);
    else out.push([argv[i]!, argv[++i]!]);
  }
  return out;
}

describe('the docker run command line of a runner', () => {
  const argv = dockerRunArgs(plan);
  const f = flags(argv);

  it("runs the image's runner command as it is, never pulling it", () => {
    expect(argv[0]).toBe('run');
    expect(argv.slice(argv.indexOf(plan.image))).toEqual([
      'nanoclaw-runner:dev',
      'node',
      '/app/dist/container/agent-runner/main.js',
    ]);
    expect(f).toContainEqual(['--pull', 'never']);
    expect(f).toContainEqual(['--workdir', '/workspace']);
  });

  it('has no network, no capabilities, no privilege gain, a read-only root and a non-root user', () => {
    for (const x of [
      ['--network', 'none'],
      ['--cap-drop', 'ALL'],
      ['--security-opt', 'no-new-privileges'],
      ['--read-only'],
      ['--user', '1000:1000'],
      ['--init'],
      ['--rm'],
    ])
      expect(f).toContainEqual(x);
    expect(() => dockerRunArgs({ ...plan, user: { uid: 0, gid: 1000 } })).toThrow(/never runs as root/);
  });

  it("mounts the pod's workspace: session rw, inbound.db and its journal, agent and global read-only, the socket", () => {
    expect(f.filter((x) => x[0] === '--mount').map((x) => x[1])).toEqual([
      'type=bind,source=/data/sessions/helper/sess-1,target=/workspace',
      'type=bind,source=/data/sessions/helper/sess-1/inbound.db,target=/workspace/inbound.db,readonly',
      'type=bind,source=/data/sessions/helper/sess-1/inbound.db-journal,target=/workspace/inbound.db-journal,readonly',
      'type=bind,source=/data/groups/helper,target=/workspace/agent,readonly',
      'type=bind,source=/data/groups/global,target=/workspace/global,readonly',
      'type=bind,source=/data/run/runner.sock,target=/run/nanoclaw/runner.sock',
    ]);
    expect(f).toContainEqual(['--tmpfs', '/tmp:rw,nosuid,nodev,exec,size=256m']);
  });

  it('refuses a path that would split into another mount', () => {
    expect(() => dockerRunArgs({ ...plan, agentDir: '/data/groups/x,target=/etc' })).toThrow(/comma/);
  });

  it('limits memory, CPU and processes', () => {
    expect(f).toContainEqual(['--memory', '1073741824']);
    expect(f).toContainEqual(['--cpus', '1']);
    expect(f).toContainEqual(['--pids-limit', '512']);
  });

  it('names runner variables without their values; only the layout carries values', () => {
    const env = f.filter((x) => x[0] === '--env').map((x) => x[1]);
    expect(env).toEqual([
      'NANOCLAW_WORKSPACE=/workspace',
      'NANOCLAW_HOST_SOCKET=/run/nanoclaw/runner.sock',
      'HOME=/workspace/.home',
      'TMPDIR=/tmp',
      'NANOCLAW_SESSION_ID',
      'NANOCLAW_SESSION_TOKEN',
    ]);
    expect(() => dockerRunArgs({ ...plan, envNames: ['A=B'] })).toThrow(/not an environment variable name/);
  });

  it('labels the container with its data dir and session, and names it after both', () => {
    expect(f).toContainEqual(['--label', `dev.nanoclaw.instance=${instanceId('/data')}`]);
    expect(f).toContainEqual(['--label', 'dev.nanoclaw.data-dir=/data']);
    expect(f).toContainEqual(['--label', 'dev.nanoclaw.session=sess-1']);
    expect(f).toContainEqual(['--name', containerName('/data', 'sess-1')]);
    expect(containerName('/data', 'sess-1')).toMatch(/^nanoclaw-[0-9a-f]{12}-sess-1-[0-9a-f]{8}$/);
    expect(instanceId('/other')).not.toBe(instanceId('/data'));
    expect(containerName('/data', 'a/b')).not.toBe(containerName('/data', 'a_b'));
  });
});

describe('resource quantities for docker', () => {
  it('reads Kubernetes memory and CPU quantities', () => {
    expect(memoryBytes('512Mi')).toBe(512 * 2 ** 20);
    expect(memoryBytes('1G')).toBe(1e9);
    expect(memoryBytes('1048576')).toBe(1048576);
    expect(cpuCount('500m')).toBe(0.5);
    expect(cpuCount('2')).toBe(2);
    expect(() => memoryBytes('lots')).toThrow(/not a memory quantity/);
    expect(() => cpuCount('0')).toThrow(/not a CPU quantity/);
  });

  it("takes a group's own limits over the host's defaults", () => {
    const defaults = { memory: 1, cpus: 1, pids: 64 };
    expect(limitsFor(undefined, defaults)).toEqual(defaults);
    expect(limitsFor({ limits: { memory: '2Gi', cpu: '250m' } }, defaults)).toEqual({
      memory: 2 * 2 ** 30,
      cpus: 0.25,
      pids: 64,
    });
  });
});
