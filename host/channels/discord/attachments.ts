/**
 * Inbound Discord attachments: the file's CDN URL is fetched only when the host asks for it.
 *
 * Invariants: nothing is fetched before `download`; a file whose announced size is past the cap is refused
 * without a request; a body that grows past the cap is cancelled as soon as it does, so at most
 * `maxBytes` + one network chunk is ever read.
 */
import { readCappedBody } from '../capped-body.js';
import type { InboundAttachment } from '../adapter.js';

export interface DiscordFile {
  url: string;
  name: string | null;
  contentType: string | null;
  size: number;
}

async function downloadCapped(url: string, maxBytes: number): Promise<Buffer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok || !res.body) throw new Error(`discord attachment download failed: HTTP ${res.status}`);
  return readCappedBody(res, maxBytes, 'discord attachment');
}

export function toInboundAttachment(file: DiscordFile): InboundAttachment {
  return {
    name: file.name,
    mimeType: file.contentType,
    size: file.size,
    download: async (maxBytes) => {
      if (file.size > maxBytes)
        throw new Error(`discord attachment is ${file.size} bytes, over the ${maxBytes}-byte limit`);
      return downloadCapped(file.url, maxBytes);
    },
  };
}
