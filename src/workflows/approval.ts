import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { loadConfig } from "../config";
import { cachedDisplayName } from "../core/display-names";
import { durationMs, type DurationLabel } from "../core/duration";
import { createOnce } from "../core/instances";
import { log } from "../core/log";
import { metric } from "../core/metrics";
import { channelPacer } from "../core/pacer";
import * as store from "../core/store";
import type { Env } from "../env";
import {
  approvalRequestMessage,
  decidedMessage,
  escalatedNoticeMessage,
  historyReply,
  reminderMessage,
  requesterReceiptMessage,
  requesterFailureMessage,
  requesterOutcomeMessage,
  type ActionView,
  type Outcome,
  type RequestSummary,
} from "../slack/blocks";
import { SlackClient, type MessageContent, type PostedMessage } from "../slack/client";
import { refreshHomes } from "../slack/home";
import {
  ACTION_RESULT_EVENT,
  actionResultSchema,
  approvalParamsSchema,
  DECISION_EVENT,
  decisionEventSchema,
  type ActionResult,
  type ApprovalOutput,
  type ApprovalParams,
  type DecisionEvent,
} from "./approval-params";
import { D1_STEP, OPTIONAL_SLACK_STEP, optionalSlackStep, postOnce, REQUIRED_SLACK_STEP, slackStep } from "./steps";

/** The id of a request's action child: derived, so a replayed "start action" step finds it. */
export const actionInstanceId = (requestId: string) => `${requestId}-action`;

/**
 * One approval request, from the first DM to the outcome. For each level of its chain: DM the
 * level's approvers, wait until the reminder time, remind, wait out the level; then escalate to
 * the next level (earlier approvers keep their buttons). After the last level it expires. A
 * decision at any wait ends it: every DM is updated, the requester told, D1 holds the outcome and
 * the audit trail; an approved request with an action then runs its ActionWorkflow child.
 * Step names are stable: they depend only on the level and the approver.
 */
export class ApprovalWorkflow extends WorkflowEntrypoint<Env, ApprovalParams> {
  override async run(event: Readonly<WorkflowEvent<ApprovalParams>>, step: WorkflowStep): Promise<ApprovalOutput> {
    const parsed = approvalParamsSchema.safeParse(event.payload);
    if (!parsed.success) throw new NonRetryableError(`invalid approval params: ${parsed.error.issues[0]?.message}`);
    const params = parsed.data;
    const config = loadConfig(this.env);
    const slack = new SlackClient({ token: config.SLACK_BOT_TOKEN, baseUrl: config.SLACK_API_URL, pace: channelPacer(this.env.KV) });
    const flow = new ApprovalFlow(this.env, slack, step, params, event.instanceId);
    try {
      return await flow.run();
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).replace(/^Error: /, "");
      await step.do("record failure", D1_STEP, async () => {
        await store.closeRequest(this.env.DB, { id: params.requestId, status: "failed", by: null, at: new Date().toISOString(), error: message });
        log("error", "approval failed", { requestId: params.requestId, instanceId: event.instanceId, error: message });
        return null;
      });
      await flow.finishFailed(message);
      throw err;
    }
  }
}

interface SentMessage {
  role: string;
  user: string;
  level: number;
  message: PostedMessage;
}

class ApprovalFlow {
  private readonly summary: RequestSummary;
  /** The approvers' DMs in the order they were sent; rebuilt identically on replay. */
  private readonly messages: SentMessage[] = [];
  /** The requester's receipt DM (with the Cancel button), once sent. */
  private receipt: PostedMessage | null = null;

  constructor(
    private readonly env: Env,
    private readonly slack: SlackClient,
    private readonly step: WorkflowStep,
    private readonly params: ApprovalParams,
    private readonly instanceId: string,
  ) {
    this.summary = { id: params.requestId, title: params.title, requester: params.requester, description: params.description, createdAt: params.createdAt };
  }

