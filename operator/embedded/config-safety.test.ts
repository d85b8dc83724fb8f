import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import { getAgentGroup, listAgentGroups } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { findMessagingGroup } from '../../host/db/messaging-groups.js';
import { listArchivedSessions } from '../../host/db/session-archive.js';
import { getSession, resolveSession } from '../../host/session/session-store.js';
import { MAX_MANIFEST_BYTES } from './load.js';
import { syncManifestDir } from './sync.js';

const log = pino({ level: 'silent' });
let db: CentralDb;
let root: string;
let dir: string;
let dataDir: string;

beforeEach(() => {
  db = memoryDb();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-safety-'));
  dir = path.join(root, 'nanoclaw.d');
  dataDir = path.join(root, 'data');
  fs.mkdirSync(dir);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
const sync = (settleMs = 0) => syncManifestDir(db, { dir, dataDir, log, settleMs });
/** Makes a file look written long ago (settled). */
const age = (file: string) => {
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(path.join(dir, file), past, past);
};

const AGENT = `apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata:
  name: helper
spec:
  displayName: Helper
  provider: mock
`;
const CHAT = `apiVersion: nanoclaw.dev/v1alpha1
kind: MessagingGroup
metadata:
  name: web-main
spec:
  channel: web
  platformId: main
  unknownSenderPolicy: public
  agents:
    - agentGroup: helper
`;

function aliasBomb(refs: number): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: bomb }', 'x: &a [1, 2, 3]', 'data:'];
  for (let i = 0; i < refs; i++) lines.push(`  k${i}: *a`);
  return lines.join('\n') + '\n';
}

describe('bad manifest files never block the others and are named', () => {
  it('refuses a file with more than 100 alias references, naming it, and applies the others', async () => {
    write('agent.yaml', AGENT);
    write('bomb.yaml', aliasBomb(150));
    const res = await sync();
    expect(res.applied).toBe(1);
    expect(res.errors).toEqual([expect.objectContaining({ file: 'bomb.yaml', reason: 'TooManyAliases' })]);
    expect(getAgentGroup(db, 'helper')).toBeDefined();
  });

  it('refuses a file over the size cap without reading it', async () => {
    write('agent.yaml', AGENT);
    write('huge.yaml', `# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n`);
    const res = await sync();
    expect(res.applied).toBe(1);
    expect(res.errors).toEqual([expect.objectContaining({ file: 'huge.yaml', reason: 'TooLarge' })]);
  });

  it('parses a slow pathological file off the event loop: timers keep firing meanwhile', async () => {
    write('nested.yaml', `${'['.repeat(40_000)}\n`);
    let ticks = 0;
    const tick = setInterval(() => ticks++, 5);
    const started = Date.now();
    const res = await sync();
    clearInterval(tick);
    expect(res.errors[0]).toMatchObject({ file: 'nested.yaml' });
    // A blocked event loop would fire the 5 ms timer at most once after the parse.
    expect(ticks).toBeGreaterThan(Math.min(10, (Date.now() - started) / 50));
  }, 30_000);
});

describe('a half-written file never deletes anything', () => {
  it('keeps every object while a file is empty; removes them once it says "# empty"', async () => {
    write('agent.yaml', AGENT);
    write('chat.yaml', CHAT);
    await sync();
    write('chat.yaml', '');
    const res = await sync();
    expect(res.pruned).toBe(0);
    expect(res.errors).toEqual([expect.objectContaining({ file: 'chat.yaml', reason: 'EmptyFile' })]);
    expect(findMessagingGroup(db, 'web', 'main')).toBeDefined();

    write('chat.yaml', '   \n# only a comment\n---\n');
    expect((await sync()).pruned).toBe(0);

    write('chat.yaml', '# empty\n');
    const emptied = await sync();
    expect(emptied.errors).toEqual([]);
    expect(emptied.pruned).toBe(1);
    expect(findMessagingGroup(db, 'web', 'main')).toBeUndefined();
  });

  it('does not read a file that is still being written; reads it once it has settled', async () => {
    write('both.yaml', `${AGENT}---\n${CHAT}`);
    age('both.yaml');
    await sync(1000);
    write('both.yaml', AGENT); // a copy cut after the first document: still valid YAML
    const res = await sync(1000);
    expect(res.unsettled).toEqual(['both.yaml']);
    expect(res.pruned).toBe(0);
    expect(findMessagingGroup(db, 'web', 'main')).toBeDefined();
    age('both.yaml'); // the writer stopped: what it left is the file's content now
    expect(await sync(1000)).toMatchObject({ unsettled: [], pruned: 1, errors: [] });
  });
});

describe('sessions are never deleted by a configuration change', () => {
  it('archives a removed agent group’s sessions and brings them back, with their files, when it returns', async () => {
    write('agent.yaml', AGENT);
    write('chat.yaml', CHAT);
    await sync();
    const chat = findMessagingGroup(db, 'web', 'main')!;
    const { session } = resolveSession(db, {
      agentGroupId: 'helper',
      messagingGroupId: chat.id,
      threadId: null,
      mode: 'shared',
    });
    const sessionFile = path.join(dataDir, 'sessions', 'helper', session.id, 'inbound.db');
    fs.mkdirSync(path.dirname(sessionFile), { recursive: true });
    fs.writeFileSync(sessionFile, 'conversation');

    fs.rmSync(path.join(dir, 'agent.yaml'));
    fs.rmSync(path.join(dir, 'chat.yaml'));
    expect((await sync()).pruned).toBe(2);
    expect(listAgentGroups(db)).toEqual([]);
    expect(getSession(db, session.id)).toBeUndefined();
    expect(listArchivedSessions(db)).toEqual([
      expect.objectContaining({ id: session.id, agent_group_id: 'helper', messaging_group_id: chat.id }),
    ]);
    expect(fs.existsSync(sessionFile)).toBe(false);

    write('agent.yaml', AGENT);
    write('chat.yaml', CHAT);
    await sync();
    expect(getSession(db, session.id)).toMatchObject({
      agent_group_id: 'helper',
      messaging_group_id: chat.id,
      status: 'active',
    });
    expect(listArchivedSessions(db)).toEqual([]);
    expect(fs.readFileSync(sessionFile, 'utf8')).toBe('conversation');
  });

  it('gives an agent group with another id but the same folder none of them', async () => {
    write('agent.yaml', AGENT.replace('provider: mock', 'provider: mock\n  folder: shared'));
    await sync();
    resolveSession(db, {
      agentGroupId: 'helper',
      messagingGroupId: null,
      threadId: null,
      mode: 'agent-shared',
    });
    write(
      'agent.yaml',
      AGENT.replace('name: helper', 'name: other').replace(
        'provider: mock',
        'provider: mock\n  folder: shared',
      ),
    );
    await sync(); // prunes helper (archiving its session); "other" waits for the folder
    await sync();
    expect(getAgentGroup(db, 'other')).toBeDefined();
    expect(listArchivedSessions(db)).toHaveLength(1);
    expect(db.all(db.q.selectFrom('sessions').selectAll())).toEqual([]);
  });
});
