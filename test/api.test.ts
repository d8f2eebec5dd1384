import { describe, expect, it } from "vitest";
import { apiGet, approverDm, newUser, startRequest } from "./helpers";

describe("GET /api/requests/:id", () => {
  it("needs the bearer token", async () => {
    const id = await startRequest(newUser(), newUser());
    for (const token of [null, "wrong-token-wrong-token", ""]) {
      const res = await apiGet(`/api/requests/${id}`, token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/Bearer/);
      expect(await res.json()).toEqual({ error: "missing or invalid bearer token" });
    }
  });

  it("returns the request with its approvers, status, timestamps and audit trail", async () => {
    const requester = newUser();
    const approver = newUser();
    const id = await startRequest(requester, approver, "Access to the billing database");
    await approverDm(approver);
    const res = await apiGet(`/api/requests/${id}`);
    expect(res.status).toBe(200);
    const body: any = await res.json();
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
    expect(body.audit.map((a: { event: string }) => a.event)).toEqual(["created", "notified"]);
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
