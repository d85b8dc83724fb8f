import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Teardown } from './teardown.js';

describe('Teardown', () => {
  it('closes newest first, once, and goes on past a step that throws', async () => {
    const done: string[] = [];
    const undo = new Teardown();
    undo.add('db', () => done.push('db'));
    undo.add('port', () => {
      throw new Error('already closed');
    });
    undo.add('server', async () => {
      await Promise.resolve();
      done.push('server');
    });
    await undo.run(pino({ level: 'silent' }));
    await undo.run(pino({ level: 'silent' }));
    expect(done).toEqual(['server', 'db']);
  });
});
