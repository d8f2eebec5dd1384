import type { DurationLabel } from "../../core/duration";
import { createOnce, instanceStatus } from "../../core/instances";
import * as store from "../../core/store";
import type { ActionParams } from "../action-params";
import { ACTION_RESULT_EVENT, type ActionResult, type ApprovalOutput, actionResultSchema } from "../approval-params";
import { APPROVAL_STEPS as STEP } from "../step-names";
import { D1_STEP, isWaitTimeout, WORKFLOW_CALL_STEP } from "../steps";
import type { ApprovalRun } from "./context";
import type { ApprovalMessages } from "./slack-messages";

/** The id of a request's action child: derived, so a replayed "start action" step finds it. */
export const actionInstanceId = (requestId: string) => `${requestId}-action`;

export type ActionOutcome = NonNullable<ApprovalOutput["action"]>;

/**
 * Parent/child: an approved request's action runs in its own ActionWorkflow, which reports its
 * result by event (no polling here). If none arrives within the action's timeout, the child's
 * status is checked once and recorded.
 */
export class ActionChild {
  constructor(
    private readonly ctx: ApprovalRun,
    private readonly messages: ApprovalMessages,
  ) {}

  async run(approvedBy: string[], approvedAt: string): Promise<ActionOutcome> {
    const { env, params, step } = this.ctx;
    const action = params.action!;
    const childId = actionInstanceId(params.requestId);
    try {
      await this.start(childId, approvedBy, approvedAt);
    } catch (err) {
      const detail = `the action could not be started: ${(err as Error).message}`;
      await step.do(STEP.recordActionNotStarted, D1_STEP, async () => {
        await store.setActionState(env.DB, params.requestId, { status: "failed", detail, at: new Date().toISOString() });
        return null;
      });
      await this.messages.showDecided(
        STEP.updateMessageActionNotStarted,
        { status: "approved", by: approvedBy.at(-1)!, approvedBy, at: approvedAt },
        { state: "failed", detail },
      );
      return { state: "failed", detail, via: "event" };
    }
    return this.awaitResult(childId, action.timeout);
  }

  private async start(childId: string, approvedBy: string[], approvedAt: string): Promise<void> {
    const { env, params, step, instanceId } = this.ctx;
    const action = params.action!;
    await step.do(STEP.startAction, WORKFLOW_CALL_STEP, async () => {
      // A replayed step finds its child already there: that is the child we want.
      await createOnce<ActionParams>(env.ACTION, childId, {
        // One request runs one version: the child takes its parent's.
        ...(params.v ? { v: params.v } : {}),
        requestId: params.requestId,
        parentId: instanceId,
        action,
        ...(params.descriptionRich ? { descriptionRich: params.descriptionRich } : {}),
        body: {
          requestId: params.requestId,
          type: params.type,
          title: params.title,
          description: params.description,
          ...(params.requester ? { requester: params.requester } : {}),
          ...(params.source ? { source: params.source } : {}),
          ...(params.fields ? { fields: params.fields } : {}),
          approvedBy,
          approvedAt,
        },
      });
      const at = new Date().toISOString();
      await store.setActionState(env.DB, params.requestId, { status: "running", at });
      await store.audit(env.DB, {
        requestId: params.requestId,
        key: "action-started",
        event: "action-started",
        actor: null,
        detail: new URL(action.url).host,
        at,
      });
      return null;
    });
  }

  private async awaitResult(childId: string, timeout: DurationLabel): Promise<ActionOutcome> {
    const { step } = this.ctx;
    try {
      const event = await step.waitForEvent<ActionResult>(STEP.actionResultWait, { type: ACTION_RESULT_EVENT, timeout });
      const result = actionResultSchema.safeParse(event.payload);
      // A result that does not parse is no result: the child's status says what happened.
      if (result.success) return { state: result.data.state, detail: result.data.detail, via: "event" };
    } catch (err) {
      if (!isWaitTimeout(err)) throw err;
    }
    const checked = await step.do(STEP.checkActionStatus, WORKFLOW_CALL_STEP, () => this.checkChild(childId, timeout));
    return { state: checked.state, detail: checked.detail, via: "status-check" };
  }

  /** The child's result from its status; a child still running is recorded as unconfirmed. */
  private async checkChild(childId: string, timeout: DurationLabel): Promise<ActionResult> {
    const { env, params } = this.ctx;
    const child = await instanceStatus(env.ACTION, childId);
    if (!child) return { state: "failed", detail: "action workflow not found" };
    if (child.status === "complete") return actionResultSchema.parse(child.output);
    if (child.status === "errored" || child.status === "terminated") return { state: "failed", detail: child.error ?? child.status };
    const detail = `no result within ${timeout}; the action is still ${child.status}`;
    await store.setActionState(env.DB, params.requestId, { status: "unconfirmed", detail, at: new Date().toISOString(), onlyIfRunning: true });
    await store.audit(env.DB, {
      requestId: params.requestId,
      key: "action-unconfirmed",
      event: "action-unconfirmed",
      actor: null,
      detail,
      at: new Date().toISOString(),
    });
    return { state: "unconfirmed", detail };
  }
}
