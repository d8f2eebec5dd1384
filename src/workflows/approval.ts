import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepEvent } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { type DurationLabel, durationMs } from "../core/duration";
import { apiActorFor } from "../core/ids";
import { log } from "../core/log";
import { metric } from "../core/metrics";
import * as store from "../core/store";
import type { Env } from "../env";
import type { Outcome } from "../slack/blocks";
import { botClient } from "../slack/bot-client";
import { ActionChild } from "./approval/action-child";
import { type ApprovalRun, approvalRun } from "./approval/context";
import { ApprovalMessages } from "./approval/slack-messages";
import {
  type ApprovalOutput,
  type ApprovalParams,
  approvalParamsSchema,
  DECISION_EVENT,
  type DecisionEvent,
  decisionEventSchema,
  type PersonDecision,
} from "./approval-params";
import { APPROVAL_STEPS as STEP } from "./step-names";
import { D1_STEP, isWaitTimeout } from "./steps";

type Level = ApprovalParams["levels"][number];
type Expiry = Extract<DecisionEvent, { decision: "expire" }>;

/**
 * One approval request, from the first DM to the outcome. For each level of its chain: DM the
 * level's approvers, wait until the reminder time, remind, wait out the level; then escalate to
 * the next level (earlier approvers keep their buttons). After the last level it expires. A
 * decision at any wait ends it: every DM is updated, the requester told, D1 holds the outcome and
 * the audit trail; an approved request with an action then runs its ActionWorkflow child.
 * Step names (step-names.ts) depend only on the level and the approver.
 */
export class ApprovalWorkflow extends WorkflowEntrypoint<Env, ApprovalParams> {
  override async run(event: Readonly<WorkflowEvent<ApprovalParams>>, step: WorkflowStep): Promise<ApprovalOutput> {
    const parsed = approvalParamsSchema.safeParse(event.payload);
    if (!parsed.success) throw new NonRetryableError(`invalid approval params: ${parsed.error.issues[0]?.message}`);
    const params = parsed.data;
    const slack = botClient(this.env, { paced: true });
    const ctx = approvalRun(this.env, step, params, event.instanceId);
    const messages = new ApprovalMessages(ctx, slack);
    try {
      return await new ApprovalFlow(ctx, messages, new ActionChild(ctx, messages)).run();
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).replace(/^Error: /, "");
      await step.do(STEP.recordFailure, D1_STEP, async () => {
        await store.closeRequest(this.env.DB, { id: params.requestId, status: "failed", by: null, at: new Date().toISOString(), error: message });
        log("error", "approval failed", { requestId: params.requestId, instanceId: event.instanceId, error: message });
        return null;
      });
      await messages.markFailed(message);
      throw err;
    }
  }
}

/** The chain of one request: `run` is the list of its stages; each method below is one of them. */
class ApprovalFlow {
  constructor(
    private readonly ctx: ApprovalRun,
    private readonly messages: ApprovalMessages,
    private readonly action: ActionChild,
  ) {}

  async run(): Promise<ApprovalOutput> {
    const { levels } = this.ctx.params;
    await this.recordRequest();
    await this.messages.lookUpRequester();
    let approvers: string[] = [];
    for (const [i, level] of levels.entries()) {
      const n = i + 1;
      const added = level.approvers.filter((a) => !approvers.includes(a));
      approvers = [...approvers, ...added];
      if (n === 1) {
        await this.messages.notifyFirstLevel();
      } else {
        // A click may have claimed the request just as the wait ran out: D1 is the truth.
        const claimed = await this.pendingClaim(`level ${n - 1}`);
        if (claimed) return this.decide(claimed, n - 1);
        await this.escalate(n, approvers, added);
      }
      await this.messages.refreshHomes(`level ${n}`);
      const decision = await this.waitForLevel(n, level);
      if (decision?.decision === "expire") return this.expire(n, decision);
      if (decision) return this.decide(decision, n);
    }
    return this.expire(levels.length);
  }

