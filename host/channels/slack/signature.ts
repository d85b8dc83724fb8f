/**
 * Slack request signatures (Events API and interactivity over HTTP): `X-Slack-Signature: v0=<hex>` is
 * HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>` under the app's signing secret.
 *
 * Invariants: the comparison is constant-time over equal-length digests; a timestamp more than five minutes away
 * from now (either way) is refused before any HMAC is compared, so a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAX_SIGNATURE_AGE_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function slackSignature(secret: string, timestamp: string, rawBody: string | Buffer): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

export function verifySlackSignature(opts: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  nowMs?: number;
}): SignatureCheck {
  const { timestamp, signature } = opts;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'missing or malformed timestamp' };
  const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  if (Math.abs(now - Number(timestamp)) > MAX_SIGNATURE_AGE_SECONDS)
    return { ok: false, reason: 'stale timestamp' };
  if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature))
    return { ok: false, reason: 'missing or malformed signature' };
  const expected = Buffer.from(slackSignature(opts.secret, timestamp, opts.rawBody));
  if (!timingSafeEqual(expected, Buffer.from(signature))) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}
