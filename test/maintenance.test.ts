import { introspectWorkflow } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newRequestId } from "../src/core/ids";
import { audit, castVote, claimApiCancel, closeByClaim, getRequest, recordWait, type Stats, saveMessage, setLevel, upsertRequest } from "../src/core/store";
import { DECISION_EVENT, wakeEvent } from "../src/workflows/approval-params";
import type { MaintenanceOutput } from "../src/workflows/maintenance";
import { APPROVAL_STEPS } from "../src/workflows/step-names";
import {
  apiCreate,
  apiGet,
  approverDm,
  click,
  dmOf,
  eventually,
  injectFaults,
  messagesIn,
  newUser,
  postTo,
  reject,
  requestJson,
  slackCalls,
  startRequest,
  startTyped,
  waitForStatus,
} from "./helpers";

let runs = 0;
/**
 * Fires the Worker's cron handler as the cron trigger would, and waits for the maintenance run it
 * starts. Each call is its own scheduled minute (the run's instance id), so every call runs.
 */
async function runMaintenance(): Promise<MaintenanceOutput> {
  await using maintenance = await introspectWorkflow(env.MAINTENANCE);
  const worker = exports.default as unknown as { scheduled(o: { scheduledTime: number; cron: string }): Promise<unknown> };
  const minute = Math.floor(Date.now() / 60_000) + 1_000_000 * ++runs;
  await worker.scheduled({ scheduledTime: minute * 60_000, cron: "*/15 * * * *" });
  const [run] = await maintenance.get();
  await run!.waitForStatus("complete");
  return (await run!.getOutput()) as MaintenanceOutput;
}

