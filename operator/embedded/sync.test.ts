import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import { adminUserIdsFor } from '../../host/access/access.js';
import { getAgentGroup, listAgentGroups } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { findMessagingGroup } from '../../host/db/messaging-groups.js';
import { totalChanges } from '../../host/db/provenance.js';
import { listWiringsOf } from '../../host/db/wirings.js';
import { embeddedUid } from './load.js';
import { syncManifestDir } from './sync.js';
import { watchManifestDir } from './watch.js';

const log = pino({ level: 'silent' });
let db: CentralDb;
let root: string;
let dir: string;
let dataDir: string;

beforeEach(() => {
  db = memoryDb();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-manifests-'));
  dir = path.join(root, 'nanoclaw.d');
  dataDir = path.join(root, 'data');
  fs.mkdirSync(dir);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
const sync = () => syncManifestDir(db, { dir, dataDir, log });

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
  displayName: Web chat
  unknownSenderPolicy: public
  agents:
    - agentGroup: helper
`;
const OWNER = `apiVersion: nanoclaw.dev/v1alpha1
kind: UserRole
metadata:
  name: local-owner
spec:
  user: web:local
  role: owner
`;

describe('embedded manifest folder', () => {
  it('projects multi-document files in dependency order, then writes nothing on a re-sync', async () => {
    write('a.yaml', `${OWNER}---\n${CHAT}`); // chat and grant before their agent group, in file order
    write('b.yml', AGENT);
    const first = await sync();
    expect(first).toEqual({ applied: 3, changed: 3, pruned: 0, errors: [], unsettled: [] });
    expect(getAgentGroup(db, 'helper')).toMatchObject({
      source: 'crd',
      source_uid: embeddedUid('AgentGroup', 'helper'),
      source_generation: 1,
      agent_provider: 'mock',
    });
    expect(listWiringsOf(db, findMessagingGroup(db, 'web', 'main')!.id)).toHaveLength(1);
    expect(adminUserIdsFor(db, 'helper')).toEqual(['web:local']);
    expect(fs.existsSync(path.join(dataDir, 'groups', 'helper'))).toBe(true);

    const before = totalChanges(db);
    expect(await sync()).toEqual({ applied: 3, changed: 0, pruned: 0, errors: [], unsettled: [] });
    expect(totalChanges(db)).toBe(before);
  });

  it('bumps the generation when a file changes', async () => {
    write('agent.yaml', AGENT);
    await sync();
    write('agent.yaml', AGENT.replace('Helper', 'Helper Two'));
    expect((await sync()).changed).toBe(1);
    expect(getAgentGroup(db, 'helper')).toMatchObject({ name: 'Helper Two', source_generation: 2 });
  });

  it('never half-applies a file: one bad document keeps the whole file out, naming file and field', async () => {
    write('agent.yaml', AGENT);
    write('bad.yaml', `${CHAT}---\n${OWNER.replace('role: owner', 'role: owner\n  agentGroup: helper')}`);
    const res = await sync();
    expect(res.applied).toBe(1);
    expect(res.errors).toEqual([
      {
        file: 'bad.yaml',
        field: 'spec.agentGroup',
        reason: 'Invalid',
        message: 'document 2: an owner is global: remove agentGroup',
      },
    ]);
    expect(findMessagingGroup(db, 'web', 'main')).toBeUndefined();
  });

  it('keeps the rows of an object whose file turned invalid; prunes once the file is gone', async () => {
    write('agent.yaml', AGENT);
    write('chat.yaml', CHAT);
    await sync();
    write('chat.yaml', CHAT.replace('channel: web', 'channel: Web'));
    const res = await sync();
    expect(res.errors).toEqual([
      expect.objectContaining({ file: 'chat.yaml', field: 'spec.channel', reason: 'Invalid' }),
    ]);
    expect(res.pruned).toBe(0);
    expect(findMessagingGroup(db, 'web', 'main')).toBeDefined();
    fs.rmSync(path.join(dir, 'chat.yaml'));
    expect((await sync()).pruned).toBe(1);
    expect(findMessagingGroup(db, 'web', 'main')).toBeUndefined();
  });

  it('prunes nothing while some file is not even YAML', async () => {
    write('agent.yaml', AGENT);
    await sync();
    fs.rmSync(path.join(dir, 'agent.yaml'));
    write('broken.yaml', 'kind: [unclosed');
    const res = await sync();
    expect(res.pruned).toBe(0);
    expect(res.errors[0]).toMatchObject({ file: 'broken.yaml', reason: 'InvalidYAML' });
    expect(listAgentGroups(db)).toHaveLength(1);
  });

  it('enforces the CRD transition rules against what is projected', async () => {
    write('agent.yaml', AGENT.replace('provider: mock', 'folder: one'));
    write('chat.yaml', CHAT);
    await sync();
    write('agent.yaml', AGENT.replace('provider: mock', 'folder: two'));
    write('chat.yaml', CHAT.replace('platformId: main', 'platformId: other'));
    const res = await sync();
    expect(res.errors.map((e) => [e.file, e.reason, e.field])).toEqual([
      ['agent.yaml', 'FolderImmutable', 'spec.folder'],
      ['chat.yaml', 'ChatImmutable', 'spec.platformId'],
    ]);
    expect(getAgentGroup(db, 'helper')!.folder).toBe('one');
  });

  it('reads instructionsFrom ConfigMaps from the same folder and refuses duplicates', async () => {
    write(
      'agent.yaml',
      `${AGENT}  instructionsFrom:\n    configMapKeyRef: { name: prompts, key: helper.md }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: prompts }\ndata:\n  helper.md: Be helpful.\n`,
    );
    write('copy.yaml', AGENT);
    const res = await sync();
    expect(getAgentGroup(db, 'helper')!.instructions).toBe('Be helpful.');
    expect(res.errors).toEqual([
      expect.objectContaining({
        file: 'copy.yaml',
        field: 'metadata.name',
        message: 'AgentGroup/helper is already defined in agent.yaml',
      }),
    ]);
  });

  it('reports cross-object problems with the file', async () => {
    write('chat.yaml', CHAT);
    const res = await sync();
    expect(res.errors).toEqual([
      expect.objectContaining({
        file: 'chat.yaml',
        reason: 'AgentGroupNotFound',
        field: 'spec.agents[0].agentGroup',
      }),
    ]);
  });

  it('makes declared peers destinations whatever the file order, and reports a peer that has no file', async () => {
    const group = (name: string, peers: string[]) =>
      `apiVersion: nanoclaw.dev/v1alpha1\nkind: AgentGroup\nmetadata:\n  name: ${name}\nspec:\n  provider: mock\n` +
      (peers.length ? `  peers:\n${peers.map((p) => `    - agentGroup: ${p}\n`).join('')}` : '');
    write('a-front.yaml', group('front', ['research']));
    write('b-research.yaml', group('research', []));
    const first = await sync();
    expect(first.errors).toEqual([]);
    expect(first.applied).toBe(2);
    const peers = () =>
      db
        .all(db.q.selectFrom('agent_destinations').selectAll().where('target_type', '=', 'agent'))
        .map((d) => `${d.agent_group_id} -> ${d.local_name}`);
    expect(peers()).toEqual(['front -> research']);
    expect((await sync()).changed).toBe(0);
    fs.rmSync(path.join(dir, 'b-research.yaml'));
    const gone = await sync();
    expect(gone.errors).toMatchObject([
      { file: 'a-front.yaml', reason: 'PeerNotFound', field: 'spec.peers[0].agentGroup' },
    ]);
    expect(peers()).toEqual([]);
  });

  it('watches the folder and re-syncs after a change', async () => {
    const results: number[] = [];
    const w = watchManifestDir(db, {
      dir,
      dataDir,
      log,
      debounceMs: 50,
      intervalMs: 0,
      onSync: (r) => results.push(r.applied),
    });
    try {
      write('agent.yaml', AGENT);
      const deadline = Date.now() + 5000;
      while (!getAgentGroup(db, 'helper') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      expect(getAgentGroup(db, 'helper')).toBeDefined();
      expect(results.at(-1)).toBe(1);
    } finally {
      w.close();
    }
  });
});
