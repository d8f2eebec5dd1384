const encoder = new TextEncoder();

/** Constant-time comparison of two strings (hashed first, so lengths do not leak either). */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([a, b].map((s) => crypto.subtle.digest("SHA-256", encoder.encode(s))));
  return crypto.subtle.timingSafeEqual(ha!, hb!);
}

/**
 * Throttles guessing of the API token: after MAX_FAILURES wrong tokens from one client address
 * within WINDOW_SECONDS, that address is refused (429) until the window ends, even with the right
 * token. Successes cost nothing; only failures write to KV. KV is eventually consistent across
 * locations, so this slows guessing rather than counting exactly; the token's length (≥ 16
 * characters) is what makes guessing hopeless.
 */
const MAX_FAILURES = 10;
const WINDOW_SECONDS = 15 * 60;

interface Window {
  count: number;
  /** Unix seconds when the window ends. */
  until: number;
}

const key = (client: string) => `authfail:${client}`;

/**
 * The client address as Cloudflare saw it. Cloudflare sets it on every request from outside; a
 * request without it (a service binding) is not throttled, as there is nobody to attribute it to.
 */
export const clientAddress = (headers: Headers) => headers.get("cf-connecting-ip");

export const lockoutMessage = (seconds: number) => `too many wrong tokens from this address; try again in ${Math.ceil(seconds / 60)} minutes`;

/** Seconds until `client` may try again, or 0 if it may try now. */
export async function lockedFor(kv: KVNamespace, client: string | null): Promise<number> {
  if (!client) return 0;
  const w = await kv.get<Window>(key(client), "json");
  const now = Math.floor(Date.now() / 1000);
  return w && w.count >= MAX_FAILURES && w.until > now ? w.until - now : 0;
}

/** Counts one wrong token from `client`. */
export async function recordFailure(kv: KVNamespace, client: string | null): Promise<void> {
  if (!client) return;
  const now = Math.floor(Date.now() / 1000);
  const w = await kv.get<Window>(key(client), "json");
  const next: Window = w && w.until > now ? { count: w.count + 1, until: w.until } : { count: 1, until: now + WINDOW_SECONDS };
  // KV expirations must be at least 60 s ahead.
  await kv.put(key(client), JSON.stringify(next), { expiration: Math.max(next.until, now + 60) });
}
