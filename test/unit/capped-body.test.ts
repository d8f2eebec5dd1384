import { describe, expect, it } from "vitest";
import { readCapped } from "../../src/core/capped-body";

/** A body that never ends: 1 KB chunks of `x`, counted as they are pulled; `cancelled` once cancelled. */
function endlessBody() {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      seen.pulled += 1024;
      controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { res: new Response(stream), seen };
}

describe("readCapped: reading at most what is kept", () => {
  it("stops pulling at the cap and cancels the rest of an endless body", async () => {
    const { res, seen } = endlessBody();
    const text = await readCapped(res, 8 * 1024);
    expect(text).toBe("x".repeat(8 * 1024));
    expect(seen.cancelled).toBe(true);
    // At most the cap, and what the stream had queued ahead of it.
    expect(seen.pulled).toBeLessThanOrEqual(8 * 1024 + 2 * 1024);
  });

  it("reads a short body whole, and cuts a long one at the cap (a split character becomes U+FFFD)", async () => {
    expect(await readCapped(new Response("done"), 100)).toBe("done");
    expect(await readCapped(new Response(""), 100)).toBe("");
    expect(await readCapped(new Response(null, { status: 204 }), 100)).toBe("");
    expect(await readCapped(new Response("abcdef"), 3)).toBe("abc");
    expect(await readCapped(new Response("aé"), 2)).toBe("a\uFFFD");
  });
});
