import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import { getAgentGroup } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { agentGroup } from '../api/v1alpha1/testdata/invalid-manifests.js';
import { projector, type Projector } from '../testing.js';
import { pruneProjection, removeProjection } from './project.js';

let db: CentralDb;
let p: Projector;
let outside: string;
beforeEach(() => {
  db = memoryDb();
  p = projector(db);
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-outside-'));
});
afterEach(() => {
  vi.useRealTimers();
  p.cleanup();
  fs.rmSync(outside, { recursive: true, force: true });
});

const dir = (...parts: string[]) => path.join(p.dataDir, ...parts);
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

describe('folders of deleted agent groups', () => {
  it('are archived with their sessions on prune, so a new AgentGroup with the folder starts empty', () => {
    p.apply(agentGroup('old', { folder: 'shared-name' }), 'u1');
    write(dir('groups', 'shared-name', 'CLAUDE.md'), 'secret memory');
    write(dir('sessions', 'shared-name', 'sess-1', 'inbound.db'), 'secret session');
    p.live.delete('u1');

    const { gone, archived } = pruneProjection(db, p.dataDir, (uid) => p.live.has(uid));
    expect(gone).toEqual(['u1']);
    expect(archived).toEqual([
      {
        folder: 'shared-name',
        moved: [
          expect.stringMatching(/groups\/\.archive\/shared-name-\d{8}T\d{9}Z$/),
          expect.stringMatching(/sessions\/\.archive\/shared-name-\d{8}T\d{9}Z$/),
        ],
        refused: [],
      },
    ]);
    expect(fs.readFileSync(path.join(archived[0]!.moved[0]!, 'CLAUDE.md'), 'utf8')).toBe('secret memory');
    expect(fs.existsSync(path.join(archived[0]!.moved[1]!, 'sess-1', 'inbound.db'))).toBe(true);

    expect(p.apply(agentGroup('new', { folder: 'shared-name' }), 'u2').ready).toBe(true);
    expect(fs.readdirSync(dir('groups', 'shared-name'))).toEqual([]);
    expect(fs.existsSync(dir('sessions', 'shared-name'))).toBe(false);
  });

  it('never replace an earlier archive of the same folder', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2025-01-02T03:04:05.123Z') });
    for (const uid of ['u1', 'u2']) {
      p.apply(agentGroup('a'), uid);
      write(dir('groups', 'a', 'note'), uid);
      p.live.delete(uid);
      removeProjection(db, p.dataDir, uid);
    }
    expect(fs.readdirSync(dir('groups', '.archive')).sort()).toEqual([
      'a-20250102T030405123Z',
      'a-20250102T030405123Z-2',
    ]);
    expect(fs.readFileSync(dir('groups', '.archive', 'a-20250102T030405123Z', 'note'), 'utf8')).toBe('u1');
  });

  it('are not followed or moved when they are symlinks', () => {
    p.apply(agentGroup('a'), 'u1');
    fs.rmSync(dir('groups', 'a'), { recursive: true });
    write(path.join(outside, 'victim', 'keep'), 'x');
    fs.symlinkSync(path.join(outside, 'victim'), dir('groups', 'a'));
    fs.mkdirSync(dir('sessions'), { recursive: true });
    fs.symlinkSync(outside, dir('sessions', 'a'));

    const { rows, archived } = removeProjection(db, p.dataDir, 'u1');
    expect(rows).toBe(1);
    expect(getAgentGroup(db, 'a')).toBeUndefined();
    expect(archived).toEqual([
      { folder: 'a', moved: [], refused: [dir('groups', 'a'), dir('sessions', 'a')] },
    ]);
    expect(fs.lstatSync(dir('groups', 'a')).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(path.join(outside, 'victim'))).toEqual(['keep']);
    expect(fs.existsSync(dir('groups', '.archive'))).toBe(false);
  });

  it('are not moved into an archive directory that is a symlink', () => {
    p.apply(agentGroup('a'), 'u1');
    fs.symlinkSync(outside, dir('groups', '.archive'));
    expect(removeProjection(db, p.dataDir, 'u1').archived).toEqual([
      { folder: 'a', moved: [], refused: [dir('groups', '.archive')] },
    ]);
    expect(fs.statSync(dir('groups', 'a')).isDirectory()).toBe(true);
    expect(fs.readdirSync(outside)).toEqual([]);
  });
});
