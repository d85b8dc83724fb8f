#!/usr/bin/env node
// `npx nanoclaw …` / the installed `nanoclaw` binary: runs the compiled CLI (build with `npm run build`).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  console.error('nanoclaw: not built yet; run "npm run build" (or "npm start") in the repository first');
  process.exit(2);
}
await import(pathToFileURL(main).href);
