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
