import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { loadConfig } from "../config";
import { CircuitBreaker } from "../core/breaker";
import { durationMs } from "../core/duration";
import { log } from "../core/log";
import { metric } from "../core/metrics";
import * as store from "../core/store";
import { storedUserText } from "../core/user-text";
import { type CallResult, callWebhook, pollStatus, WebhookRetryableError } from "../core/webhook";
import type { Env } from "../env";
import { type ActionView, actionHistoryLine, decidedMessage, historyReply, type Outcome, type RequestSummary } from "../slack/blocks";
import { botClient } from "../slack/bot-client";
import { type ActionParams, actionParamsSchema } from "./action-params";
import { ACTION_RESULT_EVENT, type ActionResult } from "./approval-params";
import { ACTION_STEPS as STEP } from "./step-names";
import { D1_STEP, optionalSlackStep, WORKFLOW_CALL_STEP } from "./steps";
import { WORKFLOW_VERSION } from "./versions";

/** Webhook calls: 6 retries, 2 s doubling (2 … 64 s), each attempt at most a minute. */
const WEBHOOK_STEP: WorkflowStepConfig = { retries: { limit: 6, delay: "2 seconds", backoff: "exponential" }, timeout: "1 minute" };
/** Long-running actions: polls after 5, 10, 20 … s, capped at 5 minutes, 12 polls at most (about 35 min). */
const POLL_BASE_SECONDS = 5;
const POLL_CAP_SECONDS = 300;
export const MAX_POLLS = 12;

const countsAgainstHost = (err: unknown) => err instanceof WebhookRetryableError;

/**
 * Runs an approved request's action: one signed webhook call with an Idempotency-Key, polling
 * (exponential, bounded) when the receiver answers 202, progress in D1 and in the approvers'
 * Slack messages, and the result reported to the parent ApprovalWorkflow by event.
 */
