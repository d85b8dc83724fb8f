/**
 * No sandbox: the runner is a plain child process of the host, running as the host's user. The session
 * directory is the workspace; `agent` and `global` inside it are symlinks to the group folder and the global
 * folder. Nothing here is enforced against the runner — it can read and write whatever the host's user can.
 */
import path from 'node:path';
import { AGENT_SUBDIR, GLOBAL_SUBDIR } from '../../../protocol/paths.js';
import { RUNNER_ENV } from '../../../protocol/env.js';
import { ensureDirInside } from '../../session/safe-fs.js';
import type { RunnerSpec } from '../runtime.js';
import type { Launch, Launcher } from './launcher.js';
import { linkInto } from './workspace-entries.js';

const HOME_SUBDIR = '.home';

export class DirectLauncher implements Launcher {
  readonly sandbox = 'none' as const;

  /** `command`: argv of the runner, e.g. [process.execPath, '<repo>/dist/container/agent-runner/main.js']. */
  constructor(
    private readonly dataDir: string,
    private readonly command: string[],
  ) {}

  launch(spec: RunnerSpec, env: Record<string, string>): Launch {
    const data = this.dataDir;
    const workspace = ensureDirInside(data, spec.sessionSubPath);
    linkInto(workspace, AGENT_SUBDIR, ensureDirInside(data, spec.agentSubPath));
    linkInto(workspace, GLOBAL_SUBDIR, ensureDirInside(data, spec.globalSubPath));
    const home = ensureDirInside(data, path.join(spec.sessionSubPath, HOME_SUBDIR));
    const [command, ...args] = this.command;
    return {
      command: command!,
      args,
      cwd: workspace,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        ...env,
        [RUNNER_ENV.workspace]: workspace,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      attach: (child) => ({ terminate: () => child.kill('SIGTERM') }),
    };
  }

  isRunnerArgv(argv: string[]): boolean {
    return argv.length === this.command.length && argv.every((a, i) => a === this.command[i]);
  }
}
