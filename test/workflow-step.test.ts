import { introspectWorkflow } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { derivedRequestId } from "../src/core/ids";
import { castVote } from "../src/core/store";
import { functionBlockActionsPayload, interactionForm } from "../standin/payloads.js";
import {
  apiCall,
  click,
  dmOf,
  eventually,
  forceTimeouts,
  levelWaits,
  messagesIn,
  newUser,
  postEvent,
  postSigned,
  requestJson,
  slackCalls,
  standin,
  waitForStatus,
} from "./helpers";

/**
 * The "Request approval" Workflow Builder step (issue 14, part 1): a function_executed event (made
 * by the stand-in, which holds the run and its workflow token) posted signed through the real
 * events route starts one request per step run; its DMs are posted with the workflow token, so
 * their clicks carry function_data and a newer token; the step is completed exactly once.
 */

const text = (x: unknown) => JSON.stringify(x);
type StandinMessage = { ts: string; blocks: unknown[]; function_execution_id?: string };

async function runStep(inputs: Record<string, unknown>) {
  const run = await standin.executeFunction(inputs);
  const started = Date.now();
  const res = await postEvent(run.body);
  expect(res.status).toBe(200);
  expect(Date.now() - started).toBeLessThan(3000);
  await res.body?.cancel();
  return { ...run, requestId: await derivedRequestId(`function:${run.execution_id}`) };
}

const execution = async (id: string) => (await standin.functions()).find((e) => e.id === id)!;
const ended = (id: string) => eventually(async () => ((await execution(id)).status !== "running" ? execution(id) : undefined), `step run ${id} ended`);

/** A click on the step's DM, as Slack sends it: function_data, a new workflow token, no response_url. */
async function stepClick(
  user: string,
  run: { execution_id: string },
  message: StandinMessage,
  requestId: string,
  action: "approve" | "reject",
  opts = { newToken: true },
) {
  const e = await execution(run.execution_id);
  const payload = functionBlockActionsPayload({
    user,
    channelId: dmOf(user),
    messageTs: message.ts,
    actions: [{ action_id: `approval_${action}`, block_id: `decision:${requestId}`, value: requestId, type: "button", action_ts: "1700000001.000400" }],
    execution: e,
    ...(opts.newToken ? { token: await standin.functionToken(run.execution_id) } : {}),
    pointer: await standin.triggerId(user),
  });
  const res = await postSigned("/slack/interactions", interactionForm(payload));
  await res.body?.cancel();
  return res.status;
}