  async run(): Promise<ApprovalOutput> {
    const { params } = this;
    const first = params.levels[0]!;
    await this.step.do("record request", D1_STEP, async () => {
      const total = params.levels.reduce((ms, l) => ms + durationMs(l.wait), 0);
      await store.upsertRequest(this.env.DB, {
        id: params.requestId,
        type: params.type,
        requester: params.requester,
        description: params.description,
        approvers: first.approvers,
        quorum: first.quorum,
        allowSelf: params.allowSelf,
        createdAt: params.createdAt,
        expiresAt: new Date(Date.parse(params.createdAt) + total).toISOString(),
      });
      await store.audit(this.env.DB, { requestId: params.requestId, key: "created", event: "created", actor: params.requester, detail: params.description, at: params.createdAt });
      metric(this.env.METRICS, "request_created", { type: params.type });
      this.log("request recorded", "record request", { type: params.type, levels: params.levels.length });
      return null;
    });

    // Graceful degradation: the display name only improves notification text; a mention works too.
    this.summary.requesterName = await this.optional("look up requester", () => cachedDisplayName(this.env.KV, params.requester, (u) => this.slack.displayName(u)), OPTIONAL_SLACK_STEP);

    let approvers: string[] = [];
    for (const [i, level] of params.levels.entries()) {
      const n = i + 1;
      const added = level.approvers.filter((a) => !approvers.includes(a));
      approvers = [...approvers, ...added];
      if (n > 1) {
        // A click may have claimed the request just as the wait ran out: D1 is the truth.
        const claimed = await this.pendingClaim(`level ${n - 1}`);
        if (claimed) return this.decide(claimed, n - 1);
        await this.escalate(n, approvers, added);
      }
      const decision = await this.waitForLevel(n, level.wait, level.reminder);
      if (decision) return decision.decision === "expire" ? this.expire(n, decision) : this.decide(decision, n);
    }
    return this.expire(params.levels.length);
  }

  /**
   * A claim recorded in D1 whose event has not been consumed: wait a little for the event, and
   * if it never comes (the route could not deliver it), decide from D1.
   */
  private async pendingClaim(tag: string): Promise<DecisionEvent | null> {
    const claim = await this.step.do(`check claim ${tag}`, D1_STEP, () => store.claimedDecision(this.env.DB, this.params.requestId));
    if (!claim) return null;
    return (await this.waitForDecision(`decision ${tag} claimed`, "2 minutes")) ?? claim;
  }

  private approversSoFar(): string[] {
    return [...new Set(this.messages.map((m) => m.user))];
  }

  /** The requester's receipt: who was asked, with a Cancel button while pending. Optional. */
  private async sendReceipt(): Promise<void> {
    const sent = await this.optional("send receipt", async (attempt) => {
      const m = await postOnce(this.slack, attempt, this.params.requester, requesterReceiptMessage(this.summary, this.params.levels[0]!.approvers), `${this.params.requestId}:receipt`);
      return `${m.channel} ${m.ts}`;
    });
    if (sent) {
      const [channel, ts] = sent.split(" ") as [string, string];
      this.receipt = { channel, ts };
      await this.step.do("record receipt", D1_STEP, async () => {
        await store.saveMessage(this.env.DB, this.params.requestId, { role: "requester", user_id: this.params.requester, channel, ts });
        return null;
      });
    }
  }

  /** Where the requester's DMs go: the receipt's channel, or their user id (Slack finds the DM). */
  private requesterDm(): string {
    return this.receipt?.channel ?? this.params.requester;
  }

  /** Threaded history: one reply per change in the thread of every approver DM. */
  private async history(tag: string, line: string, only?: SentMessage[]): Promise<void> {
    for (const m of only ?? this.messages) {
      await this.bestEffort(`history ${tag} ${m.role}`, async () => {
        await this.slack.postReply(m.message, historyReply(line));
      });
    }
  }

  private async refreshHomes(tag: string, users: string[]): Promise<void> {
    await this.bestEffort(`refresh homes ${tag}`, async () => {
      await refreshHomes(this.env.KV, this.env.DB, this.slack, users);
    });
  }

