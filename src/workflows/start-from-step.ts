import { derivedRequestId } from "../core/ids";
import { log } from "../core/log";
import * as store from "../core/store";
import { plainUserText } from "../core/user-text";
import type { Env } from "../env";
import type { ApprovalStepInputs } from "../slack/functions";
import { DESCRIPTION_MAX } from "../slack/payloads";
import { completeFunctionRun } from "./function-completion";
import { startRequest } from "./start-request";

/** A run of our Workflow Builder step, as the events route classified it (slack/events.ts). */
export interface StepRun {
  executionId: string;
  workflowExecutionId: string | null;
  token: string | null;
  inputs: ApprovalStepInputs;
}

/**
 * Starts the approval a "Request approval" step asks for, once per step run: the request id (and
 * so the instance id) is derived from `function_execution_id`, so Slack's retries of the event
 * (a new event_id, or the same) find the first request. The run's workflow token is kept (D1
 * function_runs) to post the DMs and complete the step. Inputs that cannot make a request end
 * the step at once with an error Slack shows the person who ran the workflow.
 */
export async function startFromStep(env: Env, run: StepRun, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<void> {
  const id = await derivedRequestId(`function:${run.executionId}`);
  await store.saveFunctionToken(env.DB, {
    executionId: run.executionId,
    requestId: id,
    workflowExecutionId: run.workflowExecutionId,
    token: run.token,
    at: new Date().toISOString(),
  });
  const fail = (problem: string) => {
    log("warn", "workflow step refused", { requestId: id, executionId: run.executionId, problem });
    ctx.waitUntil(
      completeFunctionRun(env, run.executionId, { kind: "error", error: problem }).catch((err) =>
        log("error", "workflow step not completed", { executionId: run.executionId, error: (err as Error).message }),
      ),
    );
  };
  const i = run.inputs;
  if (!i.requester) return fail("The Request approval step needs “Requested by”: pick “Person who used this workflow”.");
  if (!i.description) return fail("The Request approval step needs “What needs approving”.");
  const text = i.fields ? `${i.description}\n${i.fields}` : i.description;
  if (text.length > DESCRIPTION_MAX) return fail(`What needs approving is too long (${text.length} characters, at most ${DESCRIPTION_MAX}).`);
  let started: Awaited<ReturnType<typeof startRequest>>;
  try {
    started = await startRequest(env, {
      requester: i.requester,
      type: i.type,
      approver: undefined,
      approvers: [...i.approvers, ...i.approverGroups],
      description: plainUserText(text),
      id,
      slackFunction: { executionId: run.executionId },
    });
  } catch (err) {
    log("error", "workflow step's request not started", { requestId: id, executionId: run.executionId, error: (err as Error).message });
    return fail("The approval service could not start the request just now: run the workflow again.");
  }
  if (!started.ok) return fail(started.problem.replace(/`/g, ""));
  log("info", started.existed ? "workflow step's request already started" : "workflow step's request started", { requestId: id, executionId: run.executionId });
}
