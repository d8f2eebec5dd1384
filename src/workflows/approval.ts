import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { loadConfig, type Config } from "../config";
import type { Env } from "../env";
import { log } from "../core/log";
import * as store from "../core/store";
import {
  approvalRequestMessage,
  decidedMessage,
  escalatedNoticeMessage,
  requesterOutcomeMessage,
  type Outcome,
  type RequestSummary,
} from "../slack/blocks";
import { SlackClient, type MessageContent, type PostedMessage } from "../slack/client";
import {
  approvalParamsSchema,
  DECISION_EVENT,
  decisionEventSchema,
  type ApprovalOutput,
  type ApprovalParams,
  type DecisionEvent,
} from "./approval-params";
import { slackStep } from "./slack-step";

/** D1 writes: quick retries (0.5, 1, 2, 4, 8 s) for a transient storage error. */
const D1_STEP: WorkflowStepConfig = { retries: { limit: 5, delay: 500, backoff: "exponential" }, timeout: "30 seconds" };

/**
 * One approval request, from the first DM to the outcome:
 * notify approver → wait (APPROVAL_TIMEOUT) → escalate to ESCALATION_USER → wait
 * (ESCALATION_TIMEOUT) → expire. A decision at any wait ends it: every DM is updated, the
 * requester told, D1 holds the outcome and the audit trail. Step names are stable.
 */
export class ApprovalWorkflow extends WorkflowEntrypoint<Env, ApprovalParams> {
  override async run(event: Readonly<WorkflowEvent<ApprovalParams>>, step: WorkflowStep): Promise<ApprovalOutput> {
    const parsed = approvalParamsSchema.safeParse(event.payload);
    if (!parsed.success) throw new NonRetryableError(`invalid approval params: ${parsed.error.issues[0]?.message}`);
    const params = parsed.data;
    const config = loadConfig(this.env);
    const slack = new SlackClient({ token: config.SLACK_BOT_TOKEN, baseUrl: config.SLACK_API_URL });
    const flow = new ApprovalFlow(this.env.DB, slack, step, config, params, event.instanceId);
    try {
      return await flow.run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await step.do("record failure", D1_STEP, async () => {
        await store.closeRequest(this.env.DB, { id: params.requestId, status: "failed", by: null, at: new Date().toISOString(), error: message });
        log("error", "approval failed", { requestId: params.requestId, instanceId: event.instanceId, error: message });
        return null;
      });
      throw err;
    }
  }
}

class ApprovalFlow {
  private readonly summary: RequestSummary;
  /** The approvers' DMs, in the order they were sent (role approver-1, approver-2). */
  private readonly messages: { role: string; message: PostedMessage }[] = [];

  constructor(
    private readonly db: D1Database,
    private readonly slack: SlackClient,
    private readonly step: WorkflowStep,
    private readonly config: Config,
    private readonly params: ApprovalParams,
    private readonly instanceId: string,
  ) {
    this.summary = { id: params.requestId, requester: params.requester, description: params.description, createdAt: params.createdAt };
  }

  async run(): Promise<ApprovalOutput> {
    const { params, config } = this;
    await this.step.do("record request", D1_STEP, async () => {
      await store.upsertRequest(this.db, { id: params.requestId, requester: params.requester, description: params.description, approvers: [params.approver], createdAt: params.createdAt });
      await store.audit(this.db, { requestId: params.requestId, key: "created", event: "created", actor: params.requester, detail: params.description, at: params.createdAt });
      this.log("request recorded", "record request");
      return null;
    });

    await this.notifyApprover("approver-1", params.approver, approvalRequestMessage(this.summary));
    const first = await this.waitForDecision("decision-1", config.APPROVAL_TIMEOUT);
    if (first) return this.decide(first, 1);

    const escalateTo = config.ESCALATION_USER;
    if (!escalateTo || escalateTo === params.approver) return this.expire(1);

    await this.step.do("escalate", D1_STEP, async () => {
      const at = new Date().toISOString();
      await store.setApprovers(this.db, params.requestId, [params.approver, escalateTo], 2, at);
      await store.audit(this.db, { requestId: params.requestId, key: "escalated-2", event: "escalated", actor: escalateTo, detail: `no decision by ${params.approver} within ${config.APPROVAL_TIMEOUT}`, at });
      this.log("request escalated", "escalate", { escalatedTo: escalateTo });
      return null;
    });
    await this.notifyApprover("approver-2", escalateTo, approvalRequestMessage(this.summary, params.approver));
    // The first approver's buttons keep working; the message says who else was asked.
    await this.bestEffort("mark escalated approver-1", () => this.slack.updateMessage(this.messages[0]!.message, escalatedNoticeMessage(this.summary, escalateTo)));

    const second = await this.waitForDecision("decision-2", config.ESCALATION_TIMEOUT);
    if (second) return this.decide(second, 2);
    return this.expire(2);
  }

