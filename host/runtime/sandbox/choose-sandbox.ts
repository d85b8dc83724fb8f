/**
 * Picks the embedded runtime's launcher from NANOCLAW_SANDBOX: `bubblewrap` (required: start fails without a
 * working one), `none`, or `auto` — bubblewrap when a probe sandbox actually runs Node on this machine (bwrap
 * may be missing, or user namespaces disabled), else none, with the reason.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { builtRunner, defaultRunnerCommand } from '../runner-command.js';
import { bwrapProbeArgs, type SystemEntry } from './bwrap-args.js';
import { BwrapLauncher } from './bwrap-launcher.js';
import { DirectLauncher } from './direct-launcher.js';
import type { Launcher } from './launcher.js';

export type SandboxSetting = 'auto' | 'bubblewrap' | 'none';

export interface SandboxChoice {
  launcher: Launcher;
  /** With `auto` and no usable bubblewrap: why not. */
  unavailable?: string;
}

const PROBE_TIMEOUT_MS = 10_000;
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const ETC_FILES = [
  '/etc/alternatives',
  '/etc/ca-certificates',
  '/etc/group',
  '/etc/host.conf',
  '/etc/hosts',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/nsswitch.conf',
  '/etc/os-release',
  '/etc/passwd',
  '/etc/pki',
  '/etc/resolv.conf',
  '/etc/ssl',
  '/etc/timezone',
];

export async function chooseSandbox(setting: SandboxSetting, dataDir: string): Promise<SandboxChoice> {
  if (setting === 'none') return { launcher: new DirectLauncher(dataDir, defaultRunnerCommand()) };
  const bwrap = findExecutable('bwrap', process.env.PATH ?? '');
  const node = fs.realpathSync(process.execPath);
  const system = systemEntries();
  const problem = bwrap
    ? await probe(bwrap, bwrapProbeArgs({ system, etc: ETC_FILES, node }))
    : 'bwrap is not installed (Debian/Ubuntu: apt install bubblewrap; Fedora: dnf install bubblewrap)';
  if (problem === null) {
    const { appRoot, entry } = builtRunner();
    return {
      launcher: new BwrapLauncher({ bwrap: bwrap!, dataDir, appRoot, node, entry, system, etc: ETC_FILES }),
    };
  }
  if (setting === 'bubblewrap') throw new Error(`NANOCLAW_SANDBOX=bubblewrap: ${problem}`);
  return { launcher: new DirectLauncher(dataDir, defaultRunnerCommand()), unavailable: problem };
}

function findExecutable(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** The host's top-level system directories, as directories to bind or links to recreate (merged /usr). */
function systemEntries(): SystemEntry[] {
  const entries: SystemEntry[] = [];
  for (const p of SYSTEM_DIRS) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) entries.push({ path: p, link: fs.readlinkSync(p) });
    else if (st.isDirectory()) entries.push({ path: p, dir: true });
  }
  return entries;
}

/** null when the probe sandbox ran and exited 0; otherwise what went wrong (bwrap's stderr, first line). */
function probe(bwrap: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(bwrap, args, { env: {}, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(`${bwrap} cannot be run: ${err.message}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const why = stderr.trim().split('\n')[0] ?? '';
      resolve(
        code === 0
          ? null
          : `a test sandbox failed (${signal ?? `exit ${code}`}${why ? `: ${why}` : ''}); user namespaces may be disabled`,
      );
    });
  });
}
