/**
 * Which chat bots are configured: one instance per bot token found in the environment.
 *
 * `<PLATFORM>_BOT_TOKEN` configures the platform's default bot (channel type `telegram`); `<PLATFORM>_BOT_TOKEN_<NAME>`
 * configures a named one (channel type `telegram-<name>`, NAME upper-case letters, digits and underscores). An
 * instance's other settings are `<PLATFORM>_<KEY>` for the default bot and `<PLATFORM>_<KEY>_<NAME>` for a named
 * one. A named instance falls back to the default's value only for the platform's API address (API_ROOT,
 * API_URL: a self-hosted Bot API or a test server serves every bot), never for tokens, secrets or a webhook URL,
 * which belong to one bot.
 */
const PLATFORMS = ['telegram', 'discord', 'slack'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface ChannelInstance {
  platform: Platform;
  /** The instance name (lower case, `-` for `_`), or null for the platform's default bot. */
  name: string | null;
  /** `telegram` or `telegram-<name>`: the registry key and the `channel` of MessagingGroups. */
  channelType: string;
  /** Settings without the platform prefix and instance suffix: `{ BOT_TOKEN: '…', API_ROOT: '…' }`. */
  settings: Readonly<Record<string, string>>;
  /** Where a settings key comes from, for error messages: `TELEGRAM_API_ROOT_SUPPORT`. */
  envKey(key: string): string;
}

const TOKEN = /^(TELEGRAM|DISCORD|SLACK)_BOT_TOKEN(?:_([A-Z0-9][A-Z0-9_]{0,23}))?$/;

const SHARED_KEYS = new Set(['API_ROOT', 'API_URL']);

/** Splits `<PLATFORM>_…` keys into per-instance settings: suffix ('' for the default bot) → key → value. */
function settingsBySuffix(
  env: NodeJS.ProcessEnv,
  prefix: string,
  suffixes: string[],
): Map<string, Record<string, string>> {
  const by = new Map<string, Record<string, string>>(suffixes.map((s) => [s, {}]));
  const named = suffixes.filter(Boolean).sort((a, b) => b.length - a.length);
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith(prefix) || v === undefined || v === '') continue;
    const rest = k.slice(prefix.length);
    const suffix = named.find((s) => rest.endsWith(`_${s}`)) ?? '';
    const key = suffix ? rest.slice(0, -suffix.length - 1) : rest;
    const bucket = by.get(suffix) ?? {};
    by.set(suffix, bucket);
    bucket[key] = v;
  }
  return by;
}

/** Every configured bot, default instances first, then named ones by name. */
export function channelInstances(env: NodeJS.ProcessEnv): ChannelInstance[] {
  const found: ChannelInstance[] = [];
  for (const platform of PLATFORMS) {
    const prefix = `${platform.toUpperCase()}_`;
    const suffixes = Object.keys(env)
      .map((k) => TOKEN.exec(k))
      .filter((m): m is RegExpExecArray => m !== null && m[1] === platform.toUpperCase() && !!env[m[0]])
      .map((m) => m[2] ?? '');
    const by = settingsBySuffix(env, prefix, suffixes);
    const defaults = by.get('') ?? {};
    for (const suffix of suffixes.sort()) {
      const own = by.get(suffix) ?? {};
      const inherited = suffix
        ? Object.fromEntries(Object.entries(defaults).filter(([k]) => SHARED_KEYS.has(k)))
        : {};
      const name = suffix ? suffix.toLowerCase().replace(/_/g, '-') : null;
      const channelType = name ? `${platform}-${name}` : platform;
      found.push({
        platform,
        name,
        channelType,
        settings: { ...inherited, ...own },
        envKey: (k) => `${prefix}${k}${suffix ? `_${suffix}` : ''}`,
      });
    }
  }
  return found;
}