  /** Each wait handles its own timeout: null means nobody decided in time. */
  private async waitForDecision(name: string, timeout: Config["APPROVAL_TIMEOUT"]): Promise<DecisionEvent | null> {
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

  private async notifyApprover(role: string, user: string, content: MessageContent): Promise<void> {
    const channel = await slackStep(this.step, `open dm ${role}`, () => this.slack.openDm(user));
    const message = await slackStep(this.step, `post request ${role}`, () => this.slack.postMessage(channel, content));
    await this.step.do(`record message ${role}`, D1_STEP, async () => {
      await store.saveMessage(this.db, this.params.requestId, { role, user_id: user, channel: message.channel, ts: message.ts });
      await store.audit(this.db, { requestId: this.params.requestId, key: `notified-${role}`, event: "notified", actor: user, detail: role, at: new Date().toISOString() });
      this.log("approver notified", `record message ${role}`, { approver: user });
      return null;
    });
    this.messages.push({ role, message });
  }

  private async decide(decision: DecisionEvent, level: number): Promise<ApprovalOutput> {
    const status = decision.decision === "approve" ? "approved" : "rejected";
    await this.step.do("record decision", D1_STEP, async () => {
      await store.closeRequest(this.db, { id: this.params.requestId, status, by: decision.user, at: decision.at });
      this.log(`request ${status}`, "record decision", { decidedBy: decision.user, approvalLevel: level });
      return null;
    });
    await this.finish({ status, by: decision.user, at: decision.at });
    return { status, decidedBy: decision.user, at: decision.at, level };
  }

  private async expire(level: number): Promise<ApprovalOutput> {
    const at = await this.step.do("record expiry", D1_STEP, async () => {
      const now = new Date().toISOString();
      await store.closeRequest(this.db, { id: this.params.requestId, status: "expired", by: null, at: now });
      this.log("request expired", "record expiry", { approvalLevel: level });
      return now;
    });
    await this.finish({ status: "expired", at });
    return { status: "expired", decidedBy: null, at, level };
  }

  /** Replaces the buttons of every approver DM with the outcome, then tells the requester. */
  private async finish(outcome: Outcome): Promise<void> {
    for (const { role, message } of this.messages) {
      await this.bestEffort(`update message ${role}`, () => this.slack.updateMessage(message, decidedMessage(this.summary, outcome)));
    }
    await this.bestEffort("notify requester", async () => {
      const channel = await this.slack.openDm(this.params.requester);
      await this.slack.postMessage(channel, requesterOutcomeMessage(this.summary, outcome));
    });
  }

  /**
   * A Slack call whose failure must not undo the outcome (the decision is already recorded):
   * retried like any Slack step, then logged and skipped if it still fails.
   */
  private async bestEffort(name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await slackStep(this.step, name, async () => {
        await fn();
        return null;
      });
    } catch (err) {
      await this.step.do(`${name} failed`, async () => {
        this.log(`${name} failed`, name, { error: (err as Error).message }, "warn");
        return null;
      });
    }
  }

  private log(message: string, step: string, fields: Record<string, string | number> = {}, level: "info" | "warn" = "info"): void {
    log(level, message, { requestId: this.params.requestId, instanceId: this.instanceId, step, ...fields });
  }
}
