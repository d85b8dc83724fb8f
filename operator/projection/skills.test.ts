import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getAgentGroup, runnerConfigOf } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { memoryDb } from '../../test/support/central.js';
import { agentGroup } from '../api/v1alpha1/testdata/invalid-manifests.js';
import { projector, type Projector } from '../testing.js';
import { configMapsReadBy } from './desired-skills.js';

let db: CentralDb;
let p: Projector;
beforeEach(() => {
  db = memoryDb();
  p = projector(db);
});
afterEach(() => p.cleanup());

const skillMd = (name: string, description = 'Does a thing') =>
  `---\nname: ${name}\ndescription: ${description}\n---\n# ${name}\n`;
const skillsOf = () => runnerConfigOf(getAgentGroup(db, 'a')!).skills;
/** Writes a file into agent group a's folder. */
const put = (rel: string, text: string) => {
  const file = path.join(p.dataDir, 'groups', 'a', rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

describe('AgentGroup spec.skills projection', () => {
  it('stores a ConfigMap skill (every key a file) and a path skill in the runner config', () => {
    p.setConfigMap('default', 'skill-pdf', { 'SKILL.md': skillMd('pdf'), 'forms.md': 'Fill forms.' });
    put('skills/review/SKILL.md', skillMd('review'));
    const out = p.apply(
      agentGroup('a', {
        skills: [
          { name: 'pdf', configMapRef: { name: 'skill-pdf' } },
          { name: 'review', path: 'skills/review' },
        ],
      }),
      'u1',
    );
    expect(out).toMatchObject({ ready: true, reason: 'Projected' });
    expect(skillsOf()).toEqual([
      { name: 'pdf', files: { 'SKILL.md': skillMd('pdf'), 'forms.md': 'Fill forms.' } },
      { name: 'review', path: 'skills/review' },
    ]);
  });

  it('takes one key as SKILL.md when configMapRef.key is set', () => {
    p.setConfigMap('default', 'skills', { 'notes.md': skillMd('notes'), other: 'x' });
    p.apply(
      agentGroup('a', { skills: [{ name: 'notes', configMapRef: { name: 'skills', key: 'notes.md' } }] }),
      'u1',
    );
    expect(skillsOf()).toEqual([{ name: 'notes', files: { 'SKILL.md': skillMd('notes') } }]);
  });

  it.each([
    [
      'a missing ConfigMap',
      undefined,
      {},
      'SkillNotFound',
      'ConfigMap "cm" not found in namespace "default"',
      'configMapRef',
    ],
    [
      'a missing key',
      { 'SKILL.md': skillMd('s') },
      { key: 'x.md' },
      'SkillNotFound',
      'has no key "x.md"',
      'configMapRef.key',
    ],
    ['no SKILL.md key', { 'README.md': 'x' }, {}, 'SkillNotFound', 'has no key "SKILL.md"', 'configMapRef'],
    [
      'a SKILL.md without front matter',
      { 'SKILL.md': '# hi' },
      {},
      'InvalidSkill',
      'does not start with a front matter',
      'configMapRef',
    ],
    [
      'a SKILL.md naming another skill',
      { 'SKILL.md': skillMd('t') },
      {},
      'InvalidSkill',
      'names "t", but the skill is "s"',
      'configMapRef',
    ],
    [
      'a hidden file name',
      { 'SKILL.md': skillMd('s'), '.nanoclaw-skill': 'x' },
      {},
      'InvalidSkill',
      'does not start with "."',
      'configMapRef',
    ],
    [
      'a key with a path in it (a manifest folder ConfigMap)',
      { 'SKILL.md': skillMd('s'), 'a/../../x': 'x' },
      {},
      'InvalidSkill',
      'key "a/../../x"',
      'configMapRef',
    ],
    [
      'more than 256 KiB',
      { 'SKILL.md': skillMd('s'), big: 'x'.repeat(256 * 1024) },
      {},
      'InvalidSkill',
      'more than 262144 bytes',
      'configMapRef',
    ],
  ])(
    'leaves out a skill with %s, says so in Ready, and applies the rest',
    (_what, data, ref, reason, message, field) => {
      if (data) p.setConfigMap('default', 'cm', data);
      const out = p.apply(
        agentGroup('a', {
          skills: [
            { name: 's', configMapRef: { name: 'cm', ...ref } },
            { name: 'ok', path: 'skills/ok' },
          ],
        }),
        'u1',
      );
      expect(out).toMatchObject({ ready: false, reason });
      expect(out.message).toContain(`skill "s": `);
      expect(out.message).toContain(message);
      expect(out.problems[0]!.field).toBe(`spec.skills[0].${field}`);
      expect(skillsOf()).toEqual([{ name: 'ok', path: 'skills/ok' }]);
    },
  );

  it('follows a ConfigMap that appears, changes and goes', () => {
    const m = agentGroup('a', { skills: [{ name: 's', configMapRef: { name: 'cm' } }] });
    expect(p.apply(m, 'u1').ready).toBe(false);
    p.setConfigMap('default', 'cm', { 'SKILL.md': skillMd('s', 'one') });
    expect(p.apply(m, 'u1').ready).toBe(true);
    p.setConfigMap('default', 'cm', { 'SKILL.md': skillMd('s', 'two') });
    expect(p.apply(m, 'u1').writes).toBe(1);
    expect(skillsOf()?.[0]?.files?.['SKILL.md']).toContain('description: two');
    p.setConfigMap('default', 'cm', undefined);
    expect(p.apply(m, 'u1')).toMatchObject({ ready: false, reason: 'SkillNotFound' });
    expect(skillsOf()).toBeUndefined();
  });

  it('refuses skills from ConfigMaps that hold more than 1 MiB together', () => {
    const skills = Array.from({ length: 5 }, (_, i) => {
      p.setConfigMap('default', `cm${i}`, { 'SKILL.md': skillMd(`s${i}`), pad: 'x'.repeat(250 * 1024) });
      return { name: `s${i}`, configMapRef: { name: `cm${i}` } };
    });
    const out = p.apply(agentGroup('a', { skills }), 'u1');
    expect(out).toMatchObject({ ready: false, reason: 'InvalidSkill' });
    expect(out.problems.map((q) => q.field)).toEqual(['spec.skills[4]']);
    expect(skillsOf()?.map((s) => s.name)).toEqual(['s0', 's1', 's2', 's3']);
  });

  it('says in Ready what is wrong with a path skill, keeps it for the host, and is Ready once the folder is fixed', () => {
    const m = agentGroup('a', {
      skills: [
        { name: 'review', path: 'skills/review' },
        { name: 'lint', path: 'skills/lint' },
      ],
    });
    const missing = p.apply(m, 'u1');
    expect(missing).toMatchObject({ ready: false, reason: 'SkillNotFound' });
    expect(missing.problems).toEqual([
      {
        reason: 'SkillNotFound',
        field: 'spec.skills[0].path',
        message: 'skill "review": folder "skills/review" not found in the agent folder',
      },
      {
        reason: 'SkillNotFound',
        field: 'spec.skills[1].path',
        message: 'skill "lint": folder "skills/lint" not found in the agent folder',
      },
    ]);
    expect(skillsOf()).toEqual([
      { name: 'review', path: 'skills/review' },
      { name: 'lint', path: 'skills/lint' },
    ]);
    put('skills/review/notes.md', 'x');
    put('skills/lint/SKILL.md', skillMd('other'));
    expect(p.apply(m, 'u1').problems.map((q) => [q.reason, q.message])).toEqual([
      ['SkillNotFound', 'skill "review": folder "skills/review" has no SKILL.md'],
      ['InvalidSkill', expect.stringContaining('names "other", but the skill is "lint"')],
    ]);
    put('skills/review/SKILL.md', skillMd('review'));
    put('skills/lint/SKILL.md', skillMd('lint'));
    expect(p.apply(m, 'u1')).toMatchObject({ ready: true, reason: 'Projected' });
  });

  it('never follows a symlink to a path skill', () => {
    const outside = path.join(p.dataDir, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'SKILL.md'), skillMd('x'));
    fs.mkdirSync(path.join(p.dataDir, 'groups', 'a', 'skills'), { recursive: true });
    fs.symlinkSync(outside, path.join(p.dataDir, 'groups', 'a', 'skills', 'x'));
    const out = p.apply(agentGroup('a', { skills: [{ name: 'x', path: 'skills/x' }] }), 'u1');
    expect(out).toMatchObject({ ready: false, reason: 'InvalidSkill' });
    expect(out.message).toContain('is not a real folder');
  });

  it('names every ConfigMap a spec reads, so a change to one re-projects it', () => {
    expect(
      configMapsReadBy({
        instructionsFrom: { configMapKeyRef: { name: 'prompts' } },
        skills: [
          { name: 'a', configMapRef: { name: 'cm' } },
          { name: 'b', path: 'x' },
          { name: 'c', configMapRef: { name: 'cm', key: 'k' } },
        ],
      }),
    ).toEqual(['prompts', 'cm']);
  });
});
