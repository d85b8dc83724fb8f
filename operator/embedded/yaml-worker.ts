/**
 * Parses manifest files' YAML off the event loop: the `yaml` package needs hundreds of milliseconds for a few dozen
 * KiB of pathological input (measured: 16 KiB of nested flow collections ≈ 0.4 s, 64 KiB of keys ≈ 0.65 s on a
 * loaded 2-core machine), and the host serves chats on the same thread. One worker per sync parses every file in
 * turn; a run longer than the deadline is terminated and the files it did not finish are reported as timed out.
 *
 * Invariants:
 * - Aliases are capped (`maxAliasCount`): a file expanding more than MAX_ALIASES references is an error, never a
 *   hang or an exhausted heap.
 * - The worker only parses: it gets file texts and returns plain values or error messages (structured clone), it
 *   reads and writes nothing. Its code is plain JS evaluated in the worker with `yaml` resolved here, so the same
 *   code runs from the TypeScript sources (tests) and from dist/.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** More references than any hand-written manifest needs; the `yaml` default, made explicit. */
const MAX_ALIASES = 100;
const DEFAULT_DEADLINE_MS = 10_000;

export type ParsedFile = { ok: true; docs: unknown[] } | { ok: false; reason: string; errors: string[] };

const WORKER_JS = `
const { parentPort, workerData } = require('node:worker_threads');
const { parseAllDocuments } = require(workerData.yaml);
workerData.texts.forEach((text, i) => {
  let out;
  try {
    const parsed = parseAllDocuments(text, { prettyErrors: true });
    const docs = Array.isArray(parsed) ? parsed : [parsed];
    const errors = docs.flatMap((d) => d.errors).map((e) => e.message);
    out = errors.length
      ? { ok: false, reason: 'InvalidYAML', errors }
      : { ok: true, docs: docs.map((d) => d.toJS({ maxAliasCount: workerData.maxAliases })) };
  } catch (err) {
    const aliases = /alias/i.test(String(err && err.message));
    out = {
      ok: false,
      reason: aliases ? 'TooManyAliases' : 'InvalidYAML',
      errors: [aliases ? 'more than ' + workerData.maxAliases + ' YAML alias references (a resource exhaustion guard)' : String(err && err.message)],
    };
  }
  parentPort.postMessage({ i, out });
});
`;

const yamlPath = createRequire(import.meta.url).resolve('yaml');

/** Parses each text (in order) in a worker thread; never rejects. */
export function parseYamlOffThread(
  texts: readonly string[],
  deadlineMs = DEFAULT_DEADLINE_MS,
): Promise<ParsedFile[]> {
  const results: (ParsedFile | undefined)[] = texts.map(() => undefined);
  if (texts.length === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    let done = false;
    const finish = (why: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(results.map((r) => r ?? { ok: false, reason: 'ParseFailed', errors: [why] }));
    };
    const worker = new Worker(WORKER_JS, {
      eval: true,
      workerData: { yaml: yamlPath, texts, maxAliases: MAX_ALIASES },
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    const timer = setTimeout(
      () => finish(`YAML parsing took longer than ${deadlineMs} ms; stopped`),
      deadlineMs,
    );
    let left = texts.length;
    worker.on('message', (m: { i: number; out: ParsedFile }) => {
      results[m.i] = m.out;
      if (--left === 0) finish('');
    });
    worker.on('error', (err) => finish(`YAML parser failed: ${err.message}`));
    worker.on('exit', (code) => finish(`YAML parser exited with code ${code}`));
  });
}
