import { describe, expect, it } from 'vitest';
import { parseDirectives } from './directives.js';

describe('parseDirectives', () => {
  it('leaves plain text alone', () => {
    expect(parseDirectives(' hello [world] ')).toEqual({ directives: [], text: 'hello [world]', errors: [] });
  });

  it('reads delay, error, silent, echo-context and skills in order and strips them', () => {
    const r = parseDirectives('a [[delay:250]] b [[silent]][[echo-context]][[skills]] [[error:boom now]]');
    expect(r.directives).toEqual([
      { type: 'delay', ms: 250 },
      { type: 'silent' },
      { type: 'echo-context' },
      { type: 'skills' },
      { type: 'error', message: 'boom now' },
    ]);
    expect(r.text).toBe('a  b');
    expect(r.errors).toEqual([]);
  });

  it('reads tool calls whose JSON contains brackets', () => {
    const args = { title: 't', options: [{ label: 'A', value: '[[x]]' }], nested: [[1, 2]] };
    const r = parseDirectives(`ask [[tool:ask_user_question ${JSON.stringify(args)}]] done`);
    expect(r.directives).toEqual([{ type: 'tool', name: 'ask_user_question', args }]);
    expect(r.text).toBe('ask  done');
  });

  it('reads a shell command up to the first closing brackets, and refuses an empty one', () => {
    const r = parseDirectives("run [[shell:ls -a /workspace | grep -c '[0-9]']] now [[shell: ]]");
    expect(r.directives).toEqual([{ type: 'shell', command: "ls -a /workspace | grep -c '[0-9]'" }]);
    expect(r.text).toBe('run  now');
    expect(r.errors).toEqual(['[[shell:]]: no command']);
  });

  it('accepts a tool call without arguments', () => {
    expect(parseDirectives('[[tool:list_tasks]]').directives).toEqual([
      { type: 'tool', name: 'list_tasks', args: {} },
    ]);
  });

  it('reports bad arguments', () => {
    expect(parseDirectives('[[delay:soon]]').errors[0]).toMatch(/delay/);
    expect(parseDirectives('[[tool:send_message {nope]]').errors[0]).toMatch(/not valid JSON/);
  });

  it('keeps unknown or unclosed brackets as text', () => {
    expect(parseDirectives('[[shout:x]] and [[delay:5').text).toBe('[[shout:x]] and [[delay:5');
  });
});
