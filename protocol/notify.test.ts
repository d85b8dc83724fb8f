import { describe, expect, it } from 'vitest';
import { HostNotice, NoticeDecoder, encodeNotice, type HostNotice as HostNoticeT } from './notify.js';

describe('notice decoder', () => {
  it('reassembles notices split across chunks and skips bad lines', () => {
    const got: HostNoticeT[] = [];
    const bad: string[] = [];
    const d = new NoticeDecoder(
      HostNotice,
      (n) => got.push(n),
      (line) => bad.push(line),
    );
    const wire =
      encodeNotice({ type: 'inbound', seq: 4 }) +
      'not json\n{"type":"future"}\n' +
      encodeNotice({ type: 'ping' });
    for (let i = 0; i < wire.length; i += 3) d.push(wire.slice(i, i + 3));
    expect(got).toEqual([{ type: 'inbound', seq: 4 }, { type: 'ping' }]);
    expect(bad).toEqual(['not json', '{"type":"future"}']);
  });
});
