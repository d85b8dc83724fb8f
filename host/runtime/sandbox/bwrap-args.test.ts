import { describe, expect, it } from 'vitest';
import { bwrapArgs, bwrapProbeArgs, sandboxRunnerCommand, type BwrapPlan } from './bwrap-args.js';

const plan: BwrapPlan = {
  appRoot: '/opt/nanoclaw',
  node: '/usr/bin/node',
  entry: 'dist/container/agent-runner/main.js',
  sessionDir: '/data/sessions/helper/sess-1',
  agentDir: '/data/groups/helper',
  globalDir: '/data/groups/global',
  hostSocket: '/data/run/runner.sock',
  system: [
    { path: '/usr', dir: true },
    { path: '/bin', link: 'usr/bin' },
  ],
  etc: ['/etc/resolv.conf'],
};

/** The argv as [flag, ...operands] groups, in order. */
function groups(argv: string[]): string[][] {
  const out: string[][] = [];
  for (const a of argv) {
    if (a.startsWith('--')) out.push([a]);
    else out[out.length - 1]!.push(a);
  }
  return out;
}

describe('the bubblewrap command line of a runner', () => {
  const argv = bwrapArgs(plan);
  const g = groups(argv.slice(0, argv.indexOf('--')));

  it('runs the runner with the sandbox node from the read-only app, in /workspace', () => {
    expect(argv.slice(argv.indexOf('--') + 1)).toEqual([
      '/app/bin/node',
      '/app/dist/container/agent-runner/main.js',
    ]);
    expect(sandboxRunnerCommand(plan.entry)).toEqual(argv.slice(-2));
    expect(g).toContainEqual(['--chdir', '/workspace']);
    expect(g).toContainEqual(['--ro-bind', '/usr/bin/node', '/app/bin/node']);
    for (const name of ['package.json', 'dist', 'node_modules'])
      expect(g).toContainEqual(['--ro-bind', `/opt/nanoclaw/${name}`, `/app/${name}`]);
  });

  it("mounts the pod's workspace: session rw, inbound.db and its journal, agent and global read-only", () => {
    const mounts = g.filter((x) => ['--bind', '--ro-bind'].includes(x[0]!) && x[2]!.startsWith('/workspace'));
    expect(mounts).toEqual([
      ['--bind', plan.sessionDir, '/workspace'],
      ['--ro-bind', `${plan.sessionDir}/inbound.db`, '/workspace/inbound.db'],
      ['--ro-bind', `${plan.sessionDir}/inbound.db-journal`, '/workspace/inbound.db-journal'],
      ['--ro-bind', plan.agentDir, '/workspace/agent'],
      ['--ro-bind', plan.globalDir, '/workspace/global'],
    ]);
  });

  it('binds nothing writable but the session directory, and of the data dir only its three folders and the socket', () => {
    expect(g.filter((x) => x[0] === '--bind')).toEqual([['--bind', plan.sessionDir, '/workspace']]);
    expect(g).toContainEqual(['--ro-bind', plan.hostSocket, '/run/nanoclaw/runner.sock']);
    const sources = g.filter((x) => x[0]!.includes('bind')).map((x) => x[1]!);
    expect(sources.filter((s) => s.startsWith('/data/')).sort()).toEqual(
      [
        plan.hostSocket,
        plan.agentDir,
        plan.globalDir,
        plan.sessionDir,
        `${plan.sessionDir}/inbound.db`,
        `${plan.sessionDir}/inbound.db-journal`,
      ].sort(),
    );
  });

  it('isolates pids, ipc, uts, cgroups and the network, drops capabilities, dies with the host', () => {
    for (const flag of [
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-cgroup-try',
      '--unshare-net',
    ])
      expect(g).toContainEqual([flag]);
    expect(g).toContainEqual(['--cap-drop', 'ALL']);
    expect(g).toContainEqual(['--die-with-parent']);
    expect(g).toContainEqual(['--new-session']);
    expect(g).toContainEqual(['--proc', '/proc']);
    expect(g).toContainEqual(['--tmpfs', '/tmp']);
    expect(argv).not.toContain('--share-net');
  });

  it('recreates the system layout read-only and carries no environment in argv', () => {
    expect(g).toContainEqual(['--ro-bind', '/usr', '/usr']);
    expect(g).toContainEqual(['--symlink', 'usr/bin', '/bin']);
    expect(g).toContainEqual(['--ro-bind-try', '/etc/resolv.conf', '/etc/resolv.conf']);
    expect(argv.some((a) => a === '--setenv' || a === '--clearenv')).toBe(false);
  });

  it('probes with the same namespaces and system layout, running only node -e 0', () => {
    const probe = bwrapProbeArgs(plan);
    expect(probe.slice(probe.indexOf('--'))).toEqual(['--', '/app/bin/node', '-e', '0']);
    expect(probe.slice(0, probe.indexOf('--'))).toEqual(argv.slice(0, probe.indexOf('--')));
    expect(probe.join(' ')).not.toContain('/data/');
  });
});
