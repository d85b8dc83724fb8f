#!/usr/bin/env node
/**
 * `nanoclaw <verb>` — the composition root. The verbs are in cli/verbs.ts (the registry); `nanoclaw help
 * --markdown` prints docs/cli.md from it. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
 */
import { UsageError } from './args.js';
import { cliMarkdown, usage } from './help-doc.js';
import { VERBS } from './verbs.js';
import { packageVersion } from './version.js';

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--version' || verb === '-V') {
    process.stdout.write(`nanoclaw ${packageVersion()}\n`);
    return 0;
  }
  if (verb === 'help' && rest[0] === '--markdown') {
    process.stdout.write(await cliMarkdown(VERBS));
    return 0;
  }
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(usage(VERBS));
    return verb ? 0 : 2;
  }
  const found = VERBS.find((v) => v.name === verb);
  if (!found) {
    process.stderr.write(`nanoclaw: unknown command "${verb}"\n\n${usage(VERBS)}`);
    return 2;
  }
  return found.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
  },
  (err: unknown) => {
    // By name: importing host/config.ts (and zod with it) would double the time of `nanoclaw --help`.
    const usage = err instanceof UsageError || (err as Error).name === 'ConfigError';
    process.stderr.write(`nanoclaw: ${(err as Error).message}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
