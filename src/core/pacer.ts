/**
 * Per-channel pacing for chat.postMessage: Slack allows about one message per second per
 * channel (@see https://docs.slack.dev/apis/web-api/rate-limits). The last post time lives in KV so every workflow instance sees it; a post within the
 * gap waits out the rest (at most one gap). KV is eventually consistent across locations, so this
 * smooths bursts rather than guaranteeing a gap; a 429 is still handled by the step (Retry-After).
 */
export interface Pacer {
  /** Before a post to `to` (a channel, or a user id for their DM). */
  wait(to: string): Promise<void>;
  /** After it: `names` are every name the channel was posted under (user id and DM channel). */
  sent(names: string[]): Promise<void>;
}

export function channelPacer(kv: KVNamespace, minGapMs = 1000): Pacer {
  const key = (name: string) => `pace:${name}`;
  // Pacing is a courtesy: a KV error (an outage, or KV's one write per second per key) must
  // never fail a post, least of all after Slack has made it (the retry would post it again).
  return {
    async wait(to) {
      const last = Number((await kv.get(key(to)).catch(() => null)) ?? 0);
      const wait = last + minGapMs - Date.now();
      if (wait > 0) await scheduler.wait(Math.min(wait, minGapMs));
    },
    async sent(names) {
      const now = String(Date.now());
      await Promise.allSettled([...new Set(names)].map((name) => kv.put(key(name), now, { expirationTtl: 60 })));
    },
  };
}
