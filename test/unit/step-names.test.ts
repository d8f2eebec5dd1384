import { describe, expect, it } from "vitest";
import { ACTION_WAKE_EVENT } from "../../src/workflows/action-params";
import { ACTION_RESULT_EVENT, DECISION_EVENT } from "../../src/workflows/approval-params";
import { ACTION_STEPS, APPROVAL_STEPS, approverRole, failedStep, MAINTENANCE_STEPS } from "../../src/workflows/step-names";

// Running instances replay by these names and wait for these event types: each is written out here
// byte for byte, so a rename fails this test instead of re-running a step in production.
const role = approverRole(2, "U0MARIA");

describe("the durable names of steps, waits and events", () => {
  it("ApprovalWorkflow", () => {
    const s = APPROVAL_STEPS;
    expect(role).toBe("L2-U0MARIA");
    expect([
      s.recordRequest,
      s.noteOlderCode(1),
      s.lookUpRequester,
      s.postRequest(role),
      s.recordMessage(role),
      s.sendReceipt,
      s.recordReceipt,
      s.refreshHomes("level 2"),
      s.refreshHomes("outcome"),
      s.decisionWait(2),
      s.decisionAfterReminderWait(2),
      s.startWait(s.decisionWait(2)),
      s.checkWake(s.decisionWait(2), 1),
      s.wokenWait(s.decisionWait(2), 1),
      s.checkWake(s.decisionAfterReminderWait(2), 3),
      s.wokenWait(s.decisionAfterReminderWait(2), 3),
      s.remind(role),
      s.recordReminder(2),
      s.checkClaim("level 1"),
      s.checkClaim("at expiry"),
      s.escalate(2),
      s.recordUnreachable(role),
      s.markEscalated(approverRole(1, "U0ALEX"), 2),
      s.history("escalated 2", role),
      s.history("outcome", role),
      s.applyClaim,
      s.recordExpiry,
      s.updateMessage(role),
      s.updateMessageActionNotStarted(role),
      s.updateReceipt,
      s.notifyRequester,
      s.startAction,
      s.recordActionNotStarted,
      s.actionResultWait,
      s.checkActionStatus,
      s.recordFailure,
      s.markFailed(role),
      s.notifyRequesterOfFailure,
      failedStep(s.sendReceipt),
    ]).toEqual([
      "record request",
      // Only an instance of a newer version than the code (after a rollback) runs it (versions.ts).
      "runs on code for version 1",
      "look up requester",
      "post request L2-U0MARIA",
      "record message L2-U0MARIA",
      "send receipt",
      "record receipt",
      "refresh homes level 2",
      "refresh homes outcome",
      "decision-2",
      "decision-2-after-reminder",
      "start decision-2",
      "woken decision-2 1",
      "decision-2 after wake 1",
      "woken decision-2-after-reminder 3",
      "decision-2-after-reminder after wake 3",
      "remind L2-U0MARIA",
      "record reminder level 2",
      "check claim level 1",
      "check claim at expiry",
      "escalate to level 2",
      "record unreachable L2-U0MARIA",
      "mark escalated L1-U0ALEX at level 2",
      "history escalated 2 L2-U0MARIA",
      "history outcome L2-U0MARIA",
      // Replaced "record decision" (which closed the request with the event's content): a replay
      // of an instance that ran it finds the request closed with its claim, and the same outcome.
      "apply claim",
      "record expiry",
      "update message L2-U0MARIA",
      "update message L2-U0MARIA action not started",
      "update receipt",
      "notify requester",
      "start action",
      "record action not started",
      "action result",
      "check action status",
      "record failure",
      "mark failed L2-U0MARIA",
      "notify requester of failure",
      "send receipt failed",
    ]);
  });

  it("ApprovalWorkflow, issue 14 (only instances with resolveApprovers, a channel or a workflow step take these)", () => {
    const s = APPROVAL_STEPS;
    const channel = approverRole(1, "C0APPROVALS");
    expect([
      s.readGroup("S0ONCALL", 2),
      s.resolveLevel(2),
      s.tellRequesterLevel(2),
      s.postRequest(channel),
      s.recordMessage(channel),
      s.updateChannel(channel, 2),
      s.decidedFor,
      s.completeFunction,
    ]).toEqual([
      "read group S0ONCALL level 2",
      "resolve level 2",
      "tell requester level 2",
      "post request L1-C0APPROVALS",
      "record message L1-C0APPROVALS",
      "update channel L1-C0APPROVALS at level 2",
      "decided for",
      "complete workflow step",
    ]);
  });

  it("ActionWorkflow", () => {
    const s = ACTION_STEPS;
    expect([
      s.listMessages,
      s.callWebhook,
      s.pollWait(3),
      s.poll(3),
      s.recordProgress(3),
      s.showProgress(3),
      s.showUpdate(s.showProgress(3), role),
      s.showHistory(s.showProgress(3), role),
      s.showOutcome,
      s.showUpdate(s.showOutcome, role),
      s.showHistory(s.showOutcome, role),
      failedStep(s.showHistory(s.showOutcome, role)),
      s.recordOutcome,
      s.reportToParent,
    ]).toEqual([
      "list messages",
      "call webhook",
      "poll wait 3",
      "poll 3",
      "record progress 3",
      "show progress 3",
      "show progress 3 L2-U0MARIA",
      "show progress 3 history L2-U0MARIA",
      "show outcome",
      "show outcome L2-U0MARIA",
      "show outcome history L2-U0MARIA",
      "show outcome history L2-U0MARIA failed",
      "record outcome",
      "report to parent",
    ]);
  });

  it("MaintenanceWorkflow", () => {
    // Renamed freely: a maintenance run is short and re-checks whatever it finds.
    expect([
      MAINTENANCE_STEPS.findOverdue,
      MAINTENANCE_STEPS.check("req-abc123def456"),
      MAINTENANCE_STEPS.readClosed("req-abc123def456"),
      MAINTENANCE_STEPS.showClosed("req-abc123def456", "L1-U0ALEX"),
      MAINTENANCE_STEPS.tellRequester("req-abc123def456"),
      MAINTENANCE_STEPS.prune,
    ]).toEqual([
      "find overdue requests",
      "check req-abc123def456",
      "read closed req-abc123def456",
      "show closed req-abc123def456 L1-U0ALEX",
      "tell requester req-abc123def456",
      "prune old records",
    ]);
  });

  it("event types", () => {
    expect([DECISION_EVENT, ACTION_RESULT_EVENT, ACTION_WAKE_EVENT]).toEqual(["decision", "action-result", "wake"]);
  });
});
