import { describe, expect, it } from 'vitest';
import { readSse, SseReader, type SseRecord } from './sse-reader.js';

const feed = (chunks: (string | Uint8Array)[]): { records: SseRecord[]; reader: SseReader } => {
  const reader = new SseReader();
  return { records: chunks.flatMap((c) => reader.push(c)), reader };
};
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const msg = (data: string, id = ''): SseRecord => ({ id, event: 'message', data });

describe('SseReader', () => {
  it.each<[string, (string | Uint8Array)[], SseRecord[]]>([
    ['one event in one chunk', ['data: hi\n\n'], [msg('hi')]],
    ['an event split inside a line', ['da', 'ta: h', 'i\n', '\n'], [msg('hi')]],
    ['an event split inside a CRLF', ['data: a\r', '\ndata: b\r', '\n\r', '\n'], [msg('a\nb')]],
    ['CRLF line endings', ['data: a\r\ndata: b\r\n\r\n'], [msg('a\nb')]],
    ['CR line endings', ['data: a\rdata: b\r\r'], [msg('a\nb')]],
    ['mixed line endings', ['data: a\rdata: b\r\ndata: c\n\n'], [msg('a\nb\nc')]],
    ['multi-line data joined with \\n', ['data: one\ndata: two\ndata:\n\n'], [msg('one\ntwo\n')]],
    ['a value without the optional space', ['data:hi\n\n'], [msg('hi')]],
    ['only one leading space stripped', ['data:  hi \n\n'], [msg(' hi ')]],
    ['a field with no colon (an empty value)', ['data\n\n'], [msg('')]],
    ['a value holding colons', ['data: a: b\n\n'], [msg('a: b')]],
    ['comment lines ignored', [': ping\n\n: hello\ndata: x\n: more\n\n'], [msg('x')]],
    ['unknown fields ignored', ['foo: bar\ndata: x\n\n'], [msg('x')]],
    ['a named event', ['event: update\ndata: x\n\n'], [{ id: '', event: 'update', data: 'x' }]],
    [
      'the event name reset after each event',
      ['event: a\ndata: 1\n\ndata: 2\n\n'],
      [{ id: '', event: 'a', data: '1' }, msg('2')],
    ],
    ['an id carried to later events', ['id: 7\ndata: a\n\ndata: b\n\n'], [msg('a', '7'), msg('b', '7')]],
    ['an empty id clearing the last one', ['id: 7\ndata: a\n\nid\ndata: b\n\n'], [msg('a', '7'), msg('b')]],
    [
      'an id containing NUL ignored',
      ['id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n'],
      [msg('a', '1'), msg('b', '1')],
    ],
    ['an event with no data not dispatched', ['event: x\n\nretry: 10\n\n'], []],
    ['an unfinished event (no trailing blank line) not dispatched', ['data: a\n\ndata: b\n'], [msg('a')]],
    ['a leading BOM stripped', ['\uFEFFdata: x\n\n'], [msg('x')]],
    ['a BOM stripped only once', ['\uFEFF\uFEFFdata: x\n\ndata: y\n\n'], [msg('y')]],
    [
      'a BOM split across byte chunks',
      [new Uint8Array([0xef, 0xbb]), new Uint8Array([0xbf]), bytes('data: x\n\n')],
      [msg('x')],
    ],
    [
      'a UTF-8 character split across byte chunks',
      [bytes('data: é\n\n').slice(0, 7), bytes('data: é\n\n').slice(7)],
      [msg('é')],
    ],
    ['empty chunks', ['', 'data: x\r', '', '\n\n'], [msg('x')]],
    ['several events in one chunk', ['data: 1\n\ndata: 2\n\ndata: 3\n\n'], [msg('1'), msg('2'), msg('3')]],
    [
      'the web chat stream',
      ['retry: 2000\n\n', 'id: lq2.1\nevent: message\ndata: {"text":"hi"}\n\n', ': ping\n\n'],
      [msg('{"text":"hi"}', 'lq2.1')],
    ],
  ])('reads %s', (_what, chunks, expected) => {
    expect(feed(chunks).records).toEqual(expected);
  });

  it('returns each event from the chunk that completes it', () => {
    const reader = new SseReader();
    expect(reader.push('data: a\n')).toEqual([]);
    expect(reader.push('\ndata: b')).toEqual([msg('a')]);
    expect(reader.push('\n\n')).toEqual([msg('b')]);
  });

  it('dispatches on a CR at the end of a chunk without waiting for the next one', () => {
    const reader = new SseReader();
    expect(reader.push('data: a\r\r')).toEqual([msg('a')]);
    expect(reader.push('\ndata: b\n\n')).toEqual([msg('b')]);
  });

  it('keeps the last event id of an event with no data (for Last-Event-ID)', () => {
    const { records, reader } = feed(['id: 1\ndata: a\n\nid: 2\n\n']);
    expect(records).toEqual([msg('a', '1')]);
    expect(reader.lastEventId).toBe('2');
  });

  it('takes the reconnection time from a retry of digits only', () => {
    const { reader } = feed(['retry: 2000\n\nretry: 3s\n\nretry: -1\n\n']);
    expect(reader.retry).toBe(2000);
  });

  it('reads a big event sent in small byte chunks', () => {
    const data = 'x'.repeat(2_000_000);
    const stream = bytes(`id: 9\ndata: ${data}\ndata: ${data}\n\n`);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i += 1000) chunks.push(stream.slice(i, i + 1000));
    const started = performance.now();
    expect(feed(chunks).records).toEqual([msg(`${data}\n${data}`, '9')]);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('readSse', () => {
  it('yields the events of a stream and drops the one it ends in the middle of', async () => {
    const body = new Blob(['data: a\r\n\r\nid: 1\ndata: b\n\n', 'data: c\n']).stream();
    const records: SseRecord[] = [];
    for await (const r of readSse(body)) records.push(r);
    expect(records).toEqual([msg('a'), msg('b', '1')]);
  });
});
