import { describe, expect, it } from "vitest";
import { actionParamsSchema } from "../../src/workflows/action-params";
import { actionResultSchema, approvalParamsSchema, decisionEventSchema } from "../../src/workflows/approval-params";
import { NEWEST_VERSION, newerThanCode, OLDEST_VERSION, since, versionOf, WORKFLOW_VERSION } from "../../src/workflows/versions";

const approval = {
  requestId: "req-abcdefghijkl",
  type: "default",
  title: "Approval",
  requester: "U0ALEX",
  description: "Deploy billing-api v2.3",
  levels: [{ approvers: ["U0MARIA"], wait: "1 hour", quorum: 1, reminder: null }],
  allowSelf: false,
  createdAt: "2026-11-27T10:00:00.000Z",
};

describe("workflow versions (src/workflows/versions.ts)", () => {
  it("params without a version are version 1; `since` is the branch of a structural change", () => {
    expect(versionOf({})).toBe(1);
    expect(versionOf({ v: 3 })).toBe(3);
    expect([since({}, 1), since({}, 2), since({ v: 2 }, 2), since({ v: 3 }, 2), since({ v: 1 }, 2)]).toEqual([true, false, true, true, false]);
    // This code creates a version it has the path of, and keeps every path from OLDEST to NEWEST.
    expect(OLDEST_VERSION).toBeLessThanOrEqual(WORKFLOW_VERSION);
    expect(WORKFLOW_VERSION).toBeLessThanOrEqual(NEWEST_VERSION);
  });

  it("knows when the code is older than an instance (a rollback)", () => {
    expect(newerThanCode({})).toBe(false);
    expect(newerThanCode({ v: WORKFLOW_VERSION })).toBe(false);
    expect(newerThanCode({ v: NEWEST_VERSION })).toBe(false);
    expect(newerThanCode({ v: NEWEST_VERSION + 1 })).toBe(true);
  });

  it("params of every version parse: without `v` (before versions), with it, and from newer code with fields this code does not know", () => {
    expect(approvalParamsSchema.parse(approval).v).toBeUndefined();
    expect(approvalParamsSchema.parse({ ...approval, v: 1 }).v).toBe(1);
    const newer = approvalParamsSchema.parse({ ...approval, v: WORKFLOW_VERSION + 1, priority: "urgent" });
    expect(newer.v).toBe(WORKFLOW_VERSION + 1);
    expect(newer).not.toHaveProperty("priority");
    for (const bad of [0, -1, 1.5, "2"]) expect(approvalParamsSchema.safeParse({ ...approval, v: bad }).success, String(bad)).toBe(false);
    const child = {
      requestId: approval.requestId,
      parentId: approval.requestId,
      action: { url: "https://x.example/h", method: "POST", secret: "X_WEBHOOK_SECRET", timeout: "1 hour" },
      body: {
        requestId: approval.requestId,
        type: "deploy",
        title: "t",
        description: "d",
        requester: "U0ALEX",
        approvedBy: ["U0MARIA"],
        approvedAt: approval.createdAt,
      },
    };
    expect(actionParamsSchema.parse(child).v).toBeUndefined();
    expect(actionParamsSchema.parse({ ...child, v: 2 }).v).toBe(2);
  });

  it("events are read with or without `v`, and with fields a newer sender added", () => {
    const at = "2026-11-27T10:00:00.000Z";
    expect(decisionEventSchema.parse({ decision: "approve", user: "U0MARIA", at })).toEqual({ decision: "approve", user: "U0MARIA", at });
    expect(decisionEventSchema.parse({ v: 1, decision: "wake", at })).toEqual({ v: 1, decision: "wake", at });
    expect(decisionEventSchema.parse({ v: 9, decision: "cancel", user: "U0ALEX", at, via: "api" })).toEqual({ v: 9, decision: "cancel", user: "U0ALEX", at });
    expect(actionResultSchema.parse({ state: "succeeded", detail: "ok" })).toEqual({ state: "succeeded", detail: "ok" });
    expect(actionResultSchema.parse({ v: 1, state: "failed", detail: "no" })).toEqual({ v: 1, state: "failed", detail: "no" });
  });
});
