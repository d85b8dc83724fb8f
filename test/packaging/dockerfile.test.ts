/**
 * The Dockerfile, checked without a container engine: BuildKit's own parser and lint rules (via
 * hack/tools/dockerfile-check), every path it copies from the build context, the stages it copies from, the
 * runtime user, and that its entrypoints are the commands the tests and the runtime run — with everything those
 * entrypoints load present in the image (sources copied into the build stage, packages in production deps).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_COMMAND } from '../../host/runtime/kubernetes/pod-spec.js';
import { repoRoot } from '../../hack/repo-root.js';
import { importClosure } from '../fixtures/import-graph.js';
import { checkDockerfile, effective, workdirAt, type DockerfileReport } from './dockerfile-report.js';

const root = repoRoot();
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const buildConfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as {
  include: string[];
};
let report: DockerfileReport;

beforeAll(() => {
  report = checkDockerfile();
}, 180_000);

const stage = (name: string) => {
  const s = report.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
};

/** `/app/dist/<x>.js` → the repository source `<x>.ts` it is compiled from. */
function sourceOf(imagePath: string): string {
  const m = /^\/app\/dist\/(.+)\.js$/.exec(imagePath);
  if (!m) throw new Error(`${imagePath} is not a compiled file under /app/dist`);
  return `${m[1]}.ts`;
}

/** Repository paths the build stage copies from the context (directories end with '/'). */
function buildInputs(): string[] {
  return stage('build')
    .commands.filter((c) => c.name === 'copy' && !c.from)
    .flatMap((c) => c.sources!);
}

