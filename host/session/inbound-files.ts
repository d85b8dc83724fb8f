/**
 * Files that come with an inbound message, saved into each receiving session's inbox as `inbox/<message>/<name>`.
 *
 * Invariants:
 * - Nothing is downloaded before the router let the message through: the adapter's `download` runs here, called
 *   from the session layer. A fan-out to several sessions downloads each file once.
 * - Each file is capped (NANOCLAW_ATTACHMENT_MAX_BYTES) and at most MAX_FILES are taken from one message; a file
 *   over the cap or failing to download is left out and named in the message's text as not saved, so the agent
 *   and the person see it was not lost silently.
 * - Names are made safe (no separators, control characters, leading dots; at most 100 characters; unique within
 *   the message) and written with session/safe-fs, which never follows a runner-planted symlink.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { InboundFile } from '../../protocol/messages.js';
import type { InboundAttachment } from '../channels/adapter.js';
import { writeFileInside } from './safe-fs.js';

const MAX_FILES = 10;
const MAX_NAME = 100;

interface Fetched {
  name: string;
  mimeType: string | null;
  data: Buffer | null;
  error: string | null;
}

/** A file name that is safe on any filesystem and inside one directory. */
export function safeFileName(raw: string | null, index: number): string {
  const cleaned = (raw ?? '')
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}/\\:*?"<>|]+/gu, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  const name = cleaned.length > MAX_NAME ? shorten(cleaned) : cleaned;
  return name || `file-${index + 1}`;
}

function shorten(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
  return Array.from(name.slice(0, MAX_NAME - ext.length)).join('') + ext;
}

function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let candidate = n;
    for (let i = 2; seen.has(candidate); i++) {
      const dot = n.lastIndexOf('.');
      candidate = dot > 0 ? `${n.slice(0, dot)}-${i}${n.slice(dot)}` : `${n}-${i}`;
    }
    seen.add(candidate);
    return candidate;
  });
}

/** The directory name for a message's files: its platform id, made safe. */
function messageDir(messageId: string): string {
  return safeFileName(messageId.replace(/[^A-Za-z0-9._~-]/g, '_').slice(0, 80), 0);
}

export interface SavedFiles {
  files: InboundFile[];
  /** One line per file that was not saved, for the message text. */
  notes: string[];
}

export class InboundFiles {
  private readonly downloads = new WeakMap<readonly InboundAttachment[], Promise<Fetched[]>>();

  constructor(
    /** The data dir: the root every session directory is inside. */
    private readonly dataDir: string,
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {}

  /** Saves the message's files into the inbox of the session directory `sessionRoot` (inside the data dir). */
  async save(
    msg: { messageId: string; attachments?: readonly InboundAttachment[] },
    sessionRoot: string,
  ): Promise<SavedFiles> {
    if (!msg.attachments?.length) return { files: [], notes: [] };
    const fetched = await this.fetch(msg.attachments);
    const names = uniqueNames(fetched.map((f) => f.name));
    const dir = `inbox/${messageDir(msg.messageId)}`;
    const files: InboundFile[] = [];
    const notes: string[] = [];
    fetched.forEach((f, i) => {
      if (!f.data) {
        notes.push(`[file ${names[i]!} not saved: ${f.error ?? 'unavailable'}]`);
        return;
      }
      const rel = `${dir}/${names[i]!}`;
      writeFileInside(this.dataDir, `${path.relative(this.dataDir, sessionRoot)}/${rel}`, f.data);
      files.push({ path: rel, name: names[i]!, mimeType: f.mimeType, size: f.data.length });
    });
    if (msg.attachments.length > MAX_FILES)
      notes.push(
        `[${msg.attachments.length - MAX_FILES} more files not saved: at most ${MAX_FILES} per message]`,
      );
    return { files, notes };
  }

  private fetch(attachments: readonly InboundAttachment[]): Promise<Fetched[]> {
    let p = this.downloads.get(attachments);
    if (!p) {
      p = Promise.all(attachments.slice(0, MAX_FILES).map((a, i) => this.fetchOne(a, i)));
      this.downloads.set(attachments, p);
    }
    return p;
  }

  private async fetchOne(a: InboundAttachment, index: number): Promise<Fetched> {
    const name = safeFileName(a.name, index);
    if (a.size !== null && a.size > this.maxBytes)
      return { name, mimeType: a.mimeType, data: null, error: `larger than ${this.maxBytes} bytes` };
    try {
      const data = await a.download(this.maxBytes);
      if (data.length > this.maxBytes)
        return { name, mimeType: a.mimeType, data: null, error: `larger than ${this.maxBytes} bytes` };
      return { name, mimeType: a.mimeType, data, error: null };
    } catch (err) {
      this.log.warn({ file: name, err: (err as Error).message }, 'inbound file download failed');
      return { name, mimeType: a.mimeType, data: null, error: 'download failed' };
    }
  }
}
