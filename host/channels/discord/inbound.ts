/**
 * A Discord message (as the gateway delivered it) → InboundMessage, or the reason it is dropped.
 *
 * Invariants:
 * - Identity is the payload's author id (a snowflake), never text; the bot's own messages, other bots' and
 *   webhooks' messages, and system messages (joins, pins, thread starters …) are dropped.
 * - Chat addressing: `platformId` is the channel; a message in a thread has `platformId` = the thread's parent
 *   channel and `threadId` = the thread's channel id, so one MessagingGroup per channel covers its threads.
 * - A mention is the platform's own: the bot among the message's parsed user mentions, or a reply to one of the
 *   bot's messages. A DM always counts as one (isGroup false).
 * - An edit gets messageId `<id>~<edited timestamp ms>` and `editOf` = the original id, so each edit is a new
 *   message once, however often it is redelivered.
 */
import type { InboundAttachment, InboundMessage } from '../adapter.js';

/** Message types that carry a person's text: DEFAULT and REPLY. */
const USER_MESSAGE_TYPES = new Set([0, 19]);

/** What the builder needs from a message, pulled out of discord.js's Message by the adapter. */
export interface DiscordMessageFacts {
  id: string;
  channelId: string;
  /** Null in a DM. */
  guildId: string | null;
  /** The parent channel when the message was posted in a thread. */
  threadParentId: string | null;
  type: number;
  author: { id: string; bot: boolean; username: string; globalName: string | null } | null;
  webhookId: string | null;
  /** The author's server nickname, if any. */
  nickname: string | null;
  content: string;
  mentionsBot: boolean;
  repliesToBot: boolean;
  createdAt: number;
  editedAt: number | null;
  attachments: InboundAttachment[];
}

export type BuildResult = { message: InboundMessage } | { dropped: string };

export function buildInbound(
  f: DiscordMessageFacts,
  ctx: { channelType: string; botId: string; edit: boolean },
): BuildResult {
  if (!f.author) return { dropped: 'no author' };
  if (f.author.id === ctx.botId) return { dropped: 'own message' };
  if (f.author.bot || f.webhookId) return { dropped: 'bot or webhook author' };
  if (!USER_MESSAGE_TYPES.has(f.type)) return { dropped: `system message type ${f.type}` };
  if (!f.content && f.attachments.length === 0) return { dropped: 'empty message' };
  if (ctx.edit && f.editedAt === null) return { dropped: 'update without an edit' };
  const isGroup = f.guildId !== null;
  const message: InboundMessage = {
    channelType: ctx.channelType,
    platformId: f.threadParentId ?? f.channelId,
    threadId: f.threadParentId ? f.channelId : null,
    messageId: ctx.edit ? `${f.id}~${f.editedAt}` : f.id,
    senderHandle: f.author.id,
    senderName: f.nickname ?? f.author.globalName ?? f.author.username,
    text: f.content,
    isMention: !isGroup || f.mentionsBot || f.repliesToBot,
    isGroup,
    timestamp: new Date(ctx.edit && f.editedAt !== null ? f.editedAt : f.createdAt).toISOString(),
    ...(f.attachments.length ? { attachments: f.attachments } : {}),
    ...(ctx.edit ? { editOf: f.id } : {}),
  };
  return { message };
}
