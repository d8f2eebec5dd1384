import * as store from "../../core/store";
import { type Completion, completeFunctionRun, type StepEnd } from "../function-completion";
import { APPROVAL_STEPS as STEP } from "../step-names";
import { SLACK_STEP } from "../steps";
import type { ApprovalRun } from "./context";

/**
 * The end of a request started by a Workflow Builder step: the step is completed once, in one
 * step of this name (a replay reads its result; a retry finds the run completed in D1, or Slack
 * answers execution_not_in_running_state), and the audit says how. Approved and rejected
 * complete it with outputs (a workflow branches on `status`); expired, cancelled and failed with
 * an error, which Slack shows the person who ran the workflow.
 */
export async function endWorkflowStep(ctx: ApprovalRun, end: StepEnd): Promise<Completion["result"] | null> {
  const fn = ctx.params.slackFunction;
  if (!fn) return null;
  return ctx.step.do(STEP.completeFunction, SLACK_STEP, async () => {
    const c = await completeFunctionRun(ctx.env, fn.executionId, end);
    await store.audit(ctx.env.DB, {
      requestId: ctx.params.requestId,
      key: "workflow-step",
      event: c.result === "failed" ? "step-not-completed" : "step-completed",
      actor: null,
      detail: `${c.method === "success" ? `completeSuccess (${end.kind === "success" ? end.outputs.status : "error"})` : "completeError"}: ${c.detail}`,
      at: new Date().toISOString(),
    });
    ctx.log("workflow step completed", STEP.completeFunction, { result: c.result, via: c.via ?? "none" }, c.result === "failed" ? "warn" : "info");
    return c.result;
  });
}

/** Texts Slack's Slackbot shows the person who ran the workflow when the step ends with an error. */
export const stepErrors = {
  expired: (id: string) => `Nobody decided approval request ${id} in time, so it expired.`,
  /** `by`: "its requester", or a pipeline's name for a cancel over the API. */
  cancelled: (id: string, by = "its requester") => `Approval request ${id} was cancelled by ${by}.`,
  failed: (id: string, why: string) => `Approval request ${id} failed: ${why}`,
};
