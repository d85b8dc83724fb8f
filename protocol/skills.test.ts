import { describe, expect, it } from 'vitest';
import { parseSkillMd } from './skills.js';

const md = (front: string, body = '# Steps\n') => `---\n${front}\n---\n${body}`;

describe('parseSkillMd', () => {
  it('accepts front matter with the skill name and a description', () => {
    expect(parseSkillMd(md('name: review\ndescription: Reviews a pull request'), 'review')).toEqual({
      ok: true,
      name: 'review',
      description: 'Reviews a pull request',
    });
  });

  it('accepts a folded multi-line description and a byte order mark', () => {
    const r = parseSkillMd(`\uFEFF${md('name: pdf\ndescription: >\n  Reads PDFs\n  and forms')}`, 'pdf');
    expect(r).toEqual({ ok: true, name: 'pdf', description: 'Reads PDFs and forms' });
  });

  it.each([
    ['no front matter', '# Just text', 'does not start with a front matter'],
    ['an unclosed front matter', '---\nname: a\n', 'not closed'],
    ['front matter that is a list', md('- a\n- b'), 'not a YAML map'],
    ['front matter that is not YAML', md('name: [a'), 'not YAML'],
    ['no name', md('description: d'), 'has no name'],
    ['another name', md('name: other\ndescription: d'), 'names "other", but the skill is "a"'],
    ['no description', md('name: a'), 'has no description'],
    ['an empty description', md("name: a\ndescription: '  '"), 'has no description'],
    [
      'a description over 1024 characters',
      md(`name: a\ndescription: ${'d'.repeat(1025)}`),
      'longer than 1024',
    ],
    ['front matter over 4 KiB', md(`name: a\ndescription: d\nx: ${'y'.repeat(5000)}`), 'larger than 4096'],
  ])('refuses %s, saying why', (_what, text, reason) => {
    const r = parseSkillMd(text, 'a');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});