  /** D1: the request with its whole chain's expiry, and its "created" audit entry. */
  private async recordRequest(): Promise<void> {
    const { env, params } = this.ctx;
    const first = params.levels[0]!;
    await this.ctx.step.do(STEP.recordRequest, D1_STEP, async () => {
      const total = params.levels.reduce((ms, l) => ms + durationMs(l.wait), 0);
      await store.upsertRequest(env.DB, {
        id: params.requestId,
        type: params.type,
        requester: params.requester ?? null,
        source: params.source ?? null,
        fields: params.fields ?? null,
        description: params.description,
        descriptionRich: params.descriptionRich ?? null,
        approvers: first.approvers,
        quorum: first.quorum,
        allowSelf: params.allowSelf,
        createdAt: params.createdAt,
        expiresAt: new Date(Date.parse(params.createdAt) + total).toISOString(),
      });
      await store.audit(env.DB, {
        requestId: params.requestId,
        key: "created",
        event: "created",
        // A request made over the API without a Slack requester was created by its source.
        actor: params.requester ?? apiActorFor(params.source?.name),
        detail: params.description,
        at: params.createdAt,
      });
      metric(env.METRICS, "request_created", { type: params.type });
      this.ctx.log("request recorded", STEP.recordRequest, { type: params.type, levels: params.levels.length });
      return null;
    });
  }

  /** Level `n` in D1 (who may decide now, its quorum, the moved expiry), then in Slack. */
  private async escalate(n: number, approvers: string[], added: string[]): Promise<void> {
    const { env, params } = this.ctx;
    const levels = params.levels;
    await this.ctx.step.do(STEP.escalate(n), D1_STEP, async () => {
      const at = new Date().toISOString();
      // The expiry moves with the chain: from now, the waits of this level and the ones after it.
      const rest = levels.slice(n - 1).reduce((ms, l) => ms + durationMs(l.wait), 0);
      await store.setLevel(env.DB, params.requestId, {
        approvers,
        groups: levels.slice(0, n).map((l) => ({ approvers: l.approvers, quorum: l.quorum })),
        level: n,
        quorum: levels[n - 1]!.quorum,
        expiresAt: new Date(Date.now() + rest).toISOString(),
        at,
      });
      await store.audit(env.DB, { requestId: params.requestId, key: `escalated-${n}`, event: "escalated", actor: added.join(","), detail: `level ${n}`, at });
      metric(env.METRICS, "request_escalated", { type: params.type, detail: `level ${n}` });
      this.ctx.log("request escalated", STEP.escalate(n), { level: n, escalatedTo: added.join(",") });
      return null;
    });
    await this.messages.escalate(n, added);
  }

  /** Wait until the reminder time, remind the level's approvers, wait out the rest of the level. */
  private async waitForLevel(n: number, level: Level): Promise<DecisionEvent | null> {
    const { env, params } = this.ctx;
    const remindAfter = level.reminder && durationMs(level.reminder) < durationMs(level.wait) ? level.reminder : null;
    const decision = await this.waitForDecision(STEP.decisionWait(n), remindAfter ?? level.wait);
    if (decision || !remindAfter) return decision;

    await this.messages.remind(n);
    await this.ctx.step.do(STEP.recordReminder(n), D1_STEP, async () => {
      await store.audit(env.DB, {
        requestId: params.requestId,
        key: `reminded-${n}`,
        event: "reminded",
        actor: null,
        detail: `level ${n}`,
        at: new Date().toISOString(),
      });
      return null;
    });
    const rest = Math.max(1, Math.round((durationMs(level.wait) - durationMs(remindAfter)) / 1000));
    return this.waitForDecision(STEP.decisionAfterReminderWait(n), `${rest} seconds`);
  }

  /** Each wait handles its own timeout: null means nobody decided in time. */
  private async waitForDecision(name: string, timeout: DurationLabel): Promise<DecisionEvent | null> {
    let received: WorkflowStepEvent<DecisionEvent>;
    try {
      received = await this.ctx.step.waitForEvent<DecisionEvent>(name, { type: DECISION_EVENT, timeout });
    } catch (err) {
      if (isWaitTimeout(err)) return null;
      throw err;
    }
    const decision = decisionEventSchema.safeParse(received.payload);
    if (!decision.success) throw new NonRetryableError(`malformed decision event: ${decision.error.issues[0]?.message}`);
    return decision.data;
  }

