/**
 * Inbound Telegram files made downloadable: nothing is fetched until `download(maxBytes)` is called; then getFile
 * gives the file's path and size, and the file is read from `<apiRoot>/file/bot<token>/<file_path>`.
 *
 * Invariants: a file announced (by the update, getFile or Content-Length) as larger than `maxBytes` is refused
 * before its body is read; a body that grows past `maxBytes` is aborted at that point. Errors never contain the
 * file URL (it carries the bot token).
 */
import { readCappedBody } from '../capped-body.js';
import type { Api } from 'grammy';
import type { InboundAttachment } from '../adapter.js';
import type { FileRef } from './inbound.js';

const DOWNLOAD_TIMEOUT_MS = 120_000;

function tooLarge(ref: FileRef, size: number, maxBytes: number): Error {
  return new Error(
    `telegram file ${ref.name ?? ref.fileId} is ${size} bytes, over the ${maxBytes}-byte limit`,
  );
}

async function download(
  api: Api,
  apiRoot: string,
  token: string,
  ref: FileRef,
  maxBytes: number,
): Promise<Buffer> {
  if (ref.size !== null && ref.size > maxBytes) throw tooLarge(ref, ref.size, maxBytes);
  const file = await api.getFile(ref.fileId);
  if (file.file_size !== undefined && file.file_size > maxBytes)
    throw tooLarge(ref, file.file_size, maxBytes);
  if (!file.file_path) throw new Error(`telegram file ${ref.fileId} has no download path (getFile)`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), DOWNLOAD_TIMEOUT_MS);
  try {
    let res: Response;
    try {
      res = await fetch(`${apiRoot}/file/bot${token}/${file.file_path}`, { signal: controller.signal });
    } catch (err) {
      // Not attached as the cause: fetch's error carries the file URL, which holds the bot token.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(`telegram file ${ref.fileId}: download failed (${(err as Error).name})`);
    }
    if (!res.ok || !res.body)
      throw new Error(`telegram file ${ref.fileId}: download answered HTTP ${res.status}`);
    return await readCappedBody(res, maxBytes, `telegram file ${ref.name ?? ref.fileId}`);
  } finally {
    clearTimeout(timer);
  }
}

export function telegramAttachment(
  api: Api,
  apiRoot: string,
  token: string,
  ref: FileRef,
): InboundAttachment {
  return {
    name: ref.name,
    mimeType: ref.mimeType,
    size: ref.size,
    download: (maxBytes) => download(api, apiRoot, token, ref, maxBytes),
  };
}
