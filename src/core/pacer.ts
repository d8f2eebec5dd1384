/**
 * Per-channel pacing for chat.postMessage: Slack allows about one message per second per
 * channel. The last post time lives in KV so every workflow instance sees it; a post within the
 * gap waits out the rest (at most one gap). KV is eventually consistent across locations, so this
 * smooths bursts rather than guaranteeing a gap; a 429 is still handled by the step (Retry-After).
 */
export function channelPacer(kv: KVNamespace, minGapMs = 1000): (channel: string) => Promise<void> {
  return async (channel) => {
    const key = `pace:${channel}`;
    const last = Number((await kv.get(key)) ?? 0);
    const wait = last + minGapMs - Date.now();
    if (wait > 0) await scheduler.wait(Math.min(wait, minGapMs));
    await kv.put(key, String(Date.now()), { expirationTtl: 60 });
  };
}
