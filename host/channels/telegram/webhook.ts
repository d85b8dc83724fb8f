/**
 * Telegram webhook requests (POST /webhooks/<channelType> on the host's webhook listener).
 *
 * Invariants:
 * - The `X-Telegram-Bot-Api-Secret-Token` header is compared with the configured secret in constant time; a
 *   missing or wrong one is 401 and nothing is read or routed.
 * - 200 only after the update's handler resolved (the sink accepted or deliberately dropped it); a handler
 *   failure is 500, so Telegram delivers the update again (same message id, written once).
 * - A body over 1 MiB is 413; a body that is not JSON is 400 and logged; neither is routed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Logger } from 'pino';

const MAX_BODY_BYTES = 1024 * 1024;
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function secretMatches(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(given), digest(secret));
}

function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
      } else parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function answer(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(`${text}\n`);
}

export async function serveTelegramWebhook(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  opts: { secret: string; log: Logger; handle(update: unknown): Promise<void> },
): Promise<void> {
  if (!secretMatches(req.headers[SECRET_HEADER], opts.secret)) {
    opts.log.warn({ remote: req.socket.remoteAddress }, 'telegram webhook: wrong or missing secret token');
    req.resume();
    return answer(res, 401, 'unauthorized');
  }
  const body = await readBody(req);
  if (body === null) return answer(res, 413, 'payload too large');
  let update: unknown;
  try {
    update = JSON.parse(body.toString('utf8'));
  } catch {
    opts.log.warn({ bytes: body.length }, 'telegram webhook: body is not JSON; dropped');
    return answer(res, 400, 'not JSON');
  }
  try {
    await opts.handle(update);
  } catch (err) {
    opts.log.warn(
      { err: (err as Error).message },
      'telegram webhook: update not accepted; Telegram will retry',
    );
    return answer(res, 500, 'not accepted');
  }
  answer(res, 200, 'ok');
}
