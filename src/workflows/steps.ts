import type { WorkflowStep, WorkflowStepConfig } from "cloudflare:workers";
import { type MessageContent, type PostedMessage, type SlackClient, SlackRetryableError } from "../slack/client";
import { failedStep } from "./step-names";

/**
 * Retry policy for steps that call Slack: 8 retries, 1 s doubling (1, 2, 4 … 128 s: a Slack
 * outage of about 4 minutes is ridden out), each attempt bounded. Non-retryable Slack errors
 * (NonRetryableError) skip the retries.
 */
export const SLACK_STEP: WorkflowStepConfig = {
  retries: { limit: 8, delay: "1 second", backoff: "exponential" },
  // One attempt can be a pace wait, conversations.open, conversations.history and the post
  // (10 s each at most) and a Retry-After wait (20 s at most).
  timeout: "60 seconds",
};

/**
 * The approver's DM, without which the request cannot go on: 10 retries (1 s doubling, about
 * 17 minutes), so a longer Slack outage delays the request instead of failing it.
 */
export const REQUIRED_SLACK_STEP: WorkflowStepConfig = { ...SLACK_STEP, retries: { limit: 10, delay: "1 second", backoff: "exponential" } };

/** Optional lookups (graceful degradation): one quick retry, then the caller falls back. */
export const OPTIONAL_SLACK_STEP: WorkflowStepConfig = {
  retries: { limit: 1, delay: "1 second", backoff: "constant" },
  timeout: "30 seconds",
};

/** D1 reads and writes: quick retries (0.5, 1, 2, 4, 8 s) for a transient storage error. */
export const D1_STEP: WorkflowStepConfig = { retries: { limit: 5, delay: 500, backoff: "exponential" }, timeout: "30 seconds" };

/**
 * Calls to another workflow instance through its binding (create, status, sendEvent), with the D1
 * writes that record them: the same quick retries, for a transient error of the Workflows API.
 */
export const WORKFLOW_CALL_STEP: WorkflowStepConfig = { retries: { limit: 5, delay: 500, backoff: "exponential" }, timeout: "30 seconds" };

/**
 * A waitForEvent that ran out of time. The engine throws a WorkflowTimeoutError ("Execution timed
 * out after … ms"); anything else thrown by a wait is a real failure and is not a timeout. The
 * error's name and message are what workerd's local engine throws (test/escalation.test.ts runs
 * into it); the docs only say the wait throws when its timeout passes.
 * @see https://developers.cloudflare.com/workflows/build/events-and-parameters/ (waitForEvent, timeout)
 */
export const isWaitTimeout = (err: unknown): boolean => err instanceof Error && (err.name === "WorkflowTimeoutError" || /timed out/i.test(err.message));

/** Longest Retry-After we wait for inside one attempt; the step's own backoff adds to it. */
const MAX_RETRY_AFTER_SECONDS = 20;

/**
 * Runs one Slack call as its own step. When Slack answers 429, the attempt waits out Retry-After
 * (bounded) before failing, so the step's next try never comes earlier than Slack asked.
 */
export function slackStep<T extends Rpc.Serializable<T>>(
  step: WorkflowStep,
  name: string,
  fn: (attempt: number) => Promise<T>,
  config: WorkflowStepConfig = SLACK_STEP,
): Promise<T> {
  return step.do(name, config, async (ctx) => {
    try {
      return await fn(ctx.attempt);
    } catch (err) {
      if (err instanceof SlackRetryableError && err.retryAfterSeconds) {
        await scheduler.wait(Math.min(err.retryAfterSeconds, MAX_RETRY_AFTER_SECONDS) * 1000);
      }
      throw err;
    }
  });
}

/**
 * Graceful degradation: a Slack step whose failure must not fail the workflow (the decision is
 * already recorded; a lookup only improves a text). Retried like any Slack step, then reported
 * once through `onFailure` (inside its own step, so a replay does not report it again) and
 * skipped: the result is null.
 */
export async function optionalSlackStep<T extends Rpc.Serializable<T>>(
  step: WorkflowStep,
  name: string,
  fn: (attempt: number) => Promise<T>,
  onFailure: (error: string) => void,
  config: WorkflowStepConfig = SLACK_STEP,
): Promise<T | null> {
  try {
    return await slackStep(step, name, fn, config);
  } catch (err) {
    await step.do(failedStep(name), async () => {
      onFailure((err as Error).message);
      return null;
    });
    return null;
  }
}

/**
 * Posts once, even across retries: a retry first looks for the message by its key (Slack message
 * metadata), because a timed-out or dropped answer does not mean Slack did not post it. `to` is a
 * channel or a user id (the app's DM with them); only a retry pays for opening that DM.
 */
export async function postOnce(slack: SlackClient, attempt: number, to: string, content: MessageContent, key: string): Promise<PostedMessage> {
  if (attempt > 1) {
    const found = await slack.findPosted(to, key);
    if (found) return found;
  }
  return slack.postMessage(to, content, key);
}
