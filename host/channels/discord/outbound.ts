/**
 * One outbound payload → the Discord messages that carry it, in order.
 *
 * Invariants: each message's content is at most 2000 characters (formatted and split by format.ts); a question
 * card's buttons and the first ten files ride on the last text message, further files follow ten to a message;
 * only the first message is a reply, and only to a real Discord message id (a snowflake; an edit's `<id>~<time>`
 * refers to its original).
 */
import type { OutboundPayload } from '../adapter.js';
import { questionRows, type ButtonRow } from './cards.js';
import { escapeText, formatBlocks, formatDiscord, packChunks } from './format.js';

const FILES_PER_MESSAGE = 10;

export interface PlannedMessage {
  content?: string;
  components?: ButtonRow[];
  files?: { name: string; data: Buffer }[];
  replyTo?: string;
}

export function replyReference(inReplyTo: string | null | undefined): string | null {
  const m = /^(\d{15,21})(?:~.*)?$/.exec(inReplyTo ?? '');
  return m ? m[1]! : null;
}

export function planMessages(payload: OutboundPayload): PlannedMessage[] {
  const q = payload.question;
  const texts = q
    ? packChunks([`**${escapeText(q.title)}**`, ...formatBlocks(payload.text)])
    : formatDiscord(payload.text);
  const files = payload.files ?? [];
  const planned: PlannedMessage[] = texts.map((content) => ({ content }));
  const firstFiles = files.slice(0, FILES_PER_MESSAGE);
  if (planned.length === 0 && (firstFiles.length || q)) planned.push({});
  const last = planned[planned.length - 1];
  if (last) {
    if (q) last.components = questionRows(q.questionId, q.options);
    if (firstFiles.length) last.files = firstFiles;
  }
  for (let i = FILES_PER_MESSAGE; i < files.length; i += FILES_PER_MESSAGE)
    planned.push({ files: files.slice(i, i + FILES_PER_MESSAGE) });
  if (planned.length === 0) throw new Error('discord: nothing to send (empty text, no files)');
  const replyTo = replyReference(payload.inReplyTo);
  if (replyTo) planned[0]!.replyTo = replyTo;
  return planned;
}
