/**
 * The local owner's terminal credential: a bearer token in the data dir, for `nanoclaw chat` (and scripts) on the
 * same machine. Invariant: the file is written with mode 0600 and replaced whole; a new one revokes the old.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CentralDb } from '../db/central-db.js';
import { LOCAL_TOKEN_FILE } from '../channels/web/web-api.js';
import { issueCredential, revokeTokens } from './credentials.js';

const LABEL = 'local owner file';

export function writeLocalOwnerToken(db: CentralDb, dataDir: string, owner: string): void {
  const file = path.join(dataDir, LOCAL_TOKEN_FILE);
  revokeTokens(db, { userId: owner, label: LABEL });
  const { secret } = issueCredential(db, { kind: 'token', userId: owner, label: LABEL });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  fs.renameSync(tmp, file);
}
