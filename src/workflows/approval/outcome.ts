import { apiActorName, isApiActor } from "../../core/ids";
import { metric } from "../../core/metrics";
import type { RequestStatus } from "../../core/store";
import * as store from "../../core/store";
import type { Outcome } from "../../slack/blocks";
import { stepOutputs } from "../../slack/functions";
import type { ApprovalOutput } from "../approval-params";
import { APPROVAL_STEPS as STEP } from "../step-names";
import { D1_STEP } from "../steps";
import type { ActionChild } from "./action-child";
import type { ApprovalRun } from "./context";
import type { ApprovalMessages } from "./slack-messages";
import type { DecisionWaits } from "./waits";
import { endWorkflowStep, stepErrors } from "./workflow-step";

/** How a request ends: decided by its claim (then its action runs), or expired. */
export class ApprovalOutcome {
  constructor(
    private readonly ctx: ApprovalRun,
    private readonly messages: ApprovalMessages,
    private readonly action: ActionChild,
    private readonly waits: DecisionWaits,
  ) {}

  /**
   * The claim decides: the request is closed with what its claim says (store.closeByClaim), then
   * the outcome is shown everywhere in Slack; an approval runs its action.
   */
  async decide(level: number): Promise<ApprovalOutput> {
    const { env, params } = this.ctx;
    type Applied = { outcome: store.ClaimedOutcome | null; found: RequestStatus | "unknown"; approvedBy: string[] };
    const recorded = await this.ctx.step.do(STEP.applyClaim, D1_STEP, async (): Promise<Applied> => {
      const outcome = await store.closeByClaim(env.DB, params.requestId, new Date().toISOString());
      if (!outcome) {
        const row = await store.getRequest(env.DB, params.requestId);
        return { outcome: null, found: row?.status ?? "unknown", approvedBy: [] };
      }
      if (outcome.closedNow) {
        const latency = (Date.parse(outcome.at) - Date.parse(params.createdAt)) / 1000;
        metric(env.METRICS, "request_decided", { type: params.type, detail: outcome.status, value: latency });
        this.ctx.log(`request ${outcome.status}`, STEP.applyClaim, { decidedBy: outcome.by, approvalLevel: level, latencySeconds: latency });
      }
      return { outcome, found: outcome.status, approvedBy: outcome.status === "approved" ? await store.approvalsOf(env.DB, params.requestId) : [] };
    });
    const outcome = recorded.outcome;
    if (!outcome) {
      // Closed otherwise meanwhile (expired, failed): that stands, and was announced by whoever closed it.
      this.ctx.log("no claim to apply: the request was closed otherwise", STEP.applyClaim, { found: recorded.found }, "warn");
      const found = recorded.found;
      const status: ApprovalOutput["status"] = found === "pending" || found === "unknown" ? "expired" : found;
      await endWorkflowStep(this.ctx, {
        kind: "error",
        error: status === "failed" ? stepErrors.failed(params.requestId, "see the dashboard") : stepErrors.expired(params.requestId),
      });
      return { status, decidedBy: null, approvedBy: [], at: new Date().toISOString(), level };
    }
    const { status, by, at } = outcome;
    const approvedBy = recorded.approvedBy;
    // A delegate's decision reads "Bob, for Maria" (only instances that resolve delegations look).
    const forWhom =
      params.resolveApprovers && status !== "cancelled"
        ? await this.ctx.step.do(STEP.decidedFor, D1_STEP, () => store.voteSeat(env.DB, params.requestId, by))
        : null;
    const decidedFor = forWhom ? { for: forWhom } : {};
    const shown: Outcome =
      status === "approved"
        ? { status, by, approvedBy, at, ...decidedFor }
        : status === "rejected"
          ? { status, by, at, ...(outcome.reason ? { reason: outcome.reason } : {}), ...decidedFor }
          : { status, by, at, ...(outcome.reason ? { reason: outcome.reason } : {}) };
    const output: ApprovalOutput = { status, decidedBy: by, approvedBy, at, level };
    // The Workflow Builder step ends as soon as the decision is made (before the messages and the action).
    await endWorkflowStep(
      this.ctx,
      status === "cancelled"
        ? { kind: "error", error: stepErrors.cancelled(params.requestId, isApiActor(by) ? `${apiActorName(by)} (over the API)` : undefined) }
        : { kind: "success", outputs: stepOutputs({ status, decidedBy: by, reason: outcome.reason, requestId: params.requestId }) },
    );
    const runsAction = status === "approved" && params.action;
    await this.messages.finish(shown, runsAction ? { state: "running", progress: null } : undefined);
    if (runsAction) output.action = await this.action.run(approvedBy.length ? approvedBy : [by], at);
    return output;
  }

  /**
   * Nobody decided in time. Expiry only closes an unclaimed request: a click that claimed it at
   * the last moment wins, and is decided from D1. `closed`: the request was already expired in D1
   * (by an earlier version of the maintenance workflow); this instance only announces it.
   */
  async expire(level: number, closed?: { at: string }): Promise<ApprovalOutput> {
    const { env, params } = this.ctx;
    const result = await this.ctx.step.do(STEP.recordExpiry, D1_STEP, async () => {
      const now = closed?.at ?? new Date().toISOString();
      const done = closed ? true : await store.closeRequest(env.DB, { id: params.requestId, status: "expired", at: now });
      if (done) {
        if (!closed) metric(env.METRICS, "request_expired", { type: params.type });
        this.ctx.log("request expired", STEP.recordExpiry, { approvalLevel: level, byMaintenance: Boolean(closed) });
      }
      return { closed: done, at: now };
    });
    if (!result.closed) {
      if (await this.waits.claimed("at expiry")) return this.decide(level);
      // Neither expired nor claimed: closed by someone else; nothing to announce.
      return { status: "expired", decidedBy: null, approvedBy: [], at: result.at, level };
    }
    await endWorkflowStep(this.ctx, { kind: "error", error: stepErrors.expired(params.requestId) });
    await this.messages.finish({ status: "expired", at: result.at });
    return { status: "expired", decidedBy: null, approvedBy: [], at: result.at, level };
  }
}