  private async escalate(n: number, approvers: string[], added: string[]): Promise<void> {
    const previous = [...this.messages];
    const levels = this.params.levels;
    await this.step.do(`escalate to level ${n}`, D1_STEP, async () => {
      const at = new Date().toISOString();
      // The expiry moves with the chain: from now, the waits of this level and the ones after it.
      const rest = levels.slice(n - 1).reduce((ms, l) => ms + durationMs(l.wait), 0);
      await store.setLevel(this.env.DB, this.params.requestId, {
        approvers,
        groups: levels.slice(0, n).map((l) => ({ approvers: l.approvers, quorum: l.quorum })),
        level: n,
        quorum: levels[n - 1]!.quorum,
        expiresAt: new Date(Date.now() + rest).toISOString(),
        at,
      });
      await store.audit(this.env.DB, { requestId: this.params.requestId, key: `escalated-${n}`, event: "escalated", actor: added.join(","), detail: `level ${n}`, at });
      metric(this.env.METRICS, "request_escalated", { type: this.params.type, detail: `level ${n}` });
      this.log("request escalated", `escalate to level ${n}`, { level: n, escalatedTo: added.join(",") });
      return null;
    });
    const before = [...new Set(previous.map((m) => m.user))];
    for (const user of added) {
      try {
        await this.notifyApprover(n, user, approvalRequestMessage(this.summary, before));
      } catch (err) {
        // One unreachable escalation approver (deactivated, not DM-able) must not fail the
        // request: the others, and earlier approvers, can still decide.
        await this.step.do(`record unreachable L${n}-${user}`, D1_STEP, async () => {
          const detail = `could not notify ${user}: ${(err as Error).message}`;
          await store.audit(this.env.DB, { requestId: this.params.requestId, key: `unreachable-L${n}-${user}`, event: "notify-failed", actor: user, detail, at: new Date().toISOString() });
          this.log("approver unreachable", `notify L${n}-${user}`, { approver: user, error: (err as Error).message }, "warn");
          return null;
        });
      }
    }
    // Earlier approvers' buttons keep working; their DM says who else was asked.
    for (const m of previous) {
      await this.bestEffort(`mark escalated ${m.role} at level ${n}`, () => this.slack.updateMessage(m.message, escalatedNoticeMessage(this.summary, added)));
    }
    await this.history(`escalated ${n}`, `:rotating_light: Escalated to level ${n}: ${added.map((u) => `<@${u}>`).join(", ")}`, previous);
  }

  private async waitForLevel(n: number, wait: DurationLabel, reminder: DurationLabel | null): Promise<DecisionEvent | null> {
    if (n === 1) {
      for (const user of this.params.levels[0]!.approvers) await this.notifyApprover(1, user, approvalRequestMessage(this.summary));
      await this.sendReceipt();
    }
    await this.refreshHomes(`level ${n}`, [...this.approversSoFar(), this.params.requester]);
    const remindAfter = reminder && durationMs(reminder) < durationMs(wait) ? reminder : null;
    const decision = await this.waitForDecision(`decision-${n}`, remindAfter ?? wait);
    if (decision || !remindAfter) return decision;

    for (const m of this.messages.filter((x) => x.level === n)) {
      await this.bestEffort(`remind ${m.role}`, async () => {
        await this.slack.postReply(m.message, reminderMessage(this.summary));
      });
    }
    await this.step.do(`record reminder level ${n}`, D1_STEP, async () => {
      await store.audit(this.env.DB, { requestId: this.params.requestId, key: `reminded-${n}`, event: "reminded", actor: null, detail: `level ${n}`, at: new Date().toISOString() });
      return null;
    });
    const rest = Math.max(1, Math.round((durationMs(wait) - durationMs(remindAfter)) / 1000));
    return this.waitForDecision(`decision-${n}-after-reminder`, `${rest} seconds`);
  }

