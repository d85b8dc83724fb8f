/**
 * Runs hack/tools/dockerfile-check (BuildKit's Dockerfile parser and linter, offline) on the repository's
 * Dockerfile and returns its JSON report, plus helpers to read stages the way the builder resolves them.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../hack/repo-root.js';
import { toolPath } from '../fixtures/helm/tools.js';

export interface DockerCommand {
  name: string;
  line: number;
  sources?: string[];
  dest?: string;
  from?: string;
  argv?: string[];
  shell?: boolean;
  value?: string;
  keys?: string[];
}

export interface DockerStage {
  name: string;
  base: string;
  line: number;
  commands: DockerCommand[];
}

export interface DockerfileReport {
  exitCode: number;
  warnings: { rule: string; detail: string; line: number }[];
  error?: string;
  stages: DockerStage[];
  context: { line: number; source: string; exists: boolean; ignored: boolean }[];
}

export function checkDockerfile(
  file = path.join(repoRoot(), 'Dockerfile'),
  context = repoRoot(),
): DockerfileReport {
  const res = spawnSync(toolPath('dockerfile-check'), ['-f', file, '-context', context], {
    encoding: 'utf8',
  });
  if (res.status === 2 || !res.stdout) throw new Error(`dockerfile-check failed: ${res.stderr}`);
  return { exitCode: res.status ?? -1, ...(JSON.parse(res.stdout) as Omit<DockerfileReport, 'exitCode'>) };
}

/** A stage and the stages it is built on, nearest first (external base images end the chain). */
function lineage(stages: DockerStage[], name: string): DockerStage[] {
  const out: DockerStage[] = [];
  let current = stages.find((s) => s.name === name);
  while (current && out.length <= stages.length) {
    out.push(current);
    const base = current.base;
    current = stages.find((s) => s.name === base);
  }
  return out;
}

/** The last value an instruction (user, workdir, cmd, entrypoint) takes in a stage, inherited from its bases. */
export function effective(
  stages: DockerStage[],
  name: string,
  instruction: string,
): DockerCommand | undefined {
  for (const stage of lineage(stages, name)) {
    const hit = stage.commands.filter((c) => c.name === instruction).pop();
    if (hit) return hit;
  }
  return undefined;
}

/** WORKDIR in force at a command's line (absolute paths only, as this Dockerfile uses them). */
export function workdirAt(stages: DockerStage[], name: string, line: number): string {
  const [own, ...bases] = lineage(stages, name);
  const local = own?.commands.filter((c) => c.name === 'workdir' && c.line < line).pop();
  if (local) return local.value!;
  for (const stage of bases) {
    const hit = stage.commands.filter((c) => c.name === 'workdir').pop();
    if (hit) return hit.value!;
  }
  return '/';
}