  /**
   * A claim recorded in D1 whose event has not been consumed: wait a little for the event, and
   * if it never comes (the route could not deliver it), decide from D1.
   */
  private async pendingClaim(tag: `level ${number}` | "at expiry"): Promise<PersonDecision | null> {
    const claim = await this.ctx.step.do(STEP.checkClaim(tag), D1_STEP, () => store.claimedDecision(this.ctx.env.DB, this.ctx.params.requestId));
    if (!claim) return null;
    const event = await this.waitForDecision(STEP.claimedDecisionWait(tag), "2 minutes");
    // The claim decides: an expiry that arrives now does not undo a click D1 has recorded.
    return event && event.decision !== "expire" ? event : claim;
  }

  /** A person decided: the outcome in D1, then everywhere in Slack; an approval runs its action. */
  private async decide(decision: PersonDecision, level: number): Promise<ApprovalOutput> {
    const { env, params } = this.ctx;
    const status = ({ approve: "approved", reject: "rejected", cancel: "cancelled" } as const)[decision.decision];
    const { user, at } = decision;
    // A rejection's reason, or the reason a pipeline gave with its cancel.
    const reason = decision.decision !== "approve" && decision.reason ? decision.reason : undefined;
    const recorded = await this.ctx.step.do(STEP.recordDecision, D1_STEP, async () => {
      const closed = await store.closeRequest(env.DB, { id: params.requestId, status, by: user, at, ...(reason ? { detail: reason } : {}) });
      const row = await store.getRequest(env.DB, params.requestId);
      // Closed by someone else meanwhile (e.g. maintenance expired it): announce nothing different.
      if (!closed && (row?.status !== status || row.decided_by !== user)) return { ours: false, status: row?.status ?? "unknown", approvedBy: [] as string[] };
      const latency = (Date.parse(at) - Date.parse(params.createdAt)) / 1000;
      metric(env.METRICS, "request_decided", { type: params.type, detail: status, value: latency });
      this.ctx.log(`request ${status}`, STEP.recordDecision, { decidedBy: user, approvalLevel: level, latencySeconds: latency });
      return { ours: true, status, approvedBy: status === "approved" ? await store.approvalsOf(env.DB, params.requestId) : [] };
    });
    if (!recorded.ours) {
      this.ctx.log("decision not applied: the request was already closed", STEP.recordDecision, { found: recorded.status }, "warn");
      return { status: recorded.status === "expired" ? "expired" : status, decidedBy: null, approvedBy: [], at, level };
    }
    const approvedBy = recorded.approvedBy;
    const outcome: Outcome =
      status === "approved"
        ? { status, by: user, approvedBy, at }
        : status === "rejected"
          ? { status, by: user, at, ...(reason ? { reason } : {}) }
          : { status, by: user, at, ...(reason ? { reason } : {}) };
    const output: ApprovalOutput = { status, decidedBy: user, approvedBy, at, level };
    const runsAction = status === "approved" && params.action;
    await this.messages.finish(outcome, runsAction ? { state: "running", progress: null } : undefined);
    if (runsAction) output.action = await this.action.run(approvedBy.length ? approvedBy : [user], at);
    return output;
  }

  /**
   * Nobody decided in time. Expiry only closes an unclaimed request: a click that claimed it at
   * the last moment wins, and is decided from D1. `byMaintenance`: the maintenance workflow has
   * already closed the request in D1 and woke this instance to finish it in Slack.
   */
  private async expire(level: number, byMaintenance?: Expiry): Promise<ApprovalOutput> {
    const { env, params } = this.ctx;
    const result = await this.ctx.step.do(STEP.recordExpiry, D1_STEP, async () => {
      const now = byMaintenance?.at ?? new Date().toISOString();
      const closed = byMaintenance ? true : await store.closeRequest(env.DB, { id: params.requestId, status: "expired", by: null, at: now });
      if (closed) {
        if (!byMaintenance) metric(env.METRICS, "request_expired", { type: params.type });
        this.ctx.log("request expired", STEP.recordExpiry, { approvalLevel: level, byMaintenance: Boolean(byMaintenance) });
      }
      return { closed, at: now };
    });
    if (!result.closed) {
      const claimed = await this.pendingClaim("at expiry");
      if (claimed) return this.decide(claimed, level);
      // Neither expired nor claimed: closed by someone else; nothing to announce.
      return { status: "expired", decidedBy: null, approvedBy: [], at: result.at, level };
    }
    await this.messages.finish({ status: "expired", at: result.at });
    return { status: "expired", decidedBy: null, approvedBy: [], at: result.at, level };
  }
}