export class ActionWorkflow extends WorkflowEntrypoint<Env, ActionParams> {
  override async run(event: Readonly<WorkflowEvent<ActionParams>>, step: WorkflowStep): Promise<ActionResult> {
    const parsed = actionParamsSchema.safeParse(event.payload);
    if (!parsed.success) throw new NonRetryableError(`invalid action params: ${parsed.error.issues[0]?.message}`);
    const p = parsed.data;
    const config = loadConfig(this.env);
    const breaker = new CircuitBreaker(this.env.KV, { threshold: config.BREAKER_THRESHOLD, resetMs: durationMs(config.BREAKER_RESET) });
    const slack = botClient(this.env, { paced: true });
    const host = new URL(p.action.url).host;
    const idempotencyKey = `${event.instanceId}-call-webhook`;
    const logFields = { requestId: p.requestId, instanceId: event.instanceId };
    const summary: RequestSummary = {
      id: p.requestId,
      title: p.body.title,
      requester: p.body.requester,
      source: p.body.source,
      fields: p.body.fields,
      description: storedUserText(p.body.description, p.descriptionRich),
      createdAt: p.body.approvedAt,
    };
    const outcome: Outcome = { status: "approved", by: p.body.approvedBy.at(-1)!, approvedBy: p.body.approvedBy, at: p.body.approvedAt };

    // The approvers' DMs (roles L<level>-<user>; the requester's receipt is not one of them).
    const messages = (await step.do(STEP.listMessages, D1_STEP, () => store.listMessages(this.env.DB, p.requestId))).filter((m) => m.role.startsWith("L"));
    // Graceful degradation: progress shown in Slack is a courtesy; D1 has the truth.
    const skipped = (name: string) => (error: string) => log("warn", `${name} failed, continuing without it`, { ...logFields, step: name, error });
    /** The action's state in each approver DM, and as a history reply in its thread. */
    const showInSlack = async (name: string, view: ActionView) => {
      for (const m of messages) {
        const update = STEP.showUpdate(name, m.role);
        const updated = await optionalSlackStep(
          step,
          update,
          async () => {
            await slack.updateMessage(m, decidedMessage(summary, outcome, view));
            return true;
          },
          skipped(update),
        );
        if (!updated) continue; // the message is gone or Slack is down: no reply in its thread either
        const reply = STEP.showHistory(name, m.role);
        await optionalSlackStep(
          step,
          reply,
          async () => {
            await slack.postReply(m, historyReply(actionHistoryLine(view)));
            return true;
          },
          skipped(reply),
        );
      }
    };

    let result: ActionResult;
    try {
      const secret = (this.env as unknown as Record<string, string | undefined>)[p.action.secret];
      if (!secret) throw new NonRetryableError(`the secret ${p.action.secret} is not set`);
      const body = JSON.stringify(p.body);

      const first = await step.do(STEP.callWebhook, WEBHOOK_STEP, async (): Promise<CallResult> => {
        // Idempotency: a retried or replayed step reuses the recorded result instead of calling again.
        const recorded = await store.findActionCall(this.env.DB, idempotencyKey);
        if (recorded) return recorded;
        const started = Date.now();
        const r = await breaker.run(host, () => callWebhook({ url: p.action.url, method: p.action.method, secret, idempotencyKey, body }), countsAgainstHost);
        await store.recordActionCall(this.env.DB, idempotencyKey, p.requestId, r, new Date().toISOString());
        log("info", "action webhook called", { ...logFields, step: STEP.callWebhook, host, status: r.status, durationMs: Date.now() - started });
        return r;
      });

      if (first.kind === "done") {
        result = { state: "succeeded", detail: first.message };
      } else {
        // Not "failed": the job may still finish; we only stopped asking.
        result = { state: "unconfirmed", detail: `no final state after ${MAX_POLLS} status checks` };
        let lastProgress: number | undefined;
        for (let i = 1; i <= MAX_POLLS; i++) {
          await step.sleep(STEP.pollWait(i), `${Math.min(POLL_BASE_SECONDS * 2 ** (i - 1), POLL_CAP_SECONDS)} seconds`);
          const s = await step.do(STEP.poll(i), WEBHOOK_STEP, () =>
            breaker.run(host, () => pollStatus({ url: first.statusUrl, secret, idempotencyKey }), countsAgainstHost),
          );
          if (s.state === "complete") {
            result = { state: "succeeded", detail: s.message ?? "" };
            break;
          }
          if (s.state === "failed") {
            result = { state: "failed", detail: s.message ?? "the action reported failure" };
            break;
          }
          if (s.progress !== undefined && s.progress !== lastProgress) {
            lastProgress = s.progress;
            const progress = s.progress;
            await step.do(STEP.recordProgress(i), D1_STEP, async () => {
              await store.setActionState(this.env.DB, p.requestId, { status: "running", progress, at: new Date().toISOString() });
              log("info", "action progress", { ...logFields, step: STEP.recordProgress(i), progress });
              return null;
            });
            await showInSlack(STEP.showProgress(i), { state: "running", progress });
          }
        }
      }
    } catch (err) {
      // A step's error reaches us with its class name in front ("NonRetryableError: …"): people see the message.
      result = { state: "failed", detail: (err instanceof Error ? err.message : String(err)).replace(/^(?:NonRetryable)?Error: /, "").slice(0, 300) };
    }

    await step.do(STEP.recordOutcome, D1_STEP, async () => {
      const at = new Date().toISOString();
      await store.setActionState(this.env.DB, p.requestId, {
        status: result.state,
        progress: result.state === "succeeded" ? 100 : null,
        detail: result.detail,
        at,
      });
      await store.audit(this.env.DB, {
        requestId: p.requestId,
        key: `action-${result.state}`,
        event: `action-${result.state}`,
        actor: null,
        detail: result.detail,
        at,
      });
      metric(this.env.METRICS, result.state === "succeeded" ? "action_succeeded" : "action_failed", { type: p.body.type, detail: host });
      log(result.state === "succeeded" ? "info" : "warn", `action ${result.state}`, { ...logFields, step: STEP.recordOutcome, host, detail: result.detail });
      return null;
    });
    await showInSlack(STEP.showOutcome, result);

    // Parent/child: the parent is waiting for this event (no polling on its side).
    await step.do(STEP.reportToParent, WORKFLOW_CALL_STEP, async () => {
      try {
        const payload: ActionResult = { v: WORKFLOW_VERSION, state: result.state, detail: result.detail };
        await (await this.env.APPROVAL.get(p.parentId)).sendEvent({ type: ACTION_RESULT_EVENT, payload });
      } catch (err) {
        // The parent stopped waiting (its timeout) and checks our status instead.
        log("warn", "parent not told", { ...logFields, step: STEP.reportToParent, error: (err as Error).message });
      }
      return null;
    });
    if (result.state === "failed") throw new NonRetryableError(`action failed: ${result.detail}`);
    return result;
  }
}
