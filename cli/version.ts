/** The version `nanoclaw --version` prints: package.json's, read from the installed tree (dist/cli → repo root). */
import fs from 'node:fs';
import path from 'node:path';

export function packageVersion(): string {
  const file = path.resolve(import.meta.dirname, '..', '..', 'package.json');
  const pkg = JSON.parse(
    fs.readFileSync(
      fs.existsSync(file) ? file : path.resolve(import.meta.dirname, '..', 'package.json'),
      'utf8',
    ),
  ) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}