describe('Dockerfile', () => {
  it('passes BuildKit lint with no warning and no parse error', () => {
    expect(report.error).toBeUndefined();
    expect(report.warnings).toEqual([]);
    expect(report.exitCode).toBe(0);
  });

  it('also fails the check for a Dockerfile that breaks the rules (the check can fail)', () => {
    const dir = fs.mkdtempSync(path.join(root, '.test-results', 'dockerfile-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'Dockerfile'),
        'FROM node:20 as Build\nENV ANTHROPIC_API_KEY=x\nCOPY missing.txt /x\nCMD node main.js\n',
      );
      const bad = checkDockerfile(path.join(dir, 'Dockerfile'), dir);
      expect(bad.exitCode).toBe(1);
      expect(bad.warnings.map((w) => w.rule).sort()).toEqual([
        'FromAsCasing',
        'JSONArgsRecommended',
        'SecretsUsedInArgOrEnv',
        'StageNameCasing',
      ]);
      expect(bad.context).toEqual([{ line: 3, source: 'missing.txt', exists: false, ignored: false }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copies only paths that exist in the repository and that .dockerignore does not exclude', () => {
    expect(report.context.length).toBeGreaterThan(0);
    for (const c of report.context)
      expect(c, `line ${c.line}: ${c.source}`).toMatchObject({ exists: true, ignored: false });
  });

  it('has the two targets, host being the default (last) one', () => {
    const names = report.stages.map((s) => s.name);
    expect(names).toContain('agent-runner');
    expect(names.at(-1)).toBe('host');
  });

  it('runs both images as uid/gid 1000, numerically (so runAsNonRoot can verify it)', () => {
    for (const target of ['host', 'agent-runner']) {
      expect(effective(report.stages, target, 'user')?.value).toBe('1000:1000');
    }
  });

  it('starts the runner exactly as the Kubernetes runtime does, from the directory it mounts', () => {
    expect(effective(report.stages, 'agent-runner', 'cmd')?.argv).toEqual(RUNNER_COMMAND);
    expect(effective(report.stages, 'agent-runner', 'cmd')?.shell).toBeFalsy();
    expect(effective(report.stages, 'agent-runner', 'workdir')?.value).toBe('/workspace');
  });

  it('starts the host image as the nanoclaw CLI, `host` by default', () => {
    const entry = effective(report.stages, 'host', 'entrypoint')!;
    expect(entry.argv).toEqual(['node', '/app/dist/cli/main.js']);
    expect(entry.shell).toBeFalsy();
    expect(effective(report.stages, 'host', 'cmd')?.argv).toEqual(['host']);
    const verbs = fs.readFileSync(path.join(root, 'cli', 'verbs.ts'), 'utf8');
    for (const verb of ['host', 'operator', 'chat']) expect(verbs).toContain(`name: '${verb}',`);
  });

  it('builds every entrypoint and everything it loads from sources the build stage copies', () => {
    const inputs = buildInputs();
    const entries = [RUNNER_COMMAND[1]!, effective(report.stages, 'host', 'entrypoint')!.argv![1]!];
    for (const entry of entries) {
      const source = sourceOf(entry);
      expect(fs.existsSync(path.join(root, source)), source).toBe(true);
      const closure = importClosure(root, source);
      expect(closure.files.length).toBeGreaterThan(1);
      for (const file of closure.files) {
        expect(
          inputs.some((dir) => dir.endsWith('/') && file.startsWith(dir)),
          `${file} (loaded by ${source})`,
        ).toBe(true);
        const top = file.split('/')[0]!;
        expect(buildConfig.include, `tsconfig.build.json compiles ${file}`).toContain(top);
      }
      for (const name of closure.packages) {
        expect(
          Object.keys(pkg.dependencies),
          `${name} (loaded by ${source}) is a production dependency`,
        ).toContain(name);
      }
      // The build stage refuses to finish without the entrypoint's compiled file.
      const verify = stage('build')
        .commands.filter((c) => c.name === 'run')
        .pop()!
        .argv!.join(' ');
      expect(verify).toContain(`test -f ${entry.replace('/app/', '')}`);
    }
    expect(inputs).toEqual(
      expect.arrayContaining(['tsconfig.json', 'tsconfig.build.json', 'package-lock.json']),
    );
  });

  it('copies node_modules from a production-only install and dist/ from the compile stage', () => {
    const runtime = stage('runtime');
    const fromStage = runtime.commands.filter((c) => c.name === 'copy' && c.from);
    const deps = fromStage.find((c) => c.from === 'deps')!;
    const build = fromStage.find((c) => c.from === 'build')!;
    expect(deps.sources).toEqual([`${workdirAt(report.stages, 'deps', Infinity)}/node_modules`]);
    expect(build.sources).toEqual([`${workdirAt(report.stages, 'build', Infinity)}/dist`]);
    const install = stage('deps')
      .commands.find((c) => c.name === 'run')!
      .argv!.join(' ');
    expect(install).toMatch(/npm ci --omit=dev\b/);
    const toolchain = stage('toolchain')
      .commands.find((c) => c.name === 'run')!
      .argv!.join(' ');
    for (const tool of ['python3', 'make', 'g++']) expect(toolchain).toContain(tool);
    // package.json makes dist/ ESM and is the root the runtime looks for (host/runtime/runner-command.ts).
    expect(
      runtime.commands.some((c) => c.name === 'copy' && !c.from && c.sources?.includes('package.json')),
    ).toBe(true);
    expect(workdirAt(report.stages, 'runtime', Infinity)).toBe('/app');
    // The runtime stages start from the plain base image: no compiler ships.
    expect(runtime.base).toBe(stage('toolchain').base);
  });

  it('bakes no secret into any layer and keeps secrets out of the build context', () => {
    const keys = report.stages.flatMap((s) =>
      s.commands.filter((c) => c.name === 'env' || c.name === 'arg').flatMap((c) => c.keys!),
    );
    for (const k of keys) expect(k).not.toMatch(/KEY|TOKEN|SECRET|PASSWORD/i);
    const ignore = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['.env', '.git', 'node_modules', 'dist', 'data']) expect(ignore).toContain(p);
  });
});
