const encoder = new TextEncoder();

/** Constant-time comparison of two strings (hashed first, so lengths do not leak either). */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([a, b].map((s) => crypto.subtle.digest("SHA-256", encoder.encode(s))));
  return crypto.subtle.timingSafeEqual(ha!, hb!);
}

/**
 * Throttles guessing of the API token: after MAX_FAILURES wrong tokens from one client (an IPv4
 * address, or an IPv6 /64, which one subscriber usually holds whole) within WINDOW_SECONDS, that
 * client is refused (429) until the window ends, even with the right token. Only a presented
 * token is checked, so requests without one, and signed-in dashboard sessions, cost nothing and
 * are never refused; only a wrong token writes to KV, at most MAX_FAILURES times per client and
 * window. KV is eventually consistent and not atomic, so a burst of parallel guesses can get
 * past the count: this slows guessing, and the token's length (≥ 16 characters) is what makes
 * guessing hopeless.
 */
const MAX_FAILURES = 10;
const WINDOW_SECONDS = 15 * 60;

interface Window {
  count: number;
  /** Unix seconds when the window ends. */
  until: number;
}

/** The throttled unit: an IPv4 address, or the /64 prefix of an IPv6 address. */
export function clientKey(address: string): string {
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(":")}::/64`;
}

const key = (client: string) => `authfail:${clientKey(client)}`;

/**
 * The client address as Cloudflare saw it. Cloudflare sets it on every request from outside; a
 * request without it (a service binding) is not throttled, as there is nobody to attribute it to.
 */
export const clientAddress = (headers: Headers) => headers.get("cf-connecting-ip");

export type TokenCheck = { ok: boolean; locked: false } | { ok: false; locked: true; retryAfter: number; message: string };

/** The token of an `Authorization: Bearer …` header, if it has one. */
export const bearerToken = (authorization: string | null | undefined): string | undefined => /^Bearer (.+)$/.exec(authorization ?? "")?.[1];

/** Checks the request's bearer token against the secret, throttled per client; null when it presents none. */
export async function checkBearer(kv: KVNamespace, headers: Headers, secret: string): Promise<TokenCheck | null> {
  const given = bearerToken(headers.get("authorization"));
  return given ? checkToken(kv, clientAddress(headers), given, secret) : null;
}

/** Checks a presented token against the secret, throttled per client. */
export async function checkToken(kv: KVNamespace, client: string | null, given: string, secret: string): Promise<TokenCheck> {
  const wait = await lockedFor(kv, client);
  if (wait)
    return { ok: false, locked: true, retryAfter: wait, message: `too many wrong tokens from this address; try again in ${Math.ceil(wait / 60)} minutes` };
  if (await sameSecret(given, secret)) return { ok: true, locked: false };
  await recordFailure(kv, client);
  return { ok: false, locked: false };
}

/** Seconds until `client` may try again, or 0 if it may try now. */
async function lockedFor(kv: KVNamespace, client: string | null): Promise<number> {
  if (!client) return 0;
  const w = await kv.get<Window>(key(client), "json").catch(() => null);
  const now = Math.floor(Date.now() / 1000);
  return w && w.count >= MAX_FAILURES && w.until > now ? w.until - now : 0;
}

/** Counts one wrong token from `client`; best effort (a KV error must not turn a 401 into a 500). */
async function recordFailure(kv: KVNamespace, client: string | null): Promise<void> {
  if (!client) return;
  try {
    const now = Math.floor(Date.now() / 1000);
    const w = await kv.get<Window>(key(client), "json");
    const next: Window = w && w.until > now ? { count: w.count + 1, until: w.until } : { count: 1, until: now + WINDOW_SECONDS };
    // KV expirations must be at least 60 s ahead (@see https://developers.cloudflare.com/kv/api/write-key-value-pairs/).
    await kv.put(key(client), JSON.stringify(next), { expiration: Math.max(next.until, now + 60) });
  } catch {
    // KV allows one write per second per key (@see https://developers.cloudflare.com/kv/platform/limits/):
    // a burst of failures counts at that pace.
  }
}
