import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packageVersion } from './version.js';

describe('packageVersion', () => {
  it('is the version in package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(packageVersion()).toBe(pkg.version);
  });
});
