/**
 * spec.skills cases of the CRD parity table (invalid-manifests.ts spreads them into its lists): each invalid one
 * with the field the API server and the embedded loader must both name.
 */

import type { InvalidCase } from './invalid-case.js';

const apiVersion = 'nanoclaw.dev/v1alpha1';
const withSkills = (name: string, skills: unknown) => ({
  apiVersion,
  kind: 'AgentGroup',
  metadata: { name },
  spec: { skills },
});

export const INVALID_SKILLS: InvalidCase[] = [
  ...(
    [
      ['skill name not a DNS label', 'My_Skill'],
      ['skill name longer than 63', 'a'.repeat(64)],
      ['skill name empty', ''],
    ] as const
  ).map(([name, skill], i) => ({
    name,
    manifest: withSkills(`skill-name${i}`, [{ name: skill, path: 'skills/a' }]),
    field: 'spec.skills[0].name',
  })),
  {
    name: 'skill without a source',
    manifest: withSkills('skill-nosource', [{ name: 'a' }]),
    field: 'spec.skills[0].configMapRef',
  },
  {
    name: 'skill with two sources',
    manifest: withSkills('skill-twosources', [{ name: 'a', path: 'skills/a', configMapRef: { name: 'cm' } }]),
    field: 'spec.skills[0].configMapRef',
  },
  {
    name: 'skill listed twice',
    manifest: withSkills('skill-twice', [
      { name: 'a', path: 'skills/a' },
      { name: 'a', path: 'skills/b' },
    ]),
    field: 'spec.skills[1]',
  },
  ...(
    [
      ['skill path absolute', '/etc/skills'],
      ['skill path with ..', 'skills/../../etc'],
      ['skill path into .claude', '.claude/skills/a'],
      ['skill path with a trailing slash', 'skills/a/'],
      ['skill path with a backslash', 'skills\\a'],
      ['skill path longer than 256', `s/${'a'.repeat(255)}`],
    ] as const
  ).map(([name, path], i) => ({
    name,
    manifest: withSkills(`skill-path${i}`, [{ name: 'a', path }]),
    field: 'spec.skills[0].path',
  })),
  {
    name: 'skill ConfigMap name not a name',
    manifest: withSkills('skill-cm-name', [{ name: 'a', configMapRef: { name: 'Not A Name' } }]),
    field: 'spec.skills[0].configMapRef.name',
  },
  {
    name: 'skill ConfigMap key with a slash',
    manifest: withSkills('skill-cm-key', [{ name: 'a', configMapRef: { name: 'cm', key: 'a/SKILL.md' } }]),
    field: 'spec.skills[0].configMapRef.key',
  },
  {
    name: 'skill ConfigMap ref with an unknown field',
    manifest: withSkills('skill-cm-extra', [{ name: 'a', configMapRef: { name: 'cm', optional: true } }]),
    field: 'spec.skills[0].configMapRef.optional',
  },
  {
    name: 'more than 32 skills',
    manifest: withSkills(
      'skill-many',
      Array.from({ length: 33 }, (_, i) => ({ name: `s${i}`, path: `skills/s${i}` })),
    ),
    field: 'spec.skills',
  },
];

export const VALID_SKILLS: Record<string, unknown>[] = [
  withSkills('skills-all-sources', [
    { name: 'review', path: 'skills/review' },
    { name: 'pdf', configMapRef: { name: 'skill-pdf' } },
    { name: 'notes', configMapRef: { name: 'skills', key: 'notes.md' } },
    { name: 'deep', path: 'a/b_c/d-e.f' },
  ]),
];
