/**
 * Discord API objects as the real API shapes them (v10 JSON): users, channels, the test guild, messages and
 * component interactions. Only the fields discord.js reads are filled in.
 */
const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/** A fresh snowflake: milliseconds since Discord's epoch, shifted, plus a counter. */
export function snowflake(at = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | increment).toString();
}

const ChannelType = { GuildText: 0, DM: 1, PublicThread: 11 } as const;

export interface ApiUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: null;
  bot?: boolean;
}

export function user(id: string, username: string, extra: Partial<ApiUser> = {}): ApiUser {
  return { id, username, global_name: null, discriminator: '0', avatar: null, ...extra };
}

export interface ApiChannel {
  id: string;
  type: number;
  guild_id?: string;
  name?: string;
  parent_id?: string | null;
  recipients?: ApiUser[];
  last_message_id?: string | null;
  [k: string]: unknown;
}

export function textChannel(id: string, guildId: string, name: string): ApiChannel {
  return {
    id,
    type: ChannelType.GuildText,
    guild_id: guildId,
    name,
    position: 0,
    parent_id: null,
    nsfw: false,
  };
}

export function thread(
  id: string,
  guildId: string,
  parentId: string,
  name: string,
  ownerId: string,
): ApiChannel {
  return {
    id,
    type: ChannelType.PublicThread,
    guild_id: guildId,
    parent_id: parentId,
    name,
    owner_id: ownerId,
    message_count: 0,
    member_count: 1,
    thread_metadata: {
      archived: false,
      auto_archive_duration: 1440,
      archive_timestamp: new Date().toISOString(),
      locked: false,
    },
  };
}

export function dmChannel(id: string, recipient: ApiUser): ApiChannel {
  return { id, type: ChannelType.DM, recipients: [recipient], last_message_id: null };
}

export function guild(
  id: string,
  name: string,
  ownerId: string,
  channels: ApiChannel[],
  threads: ApiChannel[],
) {
  return {
    id,
    name,
    owner_id: ownerId,
    icon: null,
    unavailable: false,
    member_count: 3,
    large: false,
    joined_at: new Date().toISOString(),
    roles: [
      {
        id,
        name: '@everyone',
        permissions: '1071698660929',
        position: 0,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
        flags: 0,
      },
    ],
    emojis: [],
    stickers: [],
    features: [],
    members: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    channels: channels.map((c) => ({ ...c, guild_id: undefined })),
    threads,
    premium_tier: 0,
    preferred_locale: 'en-US',
    verification_level: 0,
    nsfw_level: 0,
    mfa_level: 0,
    explicit_content_filter: 0,
    default_message_notifications: 0,
    system_channel_flags: 0,
  };
}

export interface ApiAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
}

export interface MessageInit {
  channelId: string;
  guildId?: string;
  author: ApiUser;
  content: string;
  /** Users the message mentions (Discord's parsed `<@id>` mentions). */
  mentions?: ApiUser[];
  /** The server nickname of the author. */
  nick?: string;
  /** A message this one replies to. */
  referenced?: Record<string, unknown>;
  attachments?: ApiAttachment[];
  type?: number;
  id?: string;
  editedTimestamp?: string | null;
  /** 0 for a guild text channel, 11 for a thread, 1 for a DM (Discord's MESSAGE_CREATE channel_type). */
  channelType?: number;
  webhookId?: string;
}

export function message(m: MessageInit): Record<string, unknown> {
  const id = m.id ?? snowflake();
  return {
    id,
    channel_id: m.channelId,
    ...(m.guildId
      ? {
          guild_id: m.guildId,
          member: {
            nick: m.nick ?? null,
            roles: [],
            joined_at: new Date().toISOString(),
            deaf: false,
            mute: false,
            flags: 0,
          },
        }
      : {}),
    author: m.author,
    content: m.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: m.editedTimestamp ?? null,
    tts: false,
    mention_everyone: false,
    mentions: m.mentions ?? [],
    mention_roles: [],
    attachments: m.attachments ?? [],
    embeds: [],
    components: [],
    pinned: false,
    type: m.type ?? (m.referenced ? 19 : 0),
    flags: 0,
    channel_type: m.channelType ?? (m.guildId ? ChannelType.GuildText : ChannelType.DM),
    ...(m.webhookId ? { webhook_id: m.webhookId } : {}),
    ...(m.referenced
      ? {
          referenced_message: m.referenced,
          message_reference: {
            type: 0,
            message_id: m.referenced.id,
            channel_id: m.channelId,
            ...(m.guildId ? { guild_id: m.guildId } : {}),
          },
        }
      : {}),
  };
}

export interface ButtonClickInit {
  applicationId: string;
  message: Record<string, unknown>;
  customId: string;
  clicker: ApiUser;
  guildId?: string;
  channel: ApiChannel;
}

/** INTERACTION_CREATE for a button click (type 3, component_type 2). */
export function buttonClick(c: ButtonClickInit): Record<string, unknown> {
  return {
    id: snowflake(),
    application_id: c.applicationId,
    type: 3,
    token: `itoken-${snowflake()}`,
    version: 1,
    channel_id: c.channel.id,
    channel: c.channel,
    ...(c.guildId
      ? {
          guild_id: c.guildId,
          member: {
            user: c.clicker,
            nick: null,
            roles: [],
            joined_at: new Date().toISOString(),
            deaf: false,
            mute: false,
            flags: 0,
            permissions: '1071698660929',
          },
        }
      : { user: c.clicker }),
    message: c.message,
    data: { custom_id: c.customId, component_type: 2 },
    app_permissions: '1071698660929',
    locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: {},
    attachment_size_limit: 10_485_760,
  };
}
