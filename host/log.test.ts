import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, defaultLogFormat } from './log.js';

const TOKEN = `nct_${'A1b2'.repeat(11)}`;
const KEY = 'sk-ant-api03-Zx9_Zx9-Zx9';

/** A logger writing into an array of parsed lines, and the raw text of everything it wrote. */
function captured() {
  const raw: string[] = [];
  const log = createLogger('debug', {
    name: 'test',
    stream: { write: (line: string) => void raw.push(line) },
  });
  const lines = () => raw.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, raw: () => raw.join(''), lines };
}

describe('log redaction', () => {
  it('redacts a key named like a secret at any depth', () => {
    const { log, raw, lines } = captured();
    log.info({ a: { b: [{ token: 'hunter2-nested' }] } }, 'nested');
    log.info({
      config: { anthropicApiKey: 'hunter2-key', api_key: 'hunter2-snake', password: 'hunter2-pw' },
    });
    log.info({ upstream: { clientSecret: 'hunter2-secret', TELEGRAM_BOT_TOKEN: 'hunter2-bot' } });
    expect(raw()).not.toContain('hunter2');
    expect(lines()[0]).toMatchObject({ a: { b: [{ token: '[redacted]' }] }, msg: 'nested' });
  });

  it('redacts secret headers and keeps the others', () => {
    const { log, raw, lines } = captured();
    log.warn({
      req: {
        headers: {
          authorization: 'Bearer hunter2-bearer',
          'x-api-key': 'hunter2-x',
          cookie: 'sid=hunter2-cookie',
          'set-cookie': ['sid=hunter2-set'],
          'content-type': 'application/json',
        },
      },
    });
    expect(raw()).not.toContain('hunter2');
    expect(lines()[0]).toMatchObject({
      req: { headers: { authorization: '[redacted]', 'content-type': 'application/json' } },
    });
  });

  it('redacts tokens and keys inside any string: error messages and stacks, messages, nested values', () => {
    const { log, raw, lines } = captured();
    const err = new Error(`upstream refused ${KEY}`);
    log.error(err);
    log.error({ err, attempt: 2 }, 'call failed');
    log.error({ failures: [{ cause: new Error(`bad session ${TOKEN}`) }] }, 'many');
    log.info(`runner started with ${TOKEN}`);
    log.info('printf %s and %o', TOKEN, { url: `http://h/?k=${KEY}` });
    expect(raw()).not.toContain(TOKEN);
    expect(raw()).not.toContain(KEY);
    expect(raw()).not.toContain('Zx9');
    const [first, second] = lines();
    expect(first).toMatchObject({ err: { type: 'Error', message: 'upstream refused [redacted]' } });
    expect((first!.err as { stack: string }).stack).toContain('upstream refused [redacted]');
    expect(second).toMatchObject({ attempt: 2, msg: 'call failed' });
  });

  it('redacts child bindings, for children of children too', () => {
    const { log, raw, lines } = captured();
    log
      .child({ session: { token: 'hunter2-child' } })
      .child({ note: `via ${TOKEN}` })
      .info('hi');
    expect(raw()).not.toContain('hunter2');
    expect(raw()).not.toContain(TOKEN);
    expect(lines()[0]).toMatchObject({ session: { token: '[redacted]' }, note: 'via [redacted]' });
  });

  it('redacts at any depth, in objects and in arrays', () => {
    const { log, raw } = captured();
    let deep: Record<string, unknown> = { token: 'hunter2-bottom', note: TOKEN };
    for (let i = 0; i < 12; i++) deep = { level: i, next: deep, token: `hunter2-${i}`, note: TOKEN };
    log.info({ deep });
    log.info({ list: [[[[[[[[{ token: 'hunter2-list', note: TOKEN }]]]]]]]] });
    expect(raw()).not.toContain('hunter2');
    expect(raw()).not.toContain(TOKEN);
  });

  it('ends a cycle instead of following it back to the unredacted original', () => {
    const { log, raw, lines } = captured();
    const a: Record<string, unknown> = { name: 'a' };
    a.b = { token: 'hunter2-cycle', a };
    log.info({ a });
    expect(raw()).not.toContain('hunter2');
    expect(lines()[0]).toMatchObject({ a: { name: 'a', b: { token: '[redacted]', a: '[Circular]' } } });
  });

  it('keeps what only looks close: token counts, ids, plain text', () => {
    const { log, lines } = captured();
    log.info({
      usage: { input_tokens: 12, tokenCount: 3 },
      secretName: 'nanoclaw',
      note: 'instinct_x sk-other',
    });
    expect(lines()[0]).toMatchObject({
      usage: { input_tokens: 12, tokenCount: 3 },
      secretName: 'nanoclaw',
      note: 'instinct_x sk-other',
    });
  });
});

/** A pretty logger writing into a string. */
function capturedPretty() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { log: createLogger('debug', { format: 'pretty', stream }), text: () => text };
}

describe('log format', () => {
  it('is pretty on a terminal and JSON otherwise', () => {
    expect(defaultLogFormat(true)).toBe('pretty');
    expect(defaultLogFormat(false)).toBe('json');
  });

  it('pretty: one line per record with time, level, message and the fields, written synchronously', () => {
    const { log, text } = capturedPretty();
    log.info({ webUrl: 'http://127.0.0.1:3000/' }, 'host ready');
    log.warn('careful');
    expect(text().split('\n')).toEqual([
      expect.stringMatching(
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: host ready \{"webUrl":"http:\/\/127\.0\.0\.1:3000\/"\}$/,
      ),
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: careful$/),
      '',
    ]);
    expect(text()).not.toContain('"pid"');
    expect(text()).not.toContain('\u001b[');
  });

  it('pretty: redaction still applies to fields, messages, bindings and errors', () => {
    const { log, text } = capturedPretty();
    log.info({ config: { anthropicApiKey: 'hunter2-key' }, note: `via ${TOKEN}` }, `msg ${KEY}`);
    log.child({ session: { token: 'hunter2-child' } }).warn('child');
    log.error({ err: new Error(`refused ${KEY}`) }, 'call failed');
    expect(text()).toContain('call failed');
    expect(text()).toContain('refused [redacted]');
    expect(text()).not.toContain('hunter2');
    expect(text()).not.toContain(TOKEN);
    expect(text()).not.toContain('Zx9');
  });
});
