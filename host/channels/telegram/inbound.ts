/**
 * Telegram update → what the host sees: an InboundMessage, a question-card click, or nothing (with the reason).
 * Pure: no I/O; attachments are described here and made downloadable by the caller's `attachment` function.
 *
 * Invariants:
 * - Identity only from the payload: `senderHandle` is `String(from.id)`; the chat is `String(chat.id)` (a DM's
 *   chat id is the user's id), the thread is the forum topic (`message_thread_id` of a topic message).
 * - Bots (`from.is_bot`, the bot itself included), messages without a sender and payloads that do not match
 *   the schema are ignored, never thrown.
 * - A mention is a `mention` entity naming the bot's username, a `text_mention` or a `bot_command` addressed to
 *   the bot's user, or a reply to one of the bot's messages; a DM is always a mention.
 * - An edit (`edited_message`) gets messageId `<message_id>~<edit_date>` and `editOf` the original id, so a
 *   redelivered edit keeps its id and a new edit gets a new one.
 */
import { z } from 'zod';
import type { InboundAttachment, InboundMessage } from '../adapter.js';

const User = z.object({
  id: z.number().int(),
  is_bot: z.boolean(),
  first_name: z.string(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});
const Chat = z.object({
  id: z.number().int(),
  type: z.enum(['private', 'group', 'supergroup', 'channel']),
});
const Entity = z.object({
  type: z.string(),
  offset: z.number().int().min(0),
  length: z.number().int().min(0),
  user: User.optional(),
});
const FileFields = {
  file_id: z.string().min(1),
  file_size: z.number().int().min(0).optional(),
  mime_type: z.string().optional(),
  file_name: z.string().optional(),
};
const File = z.object(FileFields);
const Photo = z.object({ ...FileFields, width: z.number(), height: z.number() });
const Message = z.object({
  message_id: z.number().int(),
  date: z.number().int(),
  edit_date: z.number().int().optional(),
  chat: Chat,
  from: User.optional(),
  message_thread_id: z.number().int().optional(),
  is_topic_message: z.boolean().optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(Entity).optional(),
  caption_entities: z.array(Entity).optional(),
  reply_to_message: z
    .object({
      message_id: z.number().int(),
      from: User.optional(),
      forum_topic_created: z.unknown().optional(),
    })
    .optional(),
  photo: z.array(Photo).optional(),
  document: File.optional(),
  voice: File.optional(),
  audio: File.optional(),
  video: File.optional(),
});
const CallbackQuery = z.object({ id: z.string(), from: User, data: z.string().optional() });
const Update = z.object({
  update_id: z.number().int(),
  message: Message.optional(),
  edited_message: Message.optional(),
  callback_query: CallbackQuery.optional(),
});
type TgMessage = z.infer<typeof Message>;
type TgUser = z.infer<typeof User>;

/** A file of an inbound message, as the caller needs it to download it later (getFile). */
export interface FileRef {
  fileId: string;
  name: string | null;
  mimeType: string | null;
  size: number | null;
}

export interface BotIdentity {
  id: number;
  username: string;
}

export interface InterpretContext {
  channelType: string;
  bot: BotIdentity;
  attachment(file: FileRef): InboundAttachment;
}

export type Interpreted =
  | { kind: 'message'; message: InboundMessage }
  | { kind: 'click'; queryId: string; data: string; senderHandle: string; senderName: string | null }
  | { kind: 'ignored'; reason: string };

export interface InterpretedUpdate {
  /** The update's id when the payload had one (the poller's offset moves past it either way). */
  updateId: number | null;
  event: Interpreted;
}

function displayName(user: TgUser): string | null {
  const full = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  return full || user.username || null;
}

function isMention(m: TgMessage, bot: BotIdentity): boolean {
  if (m.chat.type === 'private') return true;
  const reply = m.reply_to_message;
  if (reply?.from?.id === bot.id && reply.forum_topic_created === undefined) return true;
  const text = m.text ?? m.caption ?? '';
  const handle = `@${bot.username}`.toLowerCase();
  return (m.entities ?? m.caption_entities ?? []).some((e) => {
    const part = text.slice(e.offset, e.offset + e.length).toLowerCase();
    if (e.type === 'mention') return part === handle;
    if (e.type === 'text_mention') return e.user?.id === bot.id;
    if (e.type === 'bot_command') return part.endsWith(handle);
    return false;
  });
}

function files(m: TgMessage): FileRef[] {
  const ref = (f: z.infer<typeof File>, mime: string | null): FileRef => ({
    fileId: f.file_id,
    name: f.file_name ?? null,
    mimeType: f.mime_type ?? mime,
    size: f.file_size ?? null,
  });
  const out: FileRef[] = [];
  const largest = (m.photo ?? []).reduce<z.infer<typeof Photo> | null>(
    (best, p) => (!best || p.width * p.height > best.width * best.height ? p : best),
    null,
  );
  if (largest) out.push(ref(largest, 'image/jpeg'));
  if (m.document) out.push(ref(m.document, null));
  if (m.voice) out.push(ref(m.voice, 'audio/ogg'));
  if (m.audio) out.push(ref(m.audio, null));
  if (m.video) out.push(ref(m.video, 'video/mp4'));
  return out;
}

function toMessage(m: TgMessage, isEdit: boolean, ctx: InterpretContext): Interpreted {
  const from = m.from;
  if (!from) return { kind: 'ignored', reason: 'no sender' };
  if (from.is_bot) return { kind: 'ignored', reason: from.id === ctx.bot.id ? 'own message' : 'from a bot' };
  if (m.chat.type === 'channel') return { kind: 'ignored', reason: 'channel post' };
  const refs = files(m);
  const text = m.text ?? m.caption ?? '';
  if (!text && refs.length === 0)
    return { kind: 'ignored', reason: 'nothing to read (service message or sticker)' };
  const id = String(m.message_id);
  const seconds = isEdit ? (m.edit_date ?? m.date) : m.date;
  const message: InboundMessage = {
    channelType: ctx.channelType,
    platformId: String(m.chat.id),
    threadId: m.is_topic_message && m.message_thread_id !== undefined ? String(m.message_thread_id) : null,
    messageId: isEdit ? `${id}~${seconds}` : id,
    senderHandle: String(from.id),
    senderName: displayName(from),
    text,
    isMention: isMention(m, ctx.bot),
    isGroup: m.chat.type !== 'private',
    timestamp: new Date(seconds * 1000).toISOString(),
    ...(refs.length ? { attachments: refs.map((r) => ctx.attachment(r)) } : {}),
    ...(isEdit ? { editOf: id } : {}),
  };
  return { kind: 'message', message };
}

export function interpretUpdate(raw: unknown, ctx: InterpretContext): InterpretedUpdate {
  const updateId =
    typeof raw === 'object' && raw !== null && Number.isInteger((raw as { update_id?: unknown }).update_id)
      ? (raw as { update_id: number }).update_id
      : null;
  const parsed = Update.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      updateId,
      event: { kind: 'ignored', reason: `malformed: ${issue.path.join('.')}: ${issue.message}` },
    };
  }
  const u = parsed.data;
  if (u.message) return { updateId, event: toMessage(u.message, false, ctx) };
  if (u.edited_message) return { updateId, event: toMessage(u.edited_message, true, ctx) };
  if (u.callback_query) {
    const q = u.callback_query;
    if (q.from.is_bot || q.data === undefined)
      return { updateId, event: { kind: 'ignored', reason: 'not a card click' } };
    return {
      updateId,
      event: {
        kind: 'click',
        queryId: q.id,
        data: q.data,
        senderHandle: String(q.from.id),
        senderName: displayName(q.from),
      },
    };
  }
  return { updateId, event: { kind: 'ignored', reason: 'unhandled update type' } };
}
