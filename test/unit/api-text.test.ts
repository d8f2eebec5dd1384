import { describe, expect, it } from "vitest";
import { canonicalBodyHash, canonicalJson } from "../../src/routes/api/idempotency";
import { actorText, fieldsText, sourceLink, sourceText } from "../../src/slack/mrkdwn";

describe("the Idempotency-Key's canonical body", () => {
  it("sorts keys at every depth, keeps array order, leaves out undefined", async () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: "x" }, u: undefined })).toBe('{"a":{"c":"x","d":[2,1]},"b":1}');
    expect(await canonicalBodyHash({ a: 1, b: { c: 2, d: 3 } })).toBe(await canonicalBodyHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(await canonicalBodyHash({ a: [1, 2] })).not.toBe(await canonicalBodyHash({ a: [2, 1] }));
    expect(await canonicalBodyHash({})).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("API text in Slack messages", () => {
  it("an API actor is its name and (API), never a mention; a person is a mention", () => {
    expect(actorText("api:github-actions")).toBe("github-actions (API)");
    expect(actorText("api:<!channel> *x*")).toBe("&lt;!channel&gt; \u2217x\u2217 (API)");
    expect(actorText("U0MARIA")).toBe("<@U0MARIA>");
  });

  it("a source reads as name (label), its link as the address itself", () => {
    expect(sourceText({ name: "gitlab-ci", label: "billing pipeline #7" })).toBe("gitlab-ci (billing pipeline #7)");
    expect(sourceLink({ name: "x", url: "https://ci.example/p|7?a=<b>" })).toBe("<https://ci.example/p%7C7?a=&lt;b&gt;>");
    expect(sourceLink({ name: "x" })).toBe("");
  });

  it("fields stay within Block Kit's section limits: 10 fields of at most 2000 characters", () => {
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`F${i}`, "v".repeat(3000)]));
    const out = fieldsText(many);
    expect(out).toHaveLength(10);
    for (const f of out) expect(f.length).toBeLessThanOrEqual(2000);
    expect(fieldsText({ Empty: "" })).toEqual(["*Empty*\n–"]);
  });
});
