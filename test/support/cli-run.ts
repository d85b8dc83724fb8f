/** Runs a CLI verb in-process, capturing what it writes and mapping a thrown error to main.ts's exit code. */
import { UsageError } from '../../cli/args.js';
import { ConfigError } from '../../host/config.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runVerb(run: (argv: string[]) => Promise<number>, argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  const capture = (into: string[]) =>
    ((chunk: string | Uint8Array) => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  let code: number;
  try {
    code = await run(argv);
  } catch (e) {
    err.push(`nanoclaw: ${(e as Error).message}\n`);
    code = e instanceof UsageError || e instanceof ConfigError ? 2 : 1;
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}
