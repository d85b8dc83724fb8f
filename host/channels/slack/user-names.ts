/**
 * Display names of Slack users from users.info, cached per user id. The cache is bounded (oldest entries evicted)
 * and entries expire, so a renamed user is picked up again; a lookup that fails yields null (the message still
 * goes through, without a name) and is not cached.
 */
import type { Logger } from 'pino';

const MAX_ENTRIES = 2000;
const TTL_MS = 60 * 60 * 1000;

interface UsersInfo {
  user?: { name?: string; real_name?: string; profile?: { display_name?: string; real_name?: string } };
}

export class UserNames {
  private readonly cache = new Map<string, { name: string | null; at: number }>();

  constructor(
    private readonly lookup: (userId: string) => Promise<UsersInfo>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async get(userId: string): Promise<string | null> {
    const hit = this.cache.get(userId);
    if (hit && this.now() - hit.at < TTL_MS) return hit.name;
    let name: string | null;
    try {
      const { user } = await this.lookup(userId);
      name = user?.profile?.display_name || user?.profile?.real_name || user?.real_name || user?.name || null;
    } catch (err) {
      this.log.warn({ userId, err: (err as Error).message }, 'slack users.info failed; no display name');
      return null;
    }
    this.cache.delete(userId);
    this.cache.set(userId, { name, at: this.now() });
    if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    return name;
  }
}
