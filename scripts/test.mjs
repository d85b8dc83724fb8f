#!/usr/bin/env node
// The one test command (`npm test`): static checks, build, the Kubernetes test assets, then every vitest tier
// (unit, integration, browser, packaging, k8s, docker, real-node). Ends with a plain "N passed, N failed" line that sums everything.
// Extra arguments are passed to vitest (e.g. `npm test -- --project unit`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const results = [];
const env = { ...process.env };

function step(name, cmd, args, opts = {}) {
  const t0 = Date.now();
  console.log(`\n── ${name}: ${[cmd, ...args].join(' ')}`);
  const res = spawnSync(cmd, args, {
    stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    env,
    ...opts,
  });
  const ok = res.status === 0;
  console.log(
    `── ${name}: ${ok ? 'ok' : `FAILED (exit ${res.status ?? res.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { ok, stdout: res.stdout ? res.stdout.toString() : '' };
}

function check(name, cmd, args, opts) {
  const { ok, stdout } = step(name, cmd, args, opts);
  results.push({ name, passed: ok ? 1 : 0, failed: ok ? 0 : 1 });
  return { ok, stdout };
}

if (!fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  check('install', 'npm', ['ci']);
}
// The embedded sandbox's tests need bubblewrap (the Debian/Ubuntu package `bubblewrap`): installed here when it is
// missing and this can (root with apt-get), as the real-node tier installs its packages; otherwise say so.
if (!onPath('bwrap')) {
  if (process.getuid?.() === 0 && onPath('apt-get'))
    check('bubblewrap', 'sh', [
      '-c',
      'apt-get update -qq && apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null',
    ]);
  else
    console.log(
      '\n── bubblewrap: not installed (apt install bubblewrap, dnf install bubblewrap); the sandbox tests will fail',
    );
}
check('lint', 'npx', ['eslint', '.']);
check('format', 'npx', ['prettier', '--check', '.']);
check('imports', 'npm', ['run', '--silent', 'lint:imports']);
check('unused exports', 'npx', ['knip', '--no-config-hints']);
check('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
check('build', 'npx', ['tsc', '-p', 'tsconfig.build.json']);
const assets = check('test assets', 'bash', ['hack/build-test-assets.sh'], { capture: true });
if (assets.ok) env.KUBEBUILDER_ASSETS = assets.stdout.trim().split('\n').pop();
// The real-node tier's assets (packages, node binaries, images): built here so a cold cache is built before the
// tests; exit 3 means this machine cannot run the tier (the reason is the last stdout line) — then it is skipped.
let realNodeSkip = '';
{
  const rn = step('real-node assets', 'bash', ['hack/real-node/build-assets.sh'], { capture: true });
  const last = rn.stdout.trim().split('\n').pop() ?? '';
  if (rn.ok) env.NANOCLAW_REAL_NODE_ASSETS_READY = '1';
  else if (last.startsWith('skip: '))
    env.NANOCLAW_REAL_NODE_SKIP = realNodeSkip = last.slice('skip: '.length);
  else results.push({ name: 'real-node assets', passed: 0, failed: 1 });
}

// The browser tier drives Debian's Chromium: installed here when missing and we are root, else the tier is
// skipped with the reason (its tests then count as skipped, never as passed).
const CHROMIUM = '/usr/bin/chromium';
let browserSkip = '';
if (!fs.existsSync(CHROMIUM)) {
  if (process.getuid?.() === 0)
    step('chromium', 'apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  if (!fs.existsSync(CHROMIUM))
    browserSkip =
      process.getuid?.() === 0
        ? `apt-get install chromium failed, no ${CHROMIUM}`
        : `no ${CHROMIUM} (run as root to install it, or apt-get install chromium)`;
}

const out = path.join(root, '.test-results');
fs.mkdirSync(out, { recursive: true });
const report = path.join(out, 'vitest.json');
fs.rmSync(report, { force: true });
step('vitest', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);
if (fs.existsSync(report)) {
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  const byProject = new Map();
  for (const file of json.testResults) {
    const project = projectOf(file.name);
    const entry = byProject.get(project) ?? { passed: 0, failed: 0, skipped: 0 };
    for (const t of file.assertionResults) {
      if (t.status === 'passed') entry.passed++;
      else if (t.status === 'failed') entry.failed++;
      else entry.skipped++;
    }
    // A file that failed to load has no assertions but still failed.
    if (file.status === 'failed' && file.assertionResults.length === 0) entry.failed++;
    byProject.set(project, entry);
  }
  for (const [name, r] of byProject) results.push({ name: `vitest ${name}`, ...r });
} else {
  results.push({ name: 'vitest', passed: 0, failed: 1 });
}

function onPath(name) {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, name)));
}

function projectOf(file) {
  const rel = path.relative(root, file);
  if (rel.startsWith('test/integration/')) return 'integration';
  if (rel.startsWith('test/browser/')) return 'browser';
  if (rel.startsWith('test/k8s/')) return 'k8s';
  if (rel.startsWith('test/packaging/')) return 'packaging';
  if (rel.startsWith('test/docker/')) return 'docker';
  if (rel.startsWith('test/real-node/')) return 'real-node';
  if (rel.startsWith('test/e2e/')) return 'e2e';
  return 'unit';
}

// A tier the machine cannot run is reported as skipped with its reason, never as passed.
// The docker tier uses the real-node tier's images, so it is skipped for the same reasons (its own, not root or no
// docker.io, are then said by its tests' names).
const tierSkip = {
  'vitest real-node': realNodeSkip,
  'vitest docker': realNodeSkip,
  'vitest browser': browserSkip,
};
console.log('\nSummary');
for (const r of results) {
  const why = tierSkip[r.name];
  if (why && r.passed === 0 && r.failed === 0)
    console.log(`  ${r.name.padEnd(20)} skipped (${why})${r.skipped ? `, ${r.skipped} skipped` : ''}`);
  else
    console.log(
      `  ${r.name.padEnd(20)} ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`,
    );
}
for (const tier of ['vitest docker', 'vitest real-node']) {
  if (realNodeSkip && !results.some((r) => r.name === tier))
    console.log(`  ${tier.padEnd(20)} skipped (${realNodeSkip})`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const skipped = results.reduce((n, r) => n + (r.skipped ?? 0), 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
