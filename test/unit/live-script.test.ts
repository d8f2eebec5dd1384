import { describe, expect, it } from "vitest";
import { LIVE_SCRIPT, LIVE_SCRIPT_HASH } from "../../src/routes/dashboard/live";

describe("the dashboard's live-update script", () => {
  it("is allowed by the hash the CSP and the script tag name (after an edit, this prints the new one)", async () => {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(LIVE_SCRIPT)));
    expect(LIVE_SCRIPT_HASH).toBe(`sha256-${btoa(String.fromCharCode(...digest))}`);
  });

  it("parses as a script", () => {
    expect(() => new Function(LIVE_SCRIPT)).not.toThrow();
  });
});
