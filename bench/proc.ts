/**
 * What the benchmarks read about processes from Linux's /proc: CPU time, memory, threads and descendants. A process
 * that is gone reads as null (or is left out), never as an error.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The fields of /proc/<pid>/stat after the command name (field 3, the state, is index 0). */
function statFields(pid: number): string[] | null {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU time the process has used, in ms. */
export function cpuMs(pid: number): number | null {
  const f = statFields(pid);
  return f ? ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK : null;
}

function statusKb(pid: number, key: string): number | null {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : null;
}

/** Resident set size in KiB. */
export function rssKb(pid: number): number | null {
  return statusKb(pid, 'VmRSS');
}

/** Proportional set size in KiB: shared pages (Node's code, shared libraries) split among the processes. */
export function pssKb(pid: number): number | null {
  const m = /^Pss:\s+(\d+) kB/m.exec(read(`/proc/${pid}/smaps_rollup`) ?? '');
  return m ? Number(m[1]) : null;
}

/** The thread ids of a process. */
export function threadIds(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

/** The command line of a process, arguments joined by spaces ('' when gone). */
export function cmdline(pid: number): string {
  return (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
}

/** Every live descendant of `root` (children, their children, …), from the parent ids in /proc/<pid>/stat. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(statFields(Number(name))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const todo = [...(children.get(root) ?? [])];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Descendants of `root` that are agent-runner processes: Node running agent-runner/main.js (not the bubblewrap
 * processes around a sandboxed one, whose command lines name it too).
 */
export function runnerPids(root: number): number[] {
  return descendants(root).filter((pid) => {
    const argv = cmdline(pid);
    return /agent-runner\/main\.js/.test(argv) && !/^\S*bwrap\s/.test(argv);
  });
}
