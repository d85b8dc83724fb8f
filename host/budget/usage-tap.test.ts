import { describe, expect, it } from 'vitest';
import { UsageTap } from './usage-tap.js';

function sse(events: Record<string, unknown>[]): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

function tapAll(contentType: string, body: string, chunkSize: number) {
  const tap = new UsageTap(contentType);
  const bytes = Buffer.from(body, 'utf8');
  for (let i = 0; i < bytes.length; i += chunkSize) tap.write(bytes.subarray(i, i + chunkSize));
  return tap.finish();
}

const STREAM = sse([
  {
    type: 'message_start',
    message: {
      content: [],
      usage: {
        input_tokens: 12,
        output_tokens: 1,
        cache_read_input_tokens: 5,
        cache_creation_input_tokens: 3,
      },
    },
  },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'héllo ✓ wörld' } },
  { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } },
  { type: 'message_stop' },
]);

describe('the usage tap reads token usage from a model API response', () => {
  it('takes input and cache counts from message_start and the final output count from message_delta', () => {
    expect(tapAll('text/event-stream', STREAM, 1 << 20)).toEqual({
      input: 12,
      output: 7,
      cacheRead: 5,
      cacheWrite: 3,
    });
  });

  it('reads the same usage whatever the chunk boundaries (lines and multi-byte characters split)', () => {
    for (const size of [1, 2, 3, 7, 64])
      expect(tapAll('text/event-stream; charset=utf-8', STREAM, size)).toEqual({
        input: 12,
        output: 7,
        cacheRead: 5,
        cacheWrite: 3,
      });
  });

  it('reads the usage of a plain JSON answer', () => {
    const body = JSON.stringify({
      type: 'message',
      content: [],
      usage: { input_tokens: 20, output_tokens: 4 },
    });
    expect(tapAll('application/json', body, 5)).toEqual({
      input: 20,
      output: 4,
      cacheRead: 0,
      cacheWrite: 0,
    });
  });

  it('counts negative, fractional, huge or non-number counts as 0', () => {
    const body = JSON.stringify({
      usage: {
        input_tokens: -5,
        output_tokens: 1.5,
        cache_read_input_tokens: 1e300,
        cache_creation_input_tokens: '9',
      },
    });
    expect(tapAll('application/json', body, 100)).toEqual({
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
    });
  });

  it('counts nothing for a body that is not JSON, or events that are malformed', () => {
    expect(tapAll('application/json', 'not json', 3)).toEqual({
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
    });
    expect(tapAll('text/event-stream', 'data: {oops\n\ndata: null\n\n', 4)).toEqual({
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
    });
  });

  it('skips an SSE line over the bound without losing the events after it', () => {
    const huge = `data: ${JSON.stringify({ type: 'message_start', message: { usage: { input_tokens: 999 } }, pad: 'x'.repeat(300_000) })}\n\n`;
    const after = sse([{ type: 'message_delta', usage: { output_tokens: 2 } }]);
    expect(tapAll('text/event-stream', huge + after, 4096)).toEqual({
      input: 0,
      output: 2,
      cacheRead: 0,
      cacheWrite: 0,
    });
  });
});
