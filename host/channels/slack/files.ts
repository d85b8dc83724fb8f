/**
 * Inbound Slack files as InboundAttachment: `url_private(_download)` fetched with the bot token only when the host
 * asks, after the access gate.
 *
 * Invariants: the bot token is only ever sent to Slack's file host (https://files.slack.com) or the configured
 * Web API's origin (the fake in tests), never to another URL a payload names; redirects are not followed (a
 * redirect is how Slack answers a token it refuses); a file announced or arriving larger than maxBytes is refused
 * without reading the rest of it.
 */
import { readCappedBody } from '../capped-body.js';
import type { InboundAttachment } from '../adapter.js';
import type { SlackFile } from './inbound.js';

const SLACK_FILE_ORIGIN = 'https://files.slack.com';

export function slackAttachment(file: SlackFile, botToken: string, apiUrl: string): InboundAttachment {
  const url = file.url_private_download ?? file.url_private ?? '';
  const allowed = new Set([SLACK_FILE_ORIGIN, new URL(apiUrl).origin]);
  return {
    name: file.name ?? null,
    mimeType: file.mimetype ?? null,
    size: file.size ?? null,
    download: async (maxBytes) => {
      if (file.size != null && file.size > maxBytes)
        throw new Error(`slack file ${file.id} is ${file.size} bytes, over the ${maxBytes}-byte limit`);
      let origin: string;
      try {
        origin = new URL(url).origin;
      } catch {
        throw new Error(`slack file ${file.id} has no valid download URL`);
      }
      if (!allowed.has(origin))
        throw new Error(`slack file ${file.id} is not on a Slack file host (${origin})`);
      const res = await fetch(url, { headers: { Authorization: `Bearer ${botToken}` }, redirect: 'manual' });
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel();
        throw new Error(`slack file ${file.id} download failed: HTTP ${res.status}`);
      }
      return readCappedBody(res, maxBytes, `slack file ${file.id}`);
    },
  };
}
