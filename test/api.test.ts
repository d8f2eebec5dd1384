import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clientKey } from "../src/core/api-token";
import { apiGet, approverDm, eventually, newUser, requestJson, startRequest } from "./helpers";

/** An address in a fresh documentation-range /64 (RFC 3849), so tests never share a lockout. */
const newAddress = () => `2001:db8:${Array.from(crypto.getRandomValues(new Uint16Array(2)), (n) => n.toString(16)).join(":")}::1`;

describe("GET /api/requests/:id", () => {
  it("needs the bearer token", async () => {
    const id = await startRequest(await newUser(), await newUser());
    for (const token of [null, "wrong-token-wrong-token", ""]) {
      const res = await apiGet(`/api/requests/${id}`, token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/Bearer/);
      expect(await res.json()).toEqual({ error: "missing or invalid bearer token" });
    }
  });

  it("throttles per IPv4 address and per IPv6 /64", () => {
    expect(clientKey("203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("2001:db8:aa:bb:1:2:3:4")).toBe("2001:db8:aa:bb::/64");
    expect(clientKey("2001:0db8:00aa:00bb::9")).toBe("2001:db8:aa:bb::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
  });

  it("guessing is throttled: 10 wrong tokens from one address lock it out for 15 minutes, even with the right token", async () => {
    const from = (address: string, token: string) =>
      exports.default.fetch(new Request("https://approvals.test/api/stats", { headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": address } }));
    const guesser = newAddress();
    for (let i = 0; i < 10; i++) expect((await from(guesser, `wrong-token-number-${i}`)).status).toBe(401);
    const locked = await from(guesser, env.API_TOKEN!);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(14 * 60);
    expect(await locked.json()).toEqual({ error: expect.stringMatching(/too many wrong tokens from this address; try again in 1[45] minutes/) });
    // The rest of that /64 is the same subscriber: locked too.
    expect((await from(guesser.replace(/::1$/, "::beef:2"), env.API_TOKEN!)).status).toBe(429);
    // Another /64 is not affected, nine failures lock nobody out, and no token is no guess.
    const other = newAddress();
    for (let i = 0; i < 9; i++) expect((await from(other, `wrong-token-number-${i}`)).status).toBe(401);
    for (let i = 0; i < 5; i++) {
      const res = await exports.default.fetch(new Request("https://approvals.test/api/stats", { headers: { "cf-connecting-ip": other } }));
      expect(res.status).toBe(401);
    }
    expect((await from(other, env.API_TOKEN!)).status).toBe(200);
  });

  it("returns the request with its approvers, status, timestamps and audit trail", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver, "Access to the billing database");
    await approverDm(approver);
    // The DM is in Slack a step before it is recorded ("notified"): wait for the record, not the DM.
    await eventually(async () => (await requestJson(id)).audit.some((a: { event: string }) => a.event === "notified"), "the DM recorded");
    const res = await apiGet(`/api/requests/${id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { created_at: string; audit: { event: string }[] };
    expect(body).toMatchObject({
      id,
      status: "pending",
      requester,
      approvers: [approver],
      description: "Access to the billing database",
      decided_by: null,
      workflow: { status: "running" },
    });
    expect(Date.parse(body.created_at)).toBeGreaterThan(0);
    expect(body.audit.map((a) => a.event)).toEqual(["created", "notified"]);
    expect(body).not.toHaveProperty("claimed_by");
  });

  it("404 for an unknown id, 400 for something that is not an id", async () => {
    const unknown = await apiGet("/api/requests/req-zzzzzzzzzzzz");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "request not found" });
    const bad = await apiGet("/api/requests/..%2F..%2Fsecrets");
    expect(bad.status).toBe(400);
  });

  it("unknown routes answer 404 JSON", async () => {
    const res = await apiGet("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not found" });
  });
});
