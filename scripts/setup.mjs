#!/usr/bin/env node
// `npm start`'s first step: install dependencies when they are missing or stale, then compile to dist/ when the
// sources changed. Safe to run any time.
//
// Invariant: dist/ is rebuilt exactly when the build's inputs differ from those of the last successful build:
// a SHA-256 over the path and content of every TypeScript/JSON file under the compiled folders and the tsconfig
// and lock files, kept in dist/.sources.sha256. A deleted or renamed file, a branch switch or an edit changes it;
// touching a file (mtime only) does not. The stamp is written only after tsc succeeded.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = [
  'protocol',
  'kube',
  'host',
  'operator',
  'container',
  'cli',
  'hack',
  'bench',
  'test/fixtures',
];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const STAMP = path.join(root, 'dist', '.sources.sha256');
const ENTRY = path.join(root, 'dist', 'cli', 'main.js');

const run = (what, cmd, args) => {
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`setup: ${cmd} ${args.join(' ')} failed (exit ${res.status ?? res.signal})`);
    process.exit(res.status ?? 1);
  }
  console.error(`setup: ${what} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
};

function* files(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(full);
    else if (e.isFile() && /\.(ts|json)$/.test(e.name)) yield full;
  }
}

/** The hash of the build's inputs (see the invariant above). */
function sourcesHash() {
  const all = [
    ...SOURCE_FILES.map((f) => path.join(root, f)),
    ...SOURCE_DIRS.flatMap((d) => [...files(path.join(root, d))]),
  ].sort();
  const hash = createHash('sha256');
  for (const f of all) {
    hash.update(`${path.relative(root, f)}\0`);
    hash.update(fs.existsSync(f) ? fs.readFileSync(f) : '');
    hash.update('\0');
  }
  return hash.digest('hex');
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`setup: Node.js 20.19 or newer is required (this is ${process.version})`);
  process.exit(1);
}
// Dependencies are reinstalled exactly when package-lock.json's content differs from the one last installed
// (its hash in node_modules/.nanoclaw-lock.sha256). A tree installed by hand without that stamp is trusted when
// it is newer than the lock file, and stamped.
const installed = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
const lockStamp = path.join(root, 'node_modules', '.nanoclaw-lock.sha256');
const lockHash = createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
const installedHash = fs.existsSync(lockStamp)
  ? fs.readFileSync(lockStamp, 'utf8')
  : fs.existsSync(installed) && fs.statSync(lock).mtimeMs <= fs.statSync(installed).mtimeMs
    ? lockHash
    : null;
if (installedHash !== lockHash) {
  console.error(
    'setup: installing dependencies with npm ci (the first time about 2 minutes on 2 cores, most of it compiling better-sqlite3)',
  );
  run('installing dependencies', 'npm', ['ci', '--no-audit', '--no-fund']);
}
if (!fs.existsSync(lockStamp) || fs.readFileSync(lockStamp, 'utf8') !== lockHash)
  fs.writeFileSync(lockStamp, lockHash);
const hash = sourcesHash();
const built = fs.existsSync(ENTRY) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === hash;
if (!built) {
  console.error(
    fs.existsSync(ENTRY)
      ? 'setup: sources changed, compiling TypeScript to dist/ (incremental: usually 10–25 s on 2 cores)'
      : 'setup: compiling TypeScript to dist/ (the first time about 20–40 s on 2 cores)',
  );
  run('compiling', process.execPath, [
    path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
  fs.writeFileSync(STAMP, hash);
}
