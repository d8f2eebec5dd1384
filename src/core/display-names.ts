/**
 * Display names change rarely, and users.info is a Slack call per request otherwise (Tier 4).
 * A name found is kept in KV for a day; a missing name is not cached, so it is asked again.
 */
const TTL_SECONDS = 24 * 60 * 60;

export async function cachedDisplayName(kv: KVNamespace, user: string, lookup: (user: string) => Promise<string | null>): Promise<string | null> {
  const key = `name:${user}`;
  const cached = await kv.get(key).catch(() => null);
  if (cached) return cached;
  const name = await lookup(user);
  // The cache is an optimisation: a failed write must not lose the name just looked up.
  if (name) await kv.put(key, name, { expirationTtl: TTL_SECONDS }).catch(() => undefined);
  return name;
}

/**
 * A name Slack sent with the person's own request (fresher than the cache): kept in KV for the
 * dashboard, written only when it differs from what the cache holds.
 */
export async function rememberDisplayName(kv: KVNamespace, user: string, name: string): Promise<string> {
  const key = `name:${user}`;
  const cached = await kv.get(key).catch(() => null);
  if (cached !== name) await kv.put(key, name, { expirationTtl: TTL_SECONDS }).catch(() => undefined);
  return name;
}

/** KV's bulk read takes at most 100 keys. @see https://developers.cloudflare.com/changelog/2025-04-10-kv-bulk-reads/ */
const KV_BULK_MAX = 100;

/**
 * The names the cache holds for these users, read only (the dashboard never asks Slack): a user
 * not in the cache (never looked up, or not in the last day) is left out, and so is everyone when
 * KV cannot be read, since a name only improves what the page shows.
 */
export async function knownDisplayNames(kv: KVNamespace, users: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(users)];
  const names = new Map<string, string>();
  for (let i = 0; i < ids.length; i += KV_BULK_MAX) {
    const chunk = ids.slice(i, i + KV_BULK_MAX);
    const found = await kv
      .get(
        chunk.map((u) => `name:${u}`),
        "text",
      )
      .catch(() => null);
    for (const u of chunk) {
      const name = found?.get(`name:${u}`);
      if (name) names.set(u, name);
    }
  }
  return names;
}
