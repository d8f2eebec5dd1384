import type { WorkflowStep, WorkflowStepConfig } from "cloudflare:workers";
import { SlackRetryableError } from "../slack/client";

/**
 * Retry policy for steps that call Slack: 5 retries, 1 s doubling (1, 2, 4, 8, 16 s), each
 * attempt bounded. Non-retryable Slack errors (NonRetryableError) skip the retries.
 */
export const SLACK_STEP: WorkflowStepConfig = {
  retries: { limit: 5, delay: "1 second", backoff: "exponential" },
  timeout: "30 seconds",
};

/** D1 writes: quick retries (0.5, 1, 2, 4, 8 s) for a transient storage error. */
export const D1_STEP: WorkflowStepConfig = { retries: { limit: 5, delay: 500, backoff: "exponential" }, timeout: "30 seconds" };

/** Longest Retry-After we wait for inside one attempt; the step's own backoff adds to it. */
const MAX_RETRY_AFTER_SECONDS = 20;

/**
 * Runs one Slack call as its own step. When Slack answers 429, the attempt waits out Retry-After
 * (bounded) before failing, so the step's next try never comes earlier than Slack asked.
 */
export function slackStep<T extends Rpc.Serializable<T>>(step: WorkflowStep, name: string, fn: () => Promise<T>): Promise<T> {
  return step.do(name, SLACK_STEP, async () => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SlackRetryableError && err.retryAfterSeconds) {
        await scheduler.wait(Math.min(err.retryAfterSeconds, MAX_RETRY_AFTER_SECONDS) * 1000);
      }
      throw err;
    }
  });
}
