/** docs/cli.md is what `nanoclaw help --markdown` prints: regenerate it when a verb or its --help changes. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliMarkdown, helpOf, usage } from './help-doc.js';
import { VERBS } from './verbs.js';

/** Both tests import every verb's module (the Kubernetes client among them): slow on a loaded machine. */
const LOADS_EVERY_VERB_MS = 30_000;
const DOC = path.resolve(import.meta.dirname, '..', 'docs', 'cli.md');

describe('the CLI reference', () => {
  it(
    "docs/cli.md matches the verbs' --help texts (regenerate: node dist/cli/main.js help --markdown > docs/cli.md)",
    async () => {
      expect(fs.readFileSync(DOC, 'utf8')).toBe(await cliMarkdown(VERBS));
    },
    LOADS_EVERY_VERB_MS,
  );

  it(
    'documents every verb of the registry, each with a usage line',
    async () => {
      const names = VERBS.map((v) => v.name);
      for (const verb of [
        'start',
        'host',
        'operator',
        'chat',
        'web-token',
        'pair',
        'verify',
        'init-first-agent',
        'status',
      ])
        expect(names).toContain(verb);
      expect(new Set(names).size).toBe(names.length);
      for (const verb of VERBS) {
        expect(await helpOf(verb), verb.name).toMatch(new RegExp(`^Usage: nanoclaw ${verb.name}\\b`));
        expect(usage(VERBS)).toContain(`  ${verb.name} `);
      }
    },
    LOADS_EVERY_VERB_MS,
  );
});