  /** Each wait handles its own timeout: null means nobody decided in time. */
  private async waitForDecision(name: string, timeout: DurationLabel): Promise<DecisionEvent | null> {
    let received;
    try {
      received = await this.step.waitForEvent<DecisionEvent>(name, { type: DECISION_EVENT, timeout });
    } catch {
      return null; // timed out
    }
    const decision = decisionEventSchema.safeParse(received.payload);
    if (!decision.success) throw new NonRetryableError(`malformed decision event: ${decision.error.issues[0]?.message}`);
    return decision.data;
  }

  private async notifyApprover(level: number, user: string, content: MessageContent): Promise<void> {
    const role = `L${level}-${user}`;
    // Posted to the user id: Slack answers with the DM channel, no conversations.open needed.
    // `at`: when Slack had the message, so the audit trail never puts "notified" after a click on it.
    const { at, ...message } = await slackStep(
      this.step,
      `post request ${role}`,
      async (attempt) => {
        const m = await postOnce(this.slack, attempt, user, content, `${this.params.requestId}:${role}`);
        return { channel: m.channel, ts: m.ts, at: attempt > 1 ? this.postedAt(m.ts) : new Date().toISOString() };
      },
      REQUIRED_SLACK_STEP,
    );
    await this.step.do(`record message ${role}`, D1_STEP, async () => {
      await store.saveMessage(this.env.DB, this.params.requestId, { role, user_id: user, channel: message.channel, ts: message.ts });
      await store.audit(this.env.DB, { requestId: this.params.requestId, key: `notified-${role}`, event: "notified", actor: user, detail: `level ${level}`, at });
      this.log("approver notified", `record message ${role}`, { approver: user, level });
      return null;
    });
    this.messages.push({ role, user, level, message });
  }

  /**
   * When Slack took a message, from its ts (epoch seconds): a retry may have found the post of an
   * earlier attempt. Never before the request itself was created (ts has whole-second precision).
   */
  private postedAt(ts: string): string {
    const posted = Math.floor(Number(ts)) * 1000;
    return new Date(Number.isFinite(posted) ? Math.max(posted, Date.parse(this.params.createdAt)) : Date.now()).toISOString();
  }

  private async decide(decision: DecisionEvent, level: number): Promise<ApprovalOutput> {
    const status = ({ approve: "approved", reject: "rejected", cancel: "cancelled" } as const)[decision.decision as "approve" | "reject" | "cancel"];
    const user = decision.user!;
    const recorded = await this.step.do("record decision", D1_STEP, async () => {
      const closed = await store.closeRequest(this.env.DB, { id: this.params.requestId, status, by: user, at: decision.at, ...(decision.reason ? { detail: decision.reason } : {}) });
      const row = await store.getRequest(this.env.DB, this.params.requestId);
      // Closed by someone else meanwhile (e.g. maintenance expired it): announce nothing different.
      if (!closed && (row?.status !== status || row.decided_by !== user)) return { ours: false, status: row?.status ?? "unknown", approvedBy: [] as string[] };
      const latency = (Date.parse(decision.at) - Date.parse(this.params.createdAt)) / 1000;
      metric(this.env.METRICS, "request_decided", { type: this.params.type, detail: status, value: latency });
      this.log(`request ${status}`, "record decision", { decidedBy: user, approvalLevel: level, latencySeconds: latency });
      return { ours: true, status, approvedBy: status === "approved" ? await store.approvalsOf(this.env.DB, this.params.requestId) : [] };
    });
    if (!recorded.ours) {
      this.log("decision not applied: the request was already closed", "record decision", { found: recorded.status }, "warn");
      return { status: recorded.status === "expired" ? "expired" : status, decidedBy: null, approvedBy: [], at: decision.at, level };
    }
    const approvedBy = recorded.approvedBy;
    const outcome: Outcome =
      status === "approved"
        ? { status, by: user, approvedBy, at: decision.at }
        : status === "rejected"
          ? { status, by: user, at: decision.at, ...(decision.reason ? { reason: decision.reason } : {}) }
          : { status, by: user, at: decision.at };
    const output: ApprovalOutput = { status, decidedBy: user, approvedBy, at: decision.at, level };
    const runsAction = status === "approved" && this.params.action;
    await this.finish(outcome, runsAction ? { state: "running", progress: null } : undefined);
    if (runsAction) output.action = await this.runAction(approvedBy.length ? approvedBy : [user], decision.at);
    return output;
  }

