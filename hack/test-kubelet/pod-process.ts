/**
 * Test-only: runs one container of a Pod as a local process, the way a kubelet would run it in a container.
 *
 * There is no container engine, so the container's filesystem view is emulated: every volume mount and image
 * directory becomes a symlink under a per-pod root, and absolute paths in command, args, env values and workingDir
 * are rewritten to point into that root. Nested mounts (/workspace/agent inside /workspace) are linked inside the
 * parent mount's directory, which is what a real kubelet's mount point creation looks like from inside.
 * When the kubelet runs as root and the pod sets runAsUser, the process runs as that user: writable mounts are
 * chowned to it (fsGroup semantics) and read-only mounts are left root-owned, so `readOnly` is really enforced.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';

export interface ResolvedEnv {
  name: string;
  value: string;
}

export interface PodProcessOptions {
  pod: V1Pod;
  container: V1Container;
  /** Directory for this pod's emulated root and emptyDirs. */
  podDir: string;
  /** Local directory backing each PersistentVolumeClaim, by claim name. */
  claims: Record<string, string>;
  /** Image directories, e.g. { '/app': '<repo>' }. */
  imagePaths: Record<string, string>;
  env: ResolvedEnv[];
  /** Files for secret/configMap volumes, by volume name. */
  volumeFiles: Record<string, Record<string, string>>;
  onOutput: (line: string) => void;
}

export class UnsupportedPodError extends Error {
  override readonly name = 'UnsupportedPodError';
}

function volumeDir(v: V1Volume, o: PodProcessOptions): string {
  if (v.persistentVolumeClaim) {
    const dir = o.claims[v.persistentVolumeClaim.claimName];
    if (!dir)
      throw new UnsupportedPodError(`no local directory for claim ${v.persistentVolumeClaim.claimName}`);
    return dir;
  }
  if (v.emptyDir) return path.join(o.podDir, 'volumes', v.name);
  if (v.secret || v.configMap) {
    const dir = path.join(o.podDir, 'volumes', v.name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [k, val] of Object.entries(o.volumeFiles[v.name] ?? {}))
      fs.writeFileSync(path.join(dir, k), val);
    return dir;
  }
  throw new UnsupportedPodError(`volume ${v.name}: only persistentVolumeClaim, emptyDir, secret, configMap`);
}

function link(at: string, target: string): void {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.rmSync(at, { force: true, recursive: false });
  try {
    if (fs.lstatSync(at).isDirectory()) fs.rmdirSync(at);
  } catch {
    // nothing there
  }
  fs.symlinkSync(target, at, 'dir');
}

function chownTree(dir: string, uid: number, gid: number, depth = 0): void {
  if (depth > 20) return;
  fs.chownSync(dir, uid, gid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) chownTree(p, uid, gid, depth + 1);
    else fs.chownSync(p, uid, gid);
  }
}

export interface PreparedProcess {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  root: string;
}

/** Builds the emulated filesystem and the rewritten argv/env for the container. */
export function preparePodProcess(o: PodProcessOptions): PreparedProcess {
  const root = path.join(o.podDir, 'root');
  fs.mkdirSync(root, { recursive: true });
  const volumes = new Map((o.pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const sc = { ...o.pod.spec?.securityContext, ...o.container.securityContext };
  const reachable = [...Object.values(o.claims), ...Object.values(o.imagePaths), o.podDir].every(
    traversableByOthers,
  );
  const asUser = process.getuid?.() === 0 && sc.runAsUser !== undefined && sc.runAsUser !== 0 && reachable;
  const uid = asUser ? sc.runAsUser! : undefined;
  const gid = asUser ? (o.pod.spec?.securityContext?.fsGroup ?? sc.runAsGroup ?? sc.runAsUser!) : undefined;

  const mounts = [...(o.container.volumeMounts ?? [])].sort(
    (a, b) => a.mountPath.length - b.mountPath.length,
  );
  for (const m of mounts) {
    const v = volumes.get(m.name);
    if (!v) throw new UnsupportedPodError(`mount ${m.mountPath} names missing volume ${m.name}`);
    const base = volumeDir(v, o);
    const source = m.subPath ? path.join(base, m.subPath) : base;
    if (!path.resolve(source).startsWith(path.resolve(base))) {
      throw new UnsupportedPodError(`subPath ${m.subPath} escapes its volume`);
    }
    fs.mkdirSync(source, { recursive: true });
    if (uid !== undefined && gid !== undefined) {
      if (m.readOnly) fs.chmodSync(source, 0o755);
      else chownTree(source, uid, gid);
    }
    link(path.join(root, m.mountPath), source);
  }
  for (const [p, dir] of Object.entries(o.imagePaths)) link(path.join(root, p), dir);

  const prefixes = [...mounts.map((m) => m.mountPath), ...Object.keys(o.imagePaths)].sort(
    (a, b) => b.length - a.length,
  );
  const mapPath = (s: string): string => {
    const hit = prefixes.find((p) => s === p || s.startsWith(`${p}/`));
    return hit ? path.join(root, s) : s;
  };
  const argv = [...(o.container.command ?? []), ...(o.container.args ?? [])];
  if (argv.length === 0)
    throw new UnsupportedPodError('container has no command (images have no entrypoint here)');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const e of o.env) env[e.name] = mapPath(expand(e.value, env));
  const [cmd, ...args] = argv.map((a) => mapPath(expand(a, env)));
  return {
    command: cmd === 'node' ? process.execPath : cmd!,
    args,
    cwd: o.container.workingDir ? mapPath(o.container.workingDir) : root,
    env,
    ...(uid !== undefined ? { uid, gid } : {}),
    root,
  };
}

/**
 * Whether another user can reach `p` (every ancestor directory has o+x). A checkout under /root is not, and then
 * the process keeps the kubelet's own user (readOnly mounts are then not enforced).
 */
export function traversableByOthers(p: string): boolean {
  let dir = path.resolve(p);
  for (;;) {
    try {
      if ((fs.statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const up = path.dirname(dir);
    if (up === dir) return true;
    dir = up;
  }
}

/** Kubernetes `$(VAR)` expansion of env references. */
function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => env[name] ?? m);
}

export function startPodProcess(p: PreparedProcess, onOutput: (line: string) => void): ChildProcess {
  const child = spawn(p.command, p.args, {
    cwd: p.cwd,
    env: p.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(p.uid !== undefined ? { uid: p.uid, gid: p.gid } : {}),
  });
  for (const s of [child.stdout, child.stderr]) {
    let buf = '';
    s?.setEncoding('utf8');
    s?.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onOutput(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  }
  return child;
}
