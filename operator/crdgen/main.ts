/** Writes crds/*.yaml from the zod source of truth: `npm run crds:generate`. */
import fs from 'node:fs';
import path from 'node:path';
import { renderAll } from './crd.js';

export function writeCrds(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of renderAll()) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== content) {
      fs.writeFileSync(file, content);
      written.push(file);
    }
  }
  return written;
}

const dir = process.argv[2] ?? 'crds';
const written = writeCrds(dir);
process.stdout.write(written.length ? `wrote ${written.join(', ')}\n` : `${dir}: up to date\n`);
