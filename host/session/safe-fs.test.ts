import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ensureDirInside,
  readFileInside,
  regularFileInside,
  UnsafePathError,
  writeFileInside,
} from './safe-fs.js';

let base: string;
let root: string;
let outside: string;

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-safe-fs-'));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'groups', 'a'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.db'), 'precious');
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

describe('writeFileInside', () => {
  it('writes a normal file, creating missing parents', () => {
    writeFileInside(root, 'groups/b/CLAUDE.md', 'hello');
    expect(fs.readFileSync(path.join(root, 'groups', 'b', 'CLAUDE.md'), 'utf8')).toBe('hello');
    expect(fs.readdirSync(path.join(root, 'groups', 'b'))).toEqual(['CLAUDE.md']);
  });

  it('replaces a symlink to a file outside instead of writing through it', () => {
    const link = path.join(root, 'groups', 'a', 'CLAUDE.md');
    fs.symlinkSync(path.join(outside, 'secret.db'), link);
    writeFileInside(root, 'groups/a/CLAUDE.md', 'instructions');
    expect(fs.readFileSync(path.join(outside, 'secret.db'), 'utf8')).toBe('precious');
    expect(fs.lstatSync(link).isFile()).toBe(true);
    expect(fs.readFileSync(link, 'utf8')).toBe('instructions');
  });

  it('refuses a symlinked parent directory', () => {
    fs.symlinkSync(outside, path.join(root, 'groups', 'evil'));
    expect(() => writeFileInside(root, 'groups/evil/secret.db', 'x')).toThrow(UnsafePathError);
    expect(fs.readFileSync(path.join(outside, 'secret.db'), 'utf8')).toBe('precious');
  });

  it('refuses .. and absolute paths', () => {
    expect(() => writeFileInside(root, '../outside/secret.db', 'x')).toThrow(UnsafePathError);
    expect(() => writeFileInside(root, 'groups/a/../../../outside/secret.db', 'x')).toThrow(UnsafePathError);
    expect(() => writeFileInside(root, path.join(outside, 'secret.db'), 'x')).toThrow(UnsafePathError);
    expect(fs.readFileSync(path.join(outside, 'secret.db'), 'utf8')).toBe('precious');
  });
});

describe('readFileInside', () => {
  it('reads a normal file', () => {
    fs.writeFileSync(path.join(root, 'groups', 'a', 'CLAUDE.md'), 'text');
    expect(readFileInside(root, 'groups/a/CLAUDE.md', 100)).toBe('text');
  });

  it('does not follow a symlink, and reports missing and oversized files as absent', () => {
    fs.symlinkSync(path.join(outside, 'secret.db'), path.join(root, 'groups', 'a', 'CLAUDE.md'));
    expect(readFileInside(root, 'groups/a/CLAUDE.md', 100)).toBeNull();
    expect(readFileInside(root, 'groups/a/missing.md', 100)).toBeNull();
    fs.writeFileSync(path.join(root, 'groups', 'a', 'big.md'), 'x'.repeat(101));
    expect(readFileInside(root, 'groups/a/big.md', 100)).toBeNull();
  });

  it('refuses a symlinked parent directory', () => {
    fs.symlinkSync(outside, path.join(root, 'groups', 'evil'));
    expect(() => readFileInside(root, 'groups/evil/secret.db', 100)).toThrow(UnsafePathError);
  });
});

describe('ensureDirInside', () => {
  it('creates nested directories', () => {
    const dir = ensureDirInside(root, 'sessions/a/s1/inbox');
    expect(dir).toBe(path.join(root, 'sessions', 'a', 's1', 'inbox'));
    expect(fs.lstatSync(dir).isDirectory()).toBe(true);
  });

  it('refuses a symlink planted where a directory belongs', () => {
    fs.mkdirSync(path.join(root, 'sessions', 'a', 's1'), { recursive: true });
    fs.symlinkSync(outside, path.join(root, 'sessions', 'a', 's1', 'inbox'));
    expect(() => ensureDirInside(root, 'sessions/a/s1/inbox')).toThrow(UnsafePathError);
    expect(() => ensureDirInside(root, 'sessions/a/s1/inbox/deeper')).toThrow(UnsafePathError);
    expect(fs.readdirSync(outside)).toEqual(['secret.db']);
  });
});

describe('regularFileInside', () => {
  it('accepts a regular or missing file and refuses a symlink or a symlinked parent', () => {
    fs.writeFileSync(path.join(root, 'groups', 'a', 'inbound.db'), '');
    expect(regularFileInside(root, 'groups/a/inbound.db')).toBe(path.join(root, 'groups', 'a', 'inbound.db'));
    expect(regularFileInside(root, 'groups/a/none.db')).toBe(path.join(root, 'groups', 'a', 'none.db'));
    fs.symlinkSync(path.join(outside, 'secret.db'), path.join(root, 'groups', 'a', 'link.db'));
    expect(() => regularFileInside(root, 'groups/a/link.db')).toThrow(UnsafePathError);
    fs.symlinkSync(outside, path.join(root, 'groups', 'evil'));
    expect(() => regularFileInside(root, 'groups/evil/secret.db')).toThrow(UnsafePathError);
  });
});
