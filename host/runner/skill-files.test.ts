import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SKILL_MARKER } from '../../protocol/skills.js';
import { writeSkills } from './skill-files.js';

let data: string;
let agent: string;
let skills: string;
beforeEach(() => {
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-skills-'));
  agent = path.join(data, 'groups', 'g');
  skills = path.join(agent, '.claude', 'skills');
  fs.mkdirSync(agent, { recursive: true });
});
afterEach(() => fs.rmSync(data, { recursive: true, force: true }));

const md = (name: string, d = 'Does a thing') => `---\nname: ${name}\ndescription: ${d}\n---\nSteps.\n`;
const put = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(agent, rel)), { recursive: true });
  fs.writeFileSync(path.join(agent, rel), text);
};
const read = (rel: string) => fs.readFileSync(path.join(skills, rel), 'utf8');
const ls = (dir = skills) => fs.readdirSync(dir).sort();

describe('writeSkills', () => {
  it('writes ConfigMap skills with a marker, and writes nothing when nothing changed', () => {
    const cm = { name: 'pdf', files: { 'SKILL.md': md('pdf'), 'forms.md': 'Forms.' } };
    expect(writeSkills(data, 'g', [cm])).toEqual({ written: [{ name: 'pdf', problem: null }], removed: [] });
    expect(ls(path.join(skills, 'pdf'))).toEqual([SKILL_MARKER, 'SKILL.md', 'forms.md'].sort());
    expect(read('pdf/forms.md')).toBe('Forms.');
    expect(writeSkills(data, 'g', [cm]).written).toEqual([]);
    writeSkills(data, 'g', [{ name: 'pdf', files: { 'SKILL.md': md('pdf', 'Two') } }]);
    expect(ls(path.join(skills, 'pdf'))).toEqual([SKILL_MARKER, 'SKILL.md'].sort());
    expect(read('pdf/SKILL.md')).toContain('Two');
  });

  it('copies a path skill: nested files yes, hidden files and symlinks no', () => {
    put('skills/review/SKILL.md', md('review'));
    put('skills/review/refs/style.md', 'Style.');
    put('skills/review/.git/config', 'x');
    fs.writeFileSync(path.join(data, 'secret'), 'host secret');
    fs.symlinkSync(path.join(data, 'secret'), path.join(agent, 'skills/review/leak'));
    writeSkills(data, 'g', [{ name: 'review', path: 'skills/review' }]);
    expect(ls(path.join(skills, 'review'))).toEqual([SKILL_MARKER, 'SKILL.md', 'refs'].sort());
    expect(read('review/refs/style.md')).toBe('Style.');
    put('skills/review/refs/style.md', 'New style.');
    expect(writeSkills(data, 'g', [{ name: 'review', path: 'skills/review' }]).written).toHaveLength(1);
    expect(read('review/refs/style.md')).toBe('New style.');
  });

  it.each([
    ['a missing folder', () => {}, 'folder "skills/x" not found in the agent folder'],
    ['no SKILL.md', () => put('skills/x/README.md', 'x'), 'has no SKILL.md'],
    [
      'more than 256 KiB',
      () => (put('skills/x/SKILL.md', md('x')), put('skills/x/big', 'b'.repeat(262144))),
      'more than 262144 bytes',
    ],
    [
      'a symlinked folder',
      () => (
        put('elsewhere/SKILL.md', md('x')),
        fs.mkdirSync(path.join(agent, 'skills'), { recursive: true }),
        fs.symlinkSync(path.join(agent, 'elsewhere'), path.join(agent, 'skills/x'))
      ),
      'is not a real folder',
    ],
    [
      'folders nested too deep',
      () => (put('skills/x/SKILL.md', md('x')), put('skills/x/1/2/3/4/5/f', 'f')),
      'nests deeper than 4',
    ],
  ])('writes only the marker with the reason for a path skill with %s', (_what, setup, reason) => {
    setup();
    const done = writeSkills(data, 'g', [{ name: 'x', path: 'skills/x' }]);
    expect(done.written[0]!.problem).toContain(reason);
    expect(ls(path.join(skills, 'x'))).toEqual([SKILL_MARKER]);
    expect(JSON.parse(read(`x/${SKILL_MARKER}`))).toEqual({ error: expect.stringContaining(reason) });
  });

  it('writes a malformed SKILL.md as it is and says what is wrong', () => {
    const done = writeSkills(data, 'g', [{ name: 'bad', files: { 'SKILL.md': 'no front matter' } }]);
    expect(done.written).toEqual([{ name: 'bad', problem: expect.stringContaining('front matter') }]);
    expect(read('bad/SKILL.md')).toBe('no front matter');
  });

  it('removes skills it wrote that are no longer declared, keeps folders it did not write', () => {
    writeSkills(data, 'g', [
      { name: 'a', files: { 'SKILL.md': md('a') } },
      { name: 'b', files: { 'SKILL.md': md('b') } },
    ]);
    put('.claude/skills/by-hand/SKILL.md', md('by-hand'));
    expect(writeSkills(data, 'g', [{ name: 'a', files: { 'SKILL.md': md('a') } }]).removed).toEqual(['b']);
    expect(ls()).toEqual(['a', 'by-hand']);
    expect(writeSkills(data, 'g', []).removed).toEqual(['a']);
    expect(ls()).toEqual(['by-hand']);
  });

  it('replaces a symlink where a skill folder goes, never writing through it', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-outside-'));
    try {
      fs.mkdirSync(skills, { recursive: true });
      fs.symlinkSync(outside, path.join(skills, 'a'));
      writeSkills(data, 'g', [{ name: 'a', files: { 'SKILL.md': md('a') } }]);
      expect(fs.lstatSync(path.join(skills, 'a')).isDirectory()).toBe(true);
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses to write through a symlinked .claude folder', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-outside-'));
    try {
      fs.symlinkSync(outside, path.join(agent, '.claude'));
      expect(() => writeSkills(data, 'g', [{ name: 'a', files: { 'SKILL.md': md('a') } }])).toThrow(
        /symlink/,
      );
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('does nothing for a group without skills and without a .claude folder', () => {
    expect(writeSkills(data, 'g', [])).toEqual({ written: [], removed: [] });
    expect(fs.existsSync(path.join(agent, '.claude'))).toBe(false);
  });
});