  /**
   * Nobody decided in time. Expiry only closes an unclaimed request: a click that claimed it at
   * the last moment wins, and is decided from D1. `byMaintenance`: the maintenance workflow has
   * already closed the request in D1 and woke this instance to finish it in Slack.
   */
  private async expire(level: number, byMaintenance?: DecisionEvent): Promise<ApprovalOutput> {
    const result = await this.step.do("record expiry", D1_STEP, async () => {
      const now = byMaintenance?.at ?? new Date().toISOString();
      const closed = byMaintenance ? true : await store.closeRequest(this.env.DB, { id: this.params.requestId, status: "expired", by: null, at: now });
      if (closed) {
        if (!byMaintenance) metric(this.env.METRICS, "request_expired", { type: this.params.type });
        this.log("request expired", "record expiry", { approvalLevel: level, byMaintenance: Boolean(byMaintenance) });
      }
      return { closed, at: now };
    });
    if (!result.closed) {
      const claimed = await this.pendingClaim("at expiry");
      if (claimed) return this.decide(claimed, level);
      // Neither expired nor claimed: closed by someone else; nothing to announce.
      return { status: "expired", decidedBy: null, approvedBy: [], at: result.at, level };
    }
    await this.finish({ status: "expired", at: result.at });
    return { status: "expired", decidedBy: null, approvedBy: [], at: result.at, level };
  }

  /**
   * Parent/child: starts the ActionWorkflow and waits for its `action-result` event (no polling).
   * If none arrives in time, it checks the child's status once and records what it found.
   */
  private async runAction(approvedBy: string[], approvedAt: string): Promise<NonNullable<ApprovalOutput["action"]>> {
    const action = this.params.action!;
    const childId = actionInstanceId(this.params.requestId);
    try {
      await this.startAction(childId, approvedBy, approvedAt);
    } catch (err) {
      const detail = `the action could not be started: ${(err as Error).message}`;
      await this.step.do("record action not started", D1_STEP, async () => {
        await store.setActionState(this.env.DB, this.params.requestId, { status: "failed", detail, at: new Date().toISOString() });
        return null;
      });
      await this.updateApproverMessages("action not started", { status: "approved", by: approvedBy.at(-1)!, approvedBy, at: approvedAt }, { state: "failed", detail });
      return { state: "failed", detail, via: "event" };
    }
    return this.awaitAction(childId, action.timeout);
  }

  private async startAction(childId: string, approvedBy: string[], approvedAt: string): Promise<void> {
    const action = this.params.action!;
    await this.step.do("start action", D1_STEP, async () => {
      // A replayed step finds its child already there: that is the child we want.
      await createOnce(this.env.ACTION, childId, {
        requestId: this.params.requestId,
        parentId: this.instanceId,
        action,
        body: {
          requestId: this.params.requestId,
          type: this.params.type,
          title: this.params.title,
          description: this.params.description,
          requester: this.params.requester,
          approvedBy,
          approvedAt,
        },
      });
      const at = new Date().toISOString();
      await store.setActionState(this.env.DB, this.params.requestId, { status: "running", at });
      await store.audit(this.env.DB, { requestId: this.params.requestId, key: "action-started", event: "action-started", actor: null, detail: new URL(action.url).host, at });
      return null;
    });
  }

