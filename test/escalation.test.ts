import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ApprovalWorkflow } from "../src/workflows/approval";
import {
  click,
  dmOf,
  eventually,
  forceTimeouts,
  levelWaits,
  messagesIn,
  newUser,
  recordWorkflowSteps,
  reject,
  repliesIn,
  requestJson,
  responsesTo,
  startRequest,
  waitForStatus,
} from "./helpers";

const ESCALATION_USER = env.ESCALATION_USER!;
const text = (blocks: unknown) => JSON.stringify(blocks);

/** The escalation user's DM about one request (that user is shared by all tests). */
const escalationDm = (id: string) =>
  eventually(async () => (await messagesIn(dmOf(ESCALATION_USER))).find((m) => text(m.blocks).includes(id)), `the escalation DM for ${id}`);

describe("escalation after a timeout, and expiry after the second", () => {
  it("waits what the settings say: APPROVAL_TIMEOUT (reminder at half), then ESCALATION_TIMEOUT (the same), then expiry", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(2));
    using steps = recordWorkflowSteps(ApprovalWorkflow);
    // Settings for this request only, unlike each other and the test configuration's.
    const id = await startRequest(await newUser(), await newUser(), "Timed by the settings", { APPROVAL_TIMEOUT: "30 minutes", ESCALATION_TIMEOUT: "3 hours" });
    const done = await waitForStatus(id, "expired");
    expect(steps.of(id, "waitForEvent").map((c) => [c.name, c.options])).toEqual([
      ["decision-1", { type: "decision", timeout: "900 seconds" }],
      ["decision-1-after-reminder", { type: "decision", timeout: "900 seconds" }],
      ["decision-2", { type: "decision", timeout: "5400 seconds" }],
      ["decision-2-after-reminder", { type: "decision", timeout: "5400 seconds" }],
    ]);
    // D1's deadline, which the maintenance workflow goes by, is recorded as each wait starts: the
    // last one (level 2 after its reminder) started between its reminder and the expiry and had
    // the second half of ESCALATION_TIMEOUT; with nothing after it, it is also the chain's end.
    const reminded = done.audit.findLastIndex((a) => a.event === "reminded");
    const [remindedAt, expiredAt] = [done.audit[reminded]!.at, done.audit.at(-1)!.at].map(Date.parse);
    const lastWaitStart = Date.parse(done.wait_until!) - 5400_000;
    expect(lastWaitStart).toBeGreaterThanOrEqual(remindedAt!);
    expect(lastWaitStart).toBeLessThanOrEqual(expiredAt!);
    expect(done.expires_at).toBe(done.wait_until);
  });

  it("without ESCALATION_USER the default type has one level: APPROVAL_TIMEOUT, then expiry", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(1));
    using steps = recordWorkflowSteps(ApprovalWorkflow);
    const approver = await newUser();
    const id = await startRequest(await newUser(), approver, "No escalation", { APPROVAL_TIMEOUT: "2 hours", ESCALATION_USER: "" });
    // Recorded with the whole wait as its expiry.
    const pending = await eventually(async () => (await requestJson(id).catch(() => undefined))?.expires_at, "the recorded request");
    const created = (await requestJson(id)).created_at;
    expect(Date.parse(pending!) - Date.parse(created!)).toBe(2 * 3600_000);
    const done = await waitForStatus(id, "expired");
    expect(done).toMatchObject({ level: 1, approvers: [approver] });
    expect(done.audit.map((a) => a.event)).toEqual(["created", "notified", "reminded", "expired"]);
    expect(steps.of(id, "waitForEvent").map((c) => [c.name, c.options])).toEqual([
      ["decision-1", { type: "decision", timeout: "3600 seconds" }],
      ["decision-1-after-reminder", { type: "decision", timeout: "3600 seconds" }],
    ]);
  });

  it("escalates to ESCALATION_USER, who approves; the first approver's message says so and keeps its buttons", async () => {
    await using workflows = await forceTimeouts(...levelWaits(1));
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver);

    const escalated = await escalationDm(id);
    expect(text(escalated.blocks)).toContain("Escalated to you");
    expect(text(escalated.blocks)).toContain("approval_approve");
    // Before escalating, the approver got a reminder in the thread of their DM.
    const root = (await messagesIn(dmOf(approver)))[0]!;
    const reminder = await eventually(async () => (await repliesIn(dmOf(approver), root.ts)).find((m) => m.text.includes("Reminder")), "the reminder");
    expect(reminder.thread_ts).toBe(root.ts);
    // The escalation is in the thread too.
    await eventually(async () => (await repliesIn(dmOf(approver), root.ts)).some((m) => m.text.includes("Escalated to level 2")), "the escalation reply");
    const first = await eventually(async () => (await messagesIn(dmOf(approver))).find((m) => m.updated > 0), "the first DM's escalation notice");
    expect(text(first.blocks)).toContain(`escalated to <@${ESCALATION_USER}>`);
    expect(text(first.blocks)).toContain("approval_approve");

    const pending = await requestJson(id);
    expect(pending).toMatchObject({ status: "pending", level: 2, approvers: [approver, ESCALATION_USER] });

    expect((await click(ESCALATION_USER, id, "approve")).status).toBe(200);
    const done = await waitForStatus(id, "approved");
    expect(done.decided_by).toBe(ESCALATION_USER);
    expect(done.audit.map((a: { event: string }) => a.event)).toEqual(["created", "notified", "reminded", "escalated", "notified", "approved"]);

    // Both DMs now show the outcome without buttons; the requester was told.
    for (const m of [await escalationDm(id), (await messagesIn(dmOf(approver)))[0]!]) {
      expect(text(m.blocks)).not.toContain("approval_approve");
      expect(text(m.blocks)).toContain(`Approved* by <@${ESCALATION_USER}>`);
    }
    await eventually(async () => (await messagesIn(dmOf(requester)))[1]?.text.includes("approved"), "the requester's outcome DM");

    const [instance] = await workflows.get();
    await instance!.waitForStatus("complete");
    expect(await instance!.getOutput()).toMatchObject({ status: "approved", decidedBy: ESCALATION_USER, level: 2 });
  });

  it("the first approver can still decide after escalation", async () => {
    await using _workflows = await forceTimeouts(...levelWaits(1));
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver);
    await escalationDm(id);
    await eventually(async () => (await requestJson(id)).level === 2, "level 2");
    await reject(approver, id, "too risky");
    const done = await waitForStatus(id, "rejected");
    expect(done.decided_by).toBe(approver);
  });

  it("expires when the escalation wait times out too: messages updated, requester told", async () => {
    await using workflows = await forceTimeouts(...levelWaits(2));
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver);

    const done = await waitForStatus(id, "expired");
    expect(done.decided_by).toBeNull();
    expect(done.audit.map((a: { event: string }) => a.event)).toEqual(["created", "notified", "reminded", "escalated", "notified", "reminded", "expired"]);
    for (const m of [await escalationDm(id), (await messagesIn(dmOf(approver)))[0]!]) {
      expect(text(m.blocks)).not.toContain("approval_approve");
      expect(text(m.blocks)).toContain("Expired");
    }
    const told = await eventually(async () => (await messagesIn(dmOf(requester)))[1], "the requester's DM");
    expect(told.text).toContain("expired");

    const [instance] = await workflows.get();
    await instance!.waitForStatus("complete");
    expect(await instance!.getOutput()).toMatchObject({ status: "expired", decidedBy: null, level: 2 });

    // A late click is answered, not acted on.
    const late = await click(approver, id, "approve");
    expect(late.status).toBe(200);
    expect((await responsesTo(late.hook)).map((r) => r.body.text)).toEqual([":hourglass_flowing_sand: This request has already expired."]);
    const after = await requestJson(id);
    expect(after).toMatchObject({ status: "expired", decided_by: null });
    expect(after.audit.map((a) => a.event)).not.toContain("voted");
  });
});
