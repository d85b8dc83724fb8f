import { describe, expect, it } from 'vitest';
import { verifySlackRequest } from '@slack/bolt';
import { slackSignature, verifySlackSignature } from './signature.js';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = Buffer.from('token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fweather');
const now = 1531420618;

describe('verifySlackSignature', () => {
  it('accepts a request signed with the secret, as Bolt itself verifies it', () => {
    const signature = slackSignature(secret, String(now), body);
    expect(() =>
      verifySlackRequest({
        signingSecret: secret,
        body: body.toString(),
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': now },
        nowMilliseconds: now * 1000,
      }),
    ).not.toThrow();
    expect(
      verifySlackSignature({ secret, timestamp: String(now), signature, rawBody: body, nowMs: now * 1000 }),
    ).toEqual({
      ok: true,
    });
  });

  it('refuses a signature made with another secret', () => {
    const signature = slackSignature('not-the-secret', String(now), body);
    expect(
      verifySlackSignature({ secret, timestamp: String(now), signature, rawBody: body, nowMs: now * 1000 }),
    ).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('refuses a body changed after signing', () => {
    const signature = slackSignature(secret, String(now), body);
    const check = verifySlackSignature({
      secret,
      timestamp: String(now),
      signature,
      rawBody: Buffer.concat([body, Buffer.from('&x=1')]),
      nowMs: now * 1000,
    });
    expect(check.ok).toBe(false);
  });

  it('refuses a correctly signed request older than five minutes, and one from the future', () => {
    const old = String(now - 301);
    expect(
      verifySlackSignature({
        secret,
        timestamp: old,
        signature: slackSignature(secret, old, body),
        rawBody: body,
        nowMs: now * 1000,
      }),
    ).toEqual({ ok: false, reason: 'stale timestamp' });
    const future = String(now + 301);
    expect(
      verifySlackSignature({
        secret,
        timestamp: future,
        signature: slackSignature(secret, future, body),
        rawBody: body,
        nowMs: now * 1000,
      }).ok,
    ).toBe(false);
  });

  it('refuses missing or malformed headers without throwing', () => {
    for (const [timestamp, signature] of [
      [undefined, undefined],
      [String(now), undefined],
      ['soon', slackSignature(secret, String(now), body)],
      [String(now), 'v1=abc'],
      [String(now), 'v0=' + 'g'.repeat(64)],
    ] as const)
      expect(
        verifySlackSignature({ secret, timestamp, signature, rawBody: body, nowMs: now * 1000 }).ok,
      ).toBe(false);
  });
});