/** As if the cron had come long after the request's expiry as first computed (and after the grace). */
async function expiryLongPast(id: string) {
  const row = (await getRequest(env.DB, id))!;
  await setLevel(env.DB, id, {
    approvers: row.approvers,
    groups: row.level_groups,
    level: row.level,
    quorum: row.quorum,
    expiresAt: "2000-01-01T00:00:00.000Z",
    at: new Date().toISOString(),
  });
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

// First in this file: the clean-up tests below record claims made minutes before the request
// existed (to be past the grace at once), which would make the average latency negative.
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

describe("clean-up: the cron-started MaintenanceWorkflow never ends a living request", () => {
  it("the reported case: while the approver's DM is still being retried, a run past the expiry ends nothing; the approver then gets the full wait", async () => {
    const requester = await newUser();
    const approver = await newUser();
    // Slack fails the DM three times: the step retries (1, 2, 4 s) while maintenance runs.
    await injectFaults("chat.postMessage", postTo(approver), [{ status: 500 }, { status: 500 }, { status: 500 }]);
    const id = await startRequest(requester, approver, "deploy while Slack is flaky");
    await eventually(
      async () => (await slackCalls((c) => c.method === "chat.postMessage" && c.args.channel === approver && c.result === "http_500")).length > 0,
      "the first failed DM",
    );
    await expiryLongPast(id);
    const output = await runMaintenance();
    expect(output.ended).not.toContain(id);
    // Maintenance ran while the approver had not been asked yet: nothing was closed.
    expect(await messagesIn(dmOf(approver))).toEqual([]);
    expect((await getRequest(env.DB, id))!.status).toBe("pending");

    await approverDm(approver);
    const row = await eventually(async () => {
      const r = await requestJson(id);
      return r.wait_until && r.audit.some((a) => a.event === "notified") ? r : undefined;
    }, "the first wait to start");
    expect(row.status).toBe("pending");
    // The wait (until the reminder, half of the hour) was recorded when it started, after the DM.
    const notified = Date.parse(row.audit.find((a) => a.event === "notified")!.at);
    expect(Date.parse(row.wait_until!)).toBeGreaterThanOrEqual(notified + 30 * 60_000 - 1000);
    // The chain's end moved with it: this level's hour and the escalation's hour, from then.
    expect(Date.parse(row.expires_at!)).toBeGreaterThanOrEqual(notified + 2 * 3600_000 - 1000);
    const [dm] = await messagesIn(dmOf(approver));
    expect(JSON.stringify(dm!.blocks)).toContain("approval_approve");
    await click(approver, id, "approve");
    expect((await waitForStatus(id, "approved")).decided_by).toBe(approver);
  }, 60_000);

  it("wakes a living instance past the deadline it recorded (a timeout the engine lost); the instance goes on by itself", async () => {
    const approver = await newUser();
    const id = await startRequest(await newUser(), approver, "the engine lost my timeout");
    await approverDm(approver);
    await eventually(async () => (await getRequest(env.DB, id))?.wait_until ?? undefined, "the first wait to start");
    // As after a restart of the local engine: the wait's deadline passed, its timeout never fired.
    await expiryLongPast(id);
    await recordWait(env.DB, id, { waitUntil: minutesAgo(20), expiresAt: "2000-01-01T00:00:00.000Z" });
    const output = await runMaintenance();
    expect(output.ended).not.toContain(id);
    expect(output.woken).toContain(id);
    // Woken, the instance found its wait over and went on as after a timeout: the reminder.
    const reminded = await eventually(async () => {
      const r = await requestJson(id);
      return r.audit.some((a) => a.event === "reminded") ? r : undefined;
    }, "the reminder");
    expect(reminded.status).toBe("pending");
    expect(reminded.workflow.status).toBe("running");
    // The next wait recorded its own deadline, in the future again.
    expect(Date.parse(reminded.wait_until!)).toBeGreaterThan(Date.now());
    await click(approver, id, "approve");
    expect((await waitForStatus(id, "approved")).decided_by).toBe(approver);
  });

  it("a claim whose event was lost is applied when maintenance wakes the instance", async () => {
    const approver = await newUser();
    const requester = await newUser();
    const id = await startRequest(requester, approver, "my click's event got lost");
    await approverDm(approver);
    // The click route's vote and claim (its store call), made minutes ago, with no event sent.
    const at = minutesAgo(5);
    expect(await castVote(env.DB, id, approver, "approve", at)).toEqual({ ok: true, decisive: true });
    const output = await runMaintenance();
    expect(output.woken).toContain(id);
    expect(output.ended).not.toContain(id);
    const done = await waitForStatus(id, "approved");
    expect(done).toMatchObject({ decided_by: approver, decided_at: at });
    expect(done.workflow.status).toBe("complete");
    const [dm] = await messagesIn(dmOf(approver));
    expect(JSON.stringify(dm!.blocks)).not.toContain("approval_approve");
  });

  it("ends only what is dead: a gone instance's request expires; a claimed request whose instance died is closed with its claim", async () => {
    const [a, b, requester] = [await newUser(), await newUser(), await newUser()];
    const unclaimed = await startRequest(requester, a, "nobody will answer this");
    const claimed = await startRequest(requester, b, "decided, then the instance died");
    await approverDm(a);
    await approverDm(b);
    const at = minutesAgo(5);
    expect(await castVote(env.DB, claimed, b, "reject", at, "Not this week")).toEqual({ ok: true, decisive: true });
    for (const id of [unclaimed, claimed]) {
      const instance = await env.APPROVAL.get(id);
      await instance.terminate();
      await eventually(async () => (await instance.status()).status === "terminated", `${id} terminated`);
    }
    await expiryLongPast(unclaimed);
    await recordWait(env.DB, unclaimed, { waitUntil: minutesAgo(20), expiresAt: minutesAgo(20) });

    const output = await runMaintenance();
    expect(output.ended).toEqual(expect.arrayContaining([unclaimed, claimed]));
    expect(output.woken).not.toContain(unclaimed);
    const expired = await requestJson(unclaimed);
    expect(expired).toMatchObject({ status: "expired", decided_by: null });
    expect(expired.error).toMatch(/workflow instance is terminated/);
    // The claim is the decision: rejected by the claimant, at the claim's time, with its reason.
    const rejected = await requestJson(claimed);
    expect(rejected).toMatchObject({ status: "rejected", decided_by: b, decided_at: at });
    expect(rejected.audit.find((x) => x.event === "rejected")).toMatchObject({ actor: b, detail: "Not this week" });
    // Slack shows how each ended, as the workflow would have: no buttons left in the approvers'
    // DMs or the receipts, and the requester told once per request.
    const [expiredDm] = await messagesIn(dmOf(a));
    const [rejectedDm] = await messagesIn(dmOf(b));
    expect(JSON.stringify(expiredDm!.blocks)).not.toContain("approval_approve");
    expect(expiredDm!.text).toMatch(/expired/i);
    expect(JSON.stringify(rejectedDm!.blocks)).not.toContain("approval_approve");
    expect(JSON.stringify(rejectedDm!.blocks)).toContain(`<@${b}>`);
    const toRequester = await messagesIn(dmOf(requester));
    expect(JSON.stringify(toRequester.map((m) => m.blocks))).not.toContain("approval_cancel");
    const told = toRequester.map((m) => m.text);
    expect(told.filter((t) => t.includes(unclaimed) && /expired/.test(t))).toHaveLength(1);
    expect(told.filter((t) => t.includes(claimed) && /rejected/.test(t) && /Not this week/.test(t))).toHaveLength(1);
    // A second run finds nothing left to do.
    const again = await runMaintenance();
    expect(again.ended).not.toContain(unclaimed);
    expect(again.ended).not.toContain(claimed);
  });

  it("an approval closed from its claim after its instance died says its action was not run, in the approver's DM and to the requester", async () => {
    const [requester, approver] = [await newUser(), await newUser()];
    // deploy has an action (vitest.config.ts): the instance that would have run it is gone.
    const id = await startTyped(requester, "deploy", approver, "Deploy billing-api v9");
    await approverDm(approver);
    expect(await castVote(env.DB, id, approver, "approve", minutesAgo(5))).toEqual({ ok: true, decisive: true });
    const instance = await env.APPROVAL.get(id);
    await instance.terminate();
    await eventually(async () => (await instance.status()).status === "terminated", `${id} terminated`);

    expect((await runMaintenance()).ended).toContain(id);
    expect(await requestJson(id)).toMatchObject({ status: "approved", decided_by: approver, action_status: null });
    const [dm] = await messagesIn(dmOf(approver));
    expect(JSON.stringify(dm!.blocks)).not.toContain("approval_approve");
    expect(JSON.stringify(dm!.blocks)).toMatch(/Action failed: not run/);
    const told = (await messagesIn(dmOf(requester))).filter((m) => m.text.includes(id) && /approved/.test(m.text));
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toMatch(/not run/);
  });

  it("a request whose instance completed (D1 set back, as after a restore) is closed without touching Slack: the instance showed its own ending", async () => {
    const approver = await newUser();
    const requester = await newUser();
    const at = minutesAgo(5);
    // The instance applies the claim without writing D1, so its request stays pending and claimed
    // while the instance shows the approval in Slack and completes.
    await using approvals = await introspectWorkflow(env.APPROVAL);
    await approvals.modifyAll(async (m) => {
      await m.mockStepResult(
        { name: APPROVAL_STEPS.applyClaim },
        { outcome: { status: "approved", by: approver, at, reason: null, closedNow: true }, found: "approved", approvedBy: [approver] },
      );
    });
    const id = await startRequest(requester, approver, "restored to before its approval");
    await approverDm(approver);
    expect(await castVote(env.DB, id, approver, "approve", at)).toEqual({ ok: true, decisive: true });
    await (await env.APPROVAL.get(id)).sendEvent({ type: DECISION_EVENT, payload: wakeEvent() });
    await eventually(async () => (await (await env.APPROVAL.get(id)).status()).status === "complete", "the instance to complete");
    expect((await getRequest(env.DB, id))?.status).toBe("pending");
    const shown = await slackCalls((c) => c.method === "chat.update" || c.method === "chat.postMessage", { match: id });

    const output = await runMaintenance();
    expect(output.ended).toContain(id);
    expect((await getRequest(env.DB, id))?.status).toBe("approved");
    // Slack keeps what the instance left: no second update, no second word to the requester.
    expect(await slackCalls((c) => c.method === "chat.update" || c.method === "chat.postMessage", { match: id })).toHaveLength(shown.length);
  });

  it("a pipeline's request (no Slack requester) cancelled over the API, its event lost: the woken instance closes it with the claim's actor and reason", async () => {
    const approver = await newUser();
    const created = await apiCreate({ approvers: [approver], description: "Deploy from CI", source: { name: "ci", label: "run 9" } });
    expect(created.status).toBe(201);
    const id = created.json.id!;
    await approverDm(approver);
    expect((await getRequest(env.DB, id))!.requester).toBeNull();
    // The API's cancel (its store call), made minutes ago, with no event sent.
    const at = minutesAgo(5);
    expect(await claimApiCancel(env.DB, id, "api:ci", at, "pipeline aborted")).toEqual({ ok: true });
    const output = await runMaintenance();
    expect(output.woken).toContain(id);
    expect(output.ended).not.toContain(id);
    const done = await waitForStatus(id, "cancelled");
    expect(done).toMatchObject({ requester: null, decided_by: "api:ci", decided_at: at, reason: "pipeline aborted" });
    expect(done.workflow.status).toBe("complete");
    expect(done.audit.filter((a) => a.event === "cancelled")).toEqual([{ event: "cancelled", actor: "api:ci", detail: "pipeline aborted", at }]);
    // The approver's DM shows who cancelled as text, never a mention, and the reason as quoted text.
    const [dm] = await messagesIn(dmOf(approver));
    const blocks = JSON.stringify(dm!.blocks);
    expect(blocks).not.toContain("approval_approve");
    expect(blocks).toContain("*Cancelled* by ci (API)");
    expect(blocks).toContain("\\n>pipeline aborted");
    expect(blocks).not.toContain("<@api");
  });

  it("a pipeline's request cancelled over the API whose instance died is closed with the claim: cancelled by api:<source> with its reason", async () => {
    const approver = await newUser();
    const created = await apiCreate({ approvers: [approver], description: "Deploy, then the instance died", source: { name: "ci" } });
    const id = created.json.id!;
    await approverDm(approver);
    const at = minutesAgo(5);
    expect(await claimApiCancel(env.DB, id, "api:ci", at, "pipeline aborted")).toEqual({ ok: true });
    const instance = await env.APPROVAL.get(id);
    await instance.terminate();
    await eventually(async () => (await instance.status()).status === "terminated", `${id} terminated`);

    const output = await runMaintenance();
    expect(output.ended).toContain(id);
    const closed = await requestJson(id);
    expect(closed).toMatchObject({ status: "cancelled", requester: null, decided_by: "api:ci", decided_at: at, reason: "pipeline aborted" });
    expect(closed.error).toMatch(/workflow instance is terminated/);
    expect(closed.audit.filter((a) => a.event === "cancelled")).toEqual([{ event: "cancelled", actor: "api:ci", detail: "pipeline aborted", at }]);
  });

  it("prunes records past the retention; the requests themselves stay", async () => {
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
    expect(await closeByClaim(env.DB, old, longAgo)).toMatchObject({ status: "approved", by: oldApprover, at: longAgo });
    expect((await requestJson(old)).audit.map((a) => a.event)).toEqual(["created", "notified", "approved"]);

    const output = await runMaintenance();
    const pruned = await requestJson(old);
    expect(pruned.audit).toEqual([]);
    expect(pruned.messages).toEqual([]);
    expect(pruned.status).toBe("approved");
    // Exactly the old request's three entries (nothing else in this file's database is that old).
    expect(output.pruned.audit).toBe(3);
  });
});
