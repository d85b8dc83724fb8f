/**
 * Slack Events API payloads → what the host routes. Pure: no I/O; names and file downloads are added by the caller.
 *
 * Invariants:
 * - The sender is the event's `user` in its workspace: senderHandle `<team>:<user>` (the user's own team for
 *   Slack Connect channels, `user_team`/`team`, else the event's `team_id`), never anything from the text.
 * - Messages with a `bot_id`, the `bot_message` subtype, or the bot's own user id are dropped; so is every subtype
 *   other than plain messages, file shares, thread broadcasts, /me messages and real edits (channel_join, topic
 *   changes, deletions, unfurls that arrive as message_changed without `edited` …).
 * - An edit (`message_changed` with `edited`) becomes a new message `<ts>~<edited ts>` with `editOf` = `<ts>`.
 * - A mention is an `app_mention` event, or the bot's user id in a rich_text `user` element of the message's blocks
 *   (Slack's structure for @-mentions); a DM (`im`) always counts as one.
 * - messageId is the message `ts` (unique per channel), so a redelivered event carries the same id.
 */
import { z } from 'zod';
import type { InboundMessage } from '../adapter.js';

export interface BotIdentity {
  teamId: string;
  userId: string;
  botId: string | null;
}

const SlackFile = z.object({
  id: z.string(),
  name: z.string().nullish(),
  mimetype: z.string().nullish(),
  size: z.number().int().nonnegative().nullish(),
  url_private: z.string().nullish(),
  url_private_download: z.string().nullish(),
});
export type SlackFile = z.infer<typeof SlackFile>;

const MessageFields = {
  user: z.string().optional(),
  text: z.string().default(''),
  ts: z.string().regex(/^\d+\.\d+$/),
  thread_ts: z.string().optional(),
  bot_id: z.string().nullish(),
  subtype: z.string().optional(),
  blocks: z.array(z.unknown()).optional(),
  files: z.array(z.unknown()).optional(),
  team: z.string().optional(),
  user_team: z.string().optional(),
};

const MessageEvent = z.object({
  type: z.enum(['message', 'app_mention']),
  channel: z.string().regex(/^[CGD][A-Z0-9]+$/),
  channel_type: z.string().optional(),
  ...MessageFields,
  message: z.object({ ...MessageFields, edited: z.object({ ts: z.string() }).optional() }).optional(),
});

const EventBody = z.object({ team_id: z.string().optional(), event: MessageEvent });

/** A message ready for the sink once the caller added senderName and attachments. */
interface MappedMessage {
  message: InboundMessage;
  userId: string;
  files: SlackFile[];
}

export type Mapping = { ok: true; value: MappedMessage } | { ok: false; reason: string };

const KEPT_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'me_message']);
const MAX_BLOCK_DEPTH = 12;

/** Whether the bot's user id appears as a rich_text `user` element anywhere in the blocks. */
export function mentionsUser(blocks: unknown, userId: string, depth = 0): boolean {
  if (depth > MAX_BLOCK_DEPTH || blocks === null || typeof blocks !== 'object') return false;
  if (Array.isArray(blocks)) return blocks.some((b) => mentionsUser(b, userId, depth + 1));
  const el = blocks as { type?: unknown; user_id?: unknown; elements?: unknown };
  if (el.type === 'user' && el.user_id === userId) return true;
  return mentionsUser(el.elements, userId, depth + 1);
}

/** Slack's message text → plain text: `<@U1>` → `@U1`, `<url|label>` → `label (url)`, entities decoded. */
export function fromSlackText(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_m, inner: string) => {
      const [target = '', label] = inner.split('|', 2);
      if (target.startsWith('@')) return label ? `@${label.replace(/^@/, '')}` : target;
      if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
      if (target.startsWith('!')) return label ?? `@${target.slice(1).split('^')[0]}`;
      return label && label !== target ? `${label} (${target})` : target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function isoFromTs(ts: string): string {
  return new Date(Math.round(Number(ts) * 1000)).toISOString();
}

export function mapSlackEvent(channelType: string, body: unknown, bot: BotIdentity): Mapping {
  const parsed = EventBody.safeParse(body);
  if (!parsed.success) return { ok: false, reason: `malformed event: ${parsed.error.issues[0]?.message}` };
  const { event } = parsed.data;
  const edit = event.subtype === 'message_changed';
  if (!edit && !KEPT_SUBTYPES.has(event.subtype))
    return { ok: false, reason: `subtype ${event.subtype} ignored` };
  const m = edit ? event.message : event;
  if (!m) return { ok: false, reason: 'message_changed without message' };
  if (edit && !event.message?.edited)
    return { ok: false, reason: 'message_changed without an edit (unfurl)' };
  if (m.bot_id || m.subtype === 'bot_message') return { ok: false, reason: 'bot message' };
  if (!m.user) return { ok: false, reason: 'message without a user' };
  if (m.user === bot.userId) return { ok: false, reason: 'own message' };
  const team = m.user_team ?? m.team ?? event.user_team ?? event.team ?? parsed.data.team_id;
  if (!team) return { ok: false, reason: 'message without a team' };

  const isDm = event.channel_type ? event.channel_type === 'im' : event.channel.startsWith('D');
  const editedTs = edit ? event.message!.edited!.ts : null;
  const threadId = m.thread_ts && m.thread_ts !== m.ts ? m.thread_ts : null;
  const files: SlackFile[] = [];
  for (const f of m.files ?? []) {
    const file = SlackFile.safeParse(f);
    if (file.success && (file.data.url_private_download ?? file.data.url_private)) files.push(file.data);
  }
  const message: InboundMessage = {
    channelType,
    platformId: event.channel,
    threadId,
    messageId: editedTs ? `${m.ts}~${editedTs}` : m.ts,
    senderHandle: `${team}:${m.user}`,
    text: fromSlackText(m.text),
    isMention: isDm || event.type === 'app_mention' || mentionsUser(m.blocks, bot.userId),
    isGroup: !isDm,
    timestamp: isoFromTs(editedTs ?? m.ts),
    ...(editedTs ? { editOf: m.ts } : {}),
  };
  return { ok: true, value: { message, userId: m.user, files } };
}
