/**
 * Runs a command on a real pseudo-terminal, for tests of what a person sees in a terminal: `script(1)` from
 * util-linux (Debian's essential bsdutils, so on every machine; no native Node module to build) opens the pty,
 * runs the command on it and copies our pipe to its input and its output to our pipe. `-e` passes the command's
 * exit code on, `-f` flushes every write, `-q` keeps script's own lines out.
 *
 * Output is kept raw (colours, cursor moves) and as the text a person sees: a small model of the terminal's
 * lines that applies carriage returns, cursor-to-column and erase-line/erase-below, the sequences readline uses
 * to redraw its prompt (other escape sequences, like colours, are dropped).
 */
import { spawn } from 'node:child_process';

export interface PtyProcess {
  /** Types text (a line ends with "\r", as the Enter key sends; "\u0004" is Ctrl-D). */
  type(text: string): void;
  raw(): string;
  /** What the terminal shows (see above), lines joined with \n. */
  text(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the command's exit code. */
  exited: Promise<number | null>;
  kill(): void;
}

// eslint-disable-next-line no-control-regex -- escape sequences are what this reads
const TOKEN = /\u001b\[([0-9;?]*)([A-Za-z])|\r|\n|[^\u001b\r\n]+/g;

/** The lines a terminal shows after `out`: writes overwrite at the cursor's column. */
function screen(out: string): string {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  for (const [tok, params, final] of out.matchAll(TOKEN)) {
    if (tok === '\r') col = 0;
    else if (tok === '\n') {
      row++;
      col = 0;
      lines[row] ??= '';
    } else if (final === 'G') col = Math.max(0, Number(params || '1') - 1);
    else if (final === 'K') {
      const line = lines[row]!;
      lines[row] =
        params === '2' ? '' : params === '1' ? ' '.repeat(col) + line.slice(col) : line.slice(0, col);
    } else if (final === 'J') {
      lines[row] = lines[row]!.slice(0, col);
      lines.length = row + 1;
    } else if (final === undefined) {
      const line = lines[row]!.padEnd(col);
      lines[row] = line.slice(0, col) + tok + line.slice(col + tok.length);
      col += tok.length;
    }
  }
  return lines.join('\n');
}

/** Shell-quotes one argument for script's -c. */
const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

export function spawnInPty(
  argv: string[],
  opts: { env: Record<string, string>; cwd: string; columns?: number },
): PtyProcess {
  const command = `stty cols ${opts.columns ?? 120} rows 40; exec ${argv.map(quote).join(' ')}`;
  const proc = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { TERM: 'xterm-256color', ...opts.env },
    cwd: opts.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    for (const w of waiters) w();
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const text = () => screen(out);
  return {
    type: (t) => void proc.stdin.write(t),
    raw: () => out,
    text,
    waitFor: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = pattern.exec(text());
          if (!m) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m[0]);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; the terminal shows:\n${text().slice(-2000)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    exited,
    kill: () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}
