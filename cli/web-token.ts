/**
 * `nanoclaw web-token create | list | revoke`: per-user bearer tokens for the web chat API, stored hashed in the
 * central DB (host/web-auth/credentials.ts). A token is printed once, when it is created.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../host/config.js';
import { openCentralDb, type CentralDb } from '../host/db/central-db.js';
import { InputError } from '../host/errors.js';
import { dataLayout } from '../host/session/layout.js';
import { issueCredential, listTokens, revokeTokens } from '../host/web-auth/credentials.js';
import { UsageError } from './args.js';

const HELP = `Usage: nanoclaw web-token create --user web:<name> [--label TEXT] [--data-dir DIR]
       nanoclaw web-token list [--data-dir DIR]
       nanoclaw web-token revoke <id> [--data-dir DIR]
       nanoclaw web-token sign-in [--user web:<name>] [--url URL] [--data-dir DIR]

Per-user bearer tokens for the web chat API (Authorization: Bearer <token>), for "nanoclaw chat --token",
scripts and cluster users. A token is bound to one web user id; the chats it can watch and the questions it can
answer follow that user's roles. "create" prints the token once; only its hash is stored. "sign-in" prints a
one-time browser sign-in URL (default user: NANOCLAW_WEB_OWNER; default URL http://127.0.0.1:<NANOCLAW_PORT>/).
The data dir defaults to NANOCLAW_DATA_DIR or ./data (on a cluster: kubectl exec into the host container).
`;

export function webTokenCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        user: { type: 'string' },
        label: { type: 'string' },
        url: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  if (values.help || !action) {
    process.stdout.write(HELP);
    return Promise.resolve(values.help ? 0 : 2);
  }
  const config = loadConfig({
    ...process.env,
    ...(values['data-dir'] !== undefined ? { NANOCLAW_DATA_DIR: values['data-dir'] } : {}),
  });
  const db = openCentralDb(dataLayout(config.dataDir).centralDb);
  try {
    switch (action) {
      case 'create': {
        if (!values.user) throw new UsageError('web-token create: --user web:<name> is required');
        const { id, secret } = issue(db, { kind: 'token', userId: values.user, label: values.label });
        process.stderr.write(`created ${id} for ${values.user}; the token is shown only now:\n`);
        process.stdout.write(`${secret}\n`);
        return Promise.resolve(0);
      }
      case 'list':
        for (const t of listTokens(db))
          process.stdout.write(`${t.id}\t${t.user_id}\t${t.created_at}\t${t.label ?? ''}\n`);
        return Promise.resolve(0);
      case 'revoke': {
        if (rest.length !== 1) throw new UsageError('web-token revoke: give exactly one token id');
        if (revokeTokens(db, { id: rest[0]! }) === 0) {
          process.stderr.write(`nanoclaw web-token: no token ${rest[0]}\n`);
          return Promise.resolve(1);
        }
        process.stdout.write(`revoked ${rest[0]}\n`);
        return Promise.resolve(0);
      }
      case 'sign-in': {
        const userId = values.user ?? config.web.owner;
        const { secret } = issue(db, { kind: 'sign_in', userId, ttlMs: config.web.signInTtlMs });
        const url = new URL(values.url ?? `http://127.0.0.1:${config.port || 3000}/`);
        url.searchParams.set('token', secret);
        process.stdout.write(`${url.href}\n`);
        return Promise.resolve(0);
      }
      default:
        throw new UsageError(`web-token: unknown action "${action}" (create, list, revoke)`);
    }
  } finally {
    db.close();
  }
}

/** issueCredential, with a bad user id reported as a usage error. */
function issue(db: CentralDb, c: Parameters<typeof issueCredential>[1]): { id: string; secret: string } {
  try {
    return issueCredential(db, c);
  } catch (err) {
    if (err instanceof InputError) throw new UsageError(`web-token: ${err.message}`);
    throw err;
  }
}