describe("the Request approval step", () => {
  it("starts one request per step run (a retried event too), posts with the workflow token, and completes the step once with the outputs", async () => {
    const [requester, approver] = [await newUser(), await newUser()];
    const run = await runStep({ requester, approvers: [approver], description: "Deploy billing-api v2.3", fields: "Ticket: OPS-42", type: null });
    // Slack retries the event (the same body): still one request, one DM.
    expect((await postEvent(run.body, { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" })).status).toBe(200);
    expect((await postEvent({ ...run.body, event_id: `${run.body.event_id}B` })).status).toBe(200);

    const dm = await eventually(
      async () => ((await messagesIn(dmOf(approver))) as StandinMessage[]).find((m) => text(m.blocks).includes(run.requestId)),
      "the approver's DM",
    );
    expect(dm.function_execution_id).toBe(run.execution_id);
    expect(text(dm.blocks)).toContain("Ticket: OPS-42");
    const pending = await requestJson(run.requestId);
    expect(pending).toMatchObject({ status: "pending", requester, approvers: [approver] });
    expect((await messagesIn(dmOf(approver))).filter((m) => text(m.blocks).includes(run.requestId))).toHaveLength(1);

    expect(await stepClick(approver, run, dm, run.requestId, "approve")).toBe(200);
    const done = await waitForStatus(run.requestId, "approved");
    expect(done.audit).toContainEqual(expect.objectContaining({ event: "step-completed", detail: expect.stringContaining("with the workflow token") }));
    const e = await ended(run.execution_id);
    expect(e).toMatchObject({ status: "completed", outputs: { status: "approved", decided_by: approver, request_id: run.requestId } });
    // Exactly once, with the workflow token (the click's, the freshest we hold).
    expect(e.completions).toEqual([expect.objectContaining({ method: "functions.completeSuccess", via: "workflow" })]);
  });

  it("a rejection completes the step with status rejected and the reason; inputs that cannot make a request end the step at once", async () => {
    const [requester, approver] = [await newUser(), await newUser()];
    const run = await runStep({ requester, approvers: [approver], description: "Open port 22" });
    const dm = await eventually(
      async () => ((await messagesIn(dmOf(approver))) as StandinMessage[]).find((m) => text(m.blocks).includes(run.requestId)),
      "the DM",
    );
    expect(await stepClick(approver, run, dm, run.requestId, "reject")).toBe(200);
    // The reason modal opens with the interactivity_pointer as its trigger.
    await eventually(
      async () => (await slackCalls((c) => c.method === "views.open" && c.args.view?.private_metadata === run.requestId)).length > 0,
      "the modal",
    );
    const { submitView } = await import("./helpers");
    await submitView(
      approver,
      { callback_id: "approval_reject_reason", private_metadata: run.requestId },
      { reason: { type: "plain_text_input", value: "Not on a Friday" } },
    );
    await waitForStatus(run.requestId, "rejected");
    expect(await ended(run.execution_id)).toMatchObject({
      status: "completed",
      outputs: { status: "rejected", decided_by: approver, reason: "Not on a Friday" },
    });

    // No requester: Slack's Slackbot tells the person who ran it.
    const bad = await runStep({ approvers: [approver], description: "Anything" });
    expect(await ended(bad.execution_id)).toMatchObject({ status: "failed", error: expect.stringContaining("Requested by") });
    // A type the policy does not have.
    const unknown = await runStep({ requester, approvers: [approver], description: "Anything", type: "nosuchtype" });
    expect(await ended(unknown.execution_id)).toMatchObject({ status: "failed", error: expect.stringContaining('Unknown request type "nosuchtype"') });
  });

  it("a step completed already (an earlier attempt whose answer was lost) is done: execution_not_in_running_state is not an error", async () => {
    const [requester, approver] = [await newUser(), await newUser()];
    const run = await runStep({ requester, approvers: [approver], description: "Completed behind our back" });
    const dm = await eventually(
      async () => ((await messagesIn(dmOf(approver))) as StandinMessage[]).find((m) => text(m.blocks).includes(run.requestId)),
      "the DM",
    );
    // As if a completeSuccess of ours reached Slack and its answer was lost: the execution is no longer running (its tokens revoked).
    const completed = await fetch(new URL("functions.completeSuccess", env.SLACK_API_URL!), {
      method: "POST",
      headers: { authorization: `Bearer ${run.token}`, "content-type": "application/json" },
      body: JSON.stringify({ function_execution_id: run.execution_id, outputs: { status: "approved", decided_by: approver, request_id: run.requestId } }),
    });
    expect(await completed.json()).toEqual({ ok: true });
    expect(await stepClick(approver, run, dm, run.requestId, "approve", { newToken: false })).toBe(200);
    const done = await waitForStatus(run.requestId, "approved");
    expect(done.audit).toContainEqual(expect.objectContaining({ event: "step-completed", detail: expect.stringContaining("execution_not_in_running_state") }));
    // The workflow token was revoked: the bot token asked, and Slack said the run had ended.
    expect((await execution(run.execution_id)).completions.map((c) => [c.via, c.error ?? "ok"])).toEqual([
      ["workflow", "ok"],
      ["bot", "execution_not_in_running_state"],
    ]);
  });

  it("the requester cancels from the receipt: the step ends with an error saying so", async () => {
    const [requester, approver] = [await newUser(), await newUser()];
    const run = await runStep({ requester, approvers: [approver], description: "Cancel me" });
    await eventually(async () => (await messagesIn(dmOf(requester))).some((m) => text(m.blocks).includes("approval_cancel")), "the receipt");
    expect((await click(requester, run.requestId, "cancel")).status).toBe(200);
    await waitForStatus(run.requestId, "cancelled");
    expect(await ended(run.execution_id)).toMatchObject({ status: "failed", error: `Approval request ${run.requestId} was cancelled by its requester.` });
  });

  it("a pipeline cancels over the API: the step's error names the pipeline, not the requester", async () => {
    const [requester, approver] = [await newUser(), await newUser()];
    const run = await runStep({ requester, approvers: [approver], description: "Cancel me over the API" });
    await eventually(async () => (await messagesIn(dmOf(approver))).some((m) => text(m.blocks).includes(run.requestId)), "the DM");
    const res = await apiCall("POST", `/api/requests/${run.requestId}/cancel`, { body: { reason: "pipeline aborted" } });
    expect(res.status).toBe(200);
    await waitForStatus(run.requestId, "cancelled");
    expect(await ended(run.execution_id)).toMatchObject({ status: "failed", error: `Approval request ${run.requestId} was cancelled by api (over the API).` });
  });

  it("expiry hours later: the workflow token is dead, the bot token completes the step with an error", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(2));
    const [requester, approver] = [await newUser(), await newUser()];
    await standin.setFunctionSettings({ jitTokenTtlMs: 0 });
    try {
      const run = await runStep({ requester, approvers: [approver], description: "Nobody will answer" });
      const done = await waitForStatus(run.requestId, "expired");
      const e = await ended(run.execution_id);
      expect(e).toMatchObject({ status: "failed", error: expect.stringContaining("in time, so it expired") });
      expect(e.completions.at(-1)).toMatchObject({ method: "functions.completeError", via: "bot" });
      expect(done.audit).toContainEqual(expect.objectContaining({ event: "step-completed", detail: expect.stringContaining("with the bot token") }));
    } finally {
      await standin.setFunctionSettings({ jitTokenTtlMs: 15 * 60_000 });
    }
  });

  it("when Slack refuses the bot token too, the outcome is recorded: the request still ends, the audit says the step was not completed", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(2));
    const [requester, approver] = [await newUser(), await newUser()];
    await standin.setFunctionSettings({ jitTokenTtlMs: 0, botTokenCompletes: false });
    try {
      const run = await runStep({ requester, approvers: [approver], description: "Nobody will answer either" });
      const done = await waitForStatus(run.requestId, "expired");
      expect(done.audit).toContainEqual(expect.objectContaining({ event: "step-not-completed", detail: expect.stringContaining("bot: access_denied") }));
      expect((await execution(run.execution_id)).status).toBe("running");
    } finally {
      await standin.setFunctionSettings({ jitTokenTtlMs: 15 * 60_000, botTokenCompletes: true });
    }
  });

  it("a request whose instance died is closed by maintenance, and its step is completed too", async () => {
    const [requester, approver] = [await newUser(), await newUser()];
    const run = await runStep({ requester, approvers: [approver], description: "Decided, then the instance died" });
    await eventually(async () => (await messagesIn(dmOf(approver))).some((m) => text(m.blocks).includes(run.requestId)), "the DM");
    const at = new Date(Date.now() - 5 * 60_000).toISOString();
    expect(await castVote(env.DB, run.requestId, approver, "reject", at, "Too late in the day")).toEqual({ ok: true, decisive: true });
    const instance = await env.APPROVAL.get(run.requestId);
    await instance.terminate();
    await eventually(async () => (await instance.status()).status === "terminated", "terminated");

    await using maintenance = await introspectWorkflow(env.MAINTENANCE);
    const worker = exports.default as unknown as { scheduled(o: { scheduledTime: number; cron: string }): Promise<unknown> };
    await worker.scheduled({ scheduledTime: (Math.floor(Date.now() / 60_000) + 7_000_000) * 60_000, cron: "*/15 * * * *" });
    const [m] = await maintenance.get();
    await m!.waitForStatus("complete");
    expect(await ended(run.execution_id)).toMatchObject({
      status: "completed",
      outputs: { status: "rejected", decided_by: approver, reason: "Too late in the day" },
    });
    expect((await requestJson(run.requestId)).status).toBe("rejected");
  });
});
