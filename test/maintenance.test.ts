import { introspectWorkflow } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newRequestId } from "../src/core/ids";
import { audit, castVote, closeRequest, getRequest, type Stats, saveMessage, setLevel, upsertRequest } from "../src/core/store";
import { apiGet, approverDm, dmOf, messagesIn, newUser, reject, requestJson, startRequest, waitForStatus } from "./helpers";

/** Fires the Worker's cron handler, as the cron trigger would. */
async function runMaintenance(scheduledTime: number) {
  const worker = exports.default as unknown as { scheduled(o: { scheduledTime: number; cron: string }): Promise<unknown> };
  await worker.scheduled({ scheduledTime, cron: "*/15 * * * *" });
}

describe("clean-up: the cron-started MaintenanceWorkflow", () => {
  it("ends an instance stuck past its expiry, marks the request expired, prunes old audit data; a second run is harmless", async () => {
    const approver = await newUser();
    await using approvals = await introspectWorkflow(env.APPROVAL);
    const stuck = await startRequest(await newUser(), approver, "stuck forever");
    const [stuckInstance] = await approvals.get();
    await approverDm(approver);
    // As if its timeouts never fired (the local engine's known gap after a restart): its level's expiry
    // set long past, as an escalation sets it.
    const level = (await getRequest(env.DB, stuck))!;
    await setLevel(env.DB, stuck, {
      approvers: level.approvers,
      groups: level.level_groups,
      level: level.level,
      quorum: level.quorum,
      expiresAt: "2000-01-01T00:00:00.000Z",
      at: new Date().toISOString(),
    });
    // An old, approved request, its records past the retention: written by the store calls the
    // workflow and the click route make, at a time long ago.
    const old = newRequestId();
    const [oldRequester, oldApprover] = [await newUser(), await newUser()];
    const longAgo = "2001-01-01T00:00:00.000Z";
    await upsertRequest(env.DB, {
      id: old,
      type: "default",
      requester: oldRequester,
      description: "long ago",
      approvers: [oldApprover],
      quorum: 1,
      allowSelf: false,
      createdAt: longAgo,
      expiresAt: longAgo,
    });
    await audit(env.DB, { requestId: old, key: "created", event: "created", actor: oldRequester, detail: "long ago", at: longAgo });
    await saveMessage(env.DB, old, { role: `L1-${oldApprover}`, user_id: oldApprover, channel: dmOf(oldApprover), ts: "978307200.000100" });
    await audit(env.DB, { requestId: old, key: `notified-L1-${oldApprover}`, event: "notified", actor: oldApprover, detail: "level 1", at: longAgo });
    expect(await castVote(env.DB, old, oldApprover, "approve", longAgo)).toEqual({ ok: true, decisive: true });
    expect(await closeRequest(env.DB, { id: old, status: "approved", by: oldApprover, at: longAgo })).toBe(true);
    expect((await requestJson(old)).audit.map((a: { event: string }) => a.event)).toEqual(["created", "notified", "approved"]);

    await using runs = await introspectWorkflow(env.MAINTENANCE);
    const minute = Date.now() - (Date.now() % 60_000);
    await runMaintenance(minute);
    await runMaintenance(minute); // the same tick twice: one instance
    await runMaintenance(minute + 60_000); // an overlapping later run
    const instances = await runs.get();
    expect(instances).toHaveLength(2);
    for (const i of instances) await i.waitForStatus("complete");
    const outputs = (await Promise.all(instances.map((i) => i.getOutput()))) as { ended: string[]; pruned: { audit: number } }[];
    // Ended once, however the two runs overlapped.
    expect(outputs.flatMap((o) => o.ended).filter((id) => id === stuck)).toEqual([stuck]);

    // Woken by an "expire" event, the instance finishes itself: read the request once it has.
    await stuckInstance!.waitForStatus("complete");
    expect(await stuckInstance!.getOutput()).toMatchObject({ status: "expired", decidedBy: null });
    const done = await requestJson(stuck);
    expect(done).toMatchObject({ status: "expired", error: "ended by maintenance: stuck past its expiry", workflow: { status: "complete" } });
    // One expiry in the trail: the instance did not record a second one.
    expect(done.audit.map((a) => a.event)).toEqual(["created", "notified", "expired"]);
    const [dm] = await messagesIn(dmOf(approver));
    expect(JSON.stringify(dm!.blocks)).not.toContain("approval_approve");
    expect(JSON.stringify(dm!.blocks)).toContain("Expired");
    const pruned = await requestJson(old);
    expect(pruned.audit).toEqual([]);
    expect(pruned.messages).toEqual([]);
    expect(pruned.status).toBe("approved"); // the request itself stays
    // Exactly the old request's three entries (this file's database holds nothing else that old).
    expect(outputs.reduce((n, o) => n + o.pruned.audit, 0)).toBe(3);
  });
});

describe("GET /api/stats", () => {
  it("needs the token and counts requests by status and type, escalations, latency and actions", async () => {
    expect((await apiGet("/api/stats", null)).status).toBe(401);
    const before = (await (await apiGet("/api/stats")).json()) as Stats;
    const approver = await newUser();
    const id = await startRequest(await newUser(), approver);
    await approverDm(approver);
    await reject(approver, id);
    await waitForStatus(id, "rejected");
    const after = (await (await apiGet("/api/stats")).json()) as Stats;
    expect((after.byStatus.rejected ?? 0) - (before.byStatus.rejected ?? 0)).toBe(1);
    expect((after.byType.default?.rejected ?? 0) - (before.byType.default?.rejected ?? 0)).toBe(1);
    expect(after.decisionLatencySeconds.count - before.decisionLatencySeconds.count).toBe(1);
    expect(after.decisionLatencySeconds.average).toBeGreaterThanOrEqual(0);
    expect(after).toHaveProperty("escalated");
    expect(after).toHaveProperty("actions");
  });
});