  private async awaitAction(childId: string, timeout: DurationLabel): Promise<NonNullable<ApprovalOutput["action"]>> {
    const action = { timeout };
    let result: ActionResult;
    let via: "event" | "status-check" = "event";
    try {
      const event = await this.step.waitForEvent<ActionResult>("action result", { type: ACTION_RESULT_EVENT, timeout: action.timeout });
      result = actionResultSchema.parse(event.payload);
    } catch {
      via = "status-check";
      const checked = await this.step.do("check action status", D1_STEP, async () => {
        let status: InstanceStatus;
        try {
          status = await (await this.env.ACTION.get(childId)).status();
        } catch (err) {
          return { state: "failed" as const, detail: `action workflow not found (${(err as Error).message})` };
        }
        if (status.status === "complete") return actionResultSchema.parse(status.output);
        if (status.status === "errored" || status.status === "terminated") return { state: "failed" as const, detail: status.error?.message ?? status.status };
        const detail = `no result within ${action.timeout}; the action is still ${status.status}`;
        await store.setActionState(this.env.DB, this.params.requestId, { status: "unconfirmed", detail, at: new Date().toISOString(), onlyIfRunning: true });
        await store.audit(this.env.DB, { requestId: this.params.requestId, key: "action-unconfirmed", event: "action-unconfirmed", actor: null, detail, at: new Date().toISOString() });
        return { state: "unconfirmed" as const, detail };
      });
      return { ...checked, via };
    }
    return { ...result, via };
  }

  /** After a failure: no buttons left to click, and the requester knows (both best effort). */
  async finishFailed(error: string): Promise<void> {
    for (const { role, message } of this.messages) {
      await this.bestEffort(`mark failed ${role}`, () => this.slack.updateMessage(message, requesterFailureMessage(this.summary, error)));
    }
    await this.bestEffort("notify requester of failure", async (attempt) => {
      await postOnce(this.slack, attempt, this.requesterDm(), requesterFailureMessage(this.summary, error), `${this.params.requestId}:failed`);
    });
  }

  /**
   * The outcome everywhere: approver DMs updated (buttons replaced) with a history reply in their
   * threads, the receipt's Cancel button removed, the requester told, App Homes refreshed.
   */
  private async updateApproverMessages(tag: string, outcome: Outcome, action?: ActionView): Promise<void> {
    for (const { role, message } of this.messages) {
      const name = tag === "outcome" ? `update message ${role}` : `update message ${role} ${tag}`;
      await this.bestEffort(name, () => this.slack.updateMessage(message, decidedMessage(this.summary, outcome, action)));
    }
  }

  private async finish(outcome: Outcome, action?: ActionView): Promise<void> {
    await this.updateApproverMessages("outcome", outcome, action);
    await this.history("outcome", decidedMessage(this.summary, outcome).text);
    if (this.receipt) {
      const receipt = this.receipt;
      await this.bestEffort("update receipt", () => this.slack.updateMessage(receipt, requesterReceiptMessage(this.summary, this.params.levels[0]!.approvers, outcome)));
    }
    // The requester cancelled it themselves: no DM about it.
    if (outcome.status !== "cancelled") {
      await this.bestEffort("notify requester", async (attempt) => {
        await postOnce(this.slack, attempt, this.requesterDm(), requesterOutcomeMessage(this.summary, outcome), `${this.params.requestId}:outcome`);
      });
    }
    await this.refreshHomes("outcome", [...this.approversSoFar(), this.params.requester]);
  }

  /**
   * A Slack call whose failure must not undo the outcome (the decision is already recorded):
   * retried like any Slack step, then logged and skipped if it still fails.
   */
  private async bestEffort(name: string, fn: (attempt: number) => Promise<void>): Promise<void> {
    await this.optional(name, async (attempt) => {
      await fn(attempt);
      return null;
    });
  }

  /** Graceful degradation: a Slack step whose failure yields null instead of failing the request. */
  private optional<T extends string | null>(name: string, fn: (attempt: number) => Promise<T>, config?: WorkflowStepConfig): Promise<T | null> {
    return optionalSlackStep(this.step, name, fn, (error) => this.log(`${name} failed, continuing without it`, name, { error }, "warn"), config);
  }

  private log(message: string, step: string, fields: Record<string, string | number | boolean> = {}, level: "info" | "warn" = "info"): void {
    log(level, message, { requestId: this.params.requestId, instanceId: this.instanceId, step, ...fields });
  }
}
