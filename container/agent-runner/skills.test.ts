import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanSkills, skillsNote } from './skills.js';

let agent: string;
beforeEach(() => {
  agent = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-runner-skills-'));
});
afterEach(() => fs.rmSync(agent, { recursive: true, force: true }));

const put = (rel: string, text: string) => {
  const file = path.join(agent, '.claude', 'skills', rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};
const md = (name: string) => `---\nname: ${name}\ndescription: About ${name}\n---\n`;

describe('scanSkills', () => {
  it('finds nothing in an agent folder without skills', () => {
    expect(scanSkills(agent)).toEqual({ ready: [], failed: [] });
    expect(skillsNote(scanSkills(agent))).toBeNull();
  });

  it('lists usable skills and reports every folder it cannot load, with the reason', () => {
    put('pdf/SKILL.md', md('pdf'));
    put('pdf/.nanoclaw-skill', '{"digest":"x"}');
    put('bad/SKILL.md', 'no front matter');
    put('gone/.nanoclaw-skill', '{"error":"folder \\"skills/gone\\" not found in the agent folder"}');
    put('empty/README.md', 'x');
    put('.tmp-x-1/SKILL.md', md('x'));
    fs.symlinkSync(path.join(agent, '.claude/skills/pdf'), path.join(agent, '.claude/skills/link'));
    const scan = scanSkills(agent);
    expect(scan.ready).toEqual([{ name: 'pdf', description: 'About pdf' }]);
    expect(scan.failed).toEqual([
      { name: 'bad', reason: expect.stringContaining('front matter') },
      { name: 'empty', reason: expect.stringContaining('no SKILL.md') },
      { name: 'gone', reason: 'folder "skills/gone" not found in the agent folder' },
      { name: 'link', reason: expect.stringContaining('not a folder') },
    ]);
    expect(skillsNote(scan)).toContain('- gone: folder "skills/gone" not found');
  });
});
