import { introspectWorkflow, introspectWorkflowInstance } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../src/core/breaker";
import { findActionCall, getAudit } from "../src/core/store";
import { ActionWorkflow } from "../src/workflows/action";
import { ApprovalWorkflow } from "../src/workflows/approval";
import {
  approverDm,
  callsFor,
  click,
  dmOf,
  type EnvOverrides,
  eventually,
  injectFaults,
  messagesIn,
  newUser,
  receiverCalls,
  recordWorkflowSteps,
  repliesIn,
  requestJson,
  scriptReceiver,
  slackCalls,
  startTyped,
  startWithoutName,
} from "./helpers";

const actionId = (id: string) => `${id}-action`;

/** Starts a deploy request, waits for the approver's DM, scripts the receiver, approves. */
async function approveDeploy(script: Parameters<typeof scriptReceiver>[1], type = "deploy", env?: EnvOverrides) {
  const requester = await newUser();
  const approver = await newUser();
  const id = await startTyped(requester, type, approver, "Deploy billing-api v2.3", env);
  await approverDm(approver);
  await scriptReceiver(id, script);
  await click(approver, id, "approve");
  return { id, requester, approver };
}

const actionDone = (id: string) =>
  eventually(async () => {
    const r = await requestJson(id);
    return ["succeeded", "failed", "unconfirmed"].includes(r.action_status ?? "") && r.workflow.status !== "running" ? r : undefined;
  }, `the action of ${id}`);

/** Every ActionWorkflow started from now on runs with `modify`'s changes (dispose to stop). */
async function actionsWith(modify: (m: Parameters<Parameters<Awaited<ReturnType<typeof introspectWorkflow>>["modifyAll"]>[0]>[0]) => Promise<void>) {
  const actions = await introspectWorkflow(env.ACTION);
  await actions.modifyAll(modify);
  return actions;
}

/** The test policy plus one type whose action is `action` (receiver path, method), for one request's command. */
function policyWithAction(name: string, action: { path: string; method?: "POST" | "PUT" }): EnvOverrides {
  const policy = JSON.parse(env.POLICY_JSON!) as { types: Record<string, unknown> };
  policy.types[name] = {
    title: `Type ${name}`,
    levels: [{ approvers: [], wait: "1 hour" }],
    action: { url: `${env.RECEIVER_URL}${action.path}`, method: action.method ?? "POST", secret: "TEST_WEBHOOK_SECRET" },
  };
  return { POLICY_JSON: JSON.stringify(policy) };
}

describe("an approved request runs its action (ActionWorkflow child)", () => {
  it("calls the webhook once, signed, with a stable Idempotency-Key; the result reaches the parent by event", async () => {
    const { id, approver } = await approveDeploy([{ status: 200, body: { message: "deployed v2.3" } }]);
    const done = await actionDone(id);
    expect(done).toMatchObject({ status: "approved", action_status: "succeeded", action_progress: 100, action_detail: "deployed v2.3" });
    const calls = await receiverCalls(id);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: "POST", path: "/hooks/deploy", key: `${actionId(id)}-call-webhook`, signed: true });
    expect(JSON.parse(calls[0]!.body)).toMatchObject({ requestId: id, type: "deploy", approvedBy: [approver], description: "Deploy billing-api v2.3" });
    expect(done.audit.map((a: { event: string }) => a.event)).toEqual(["created", "notified", "approved", "action-started", "action-succeeded"]);
    const output = (await (await env.APPROVAL.get(id)).status()).output;
    expect(output).toMatchObject({ status: "approved", action: { state: "succeeded", detail: "deployed v2.3", via: "event" } });
    // The approver's message ends with the action's outcome.
    const [dm] = await messagesIn(dmOf(approver));
    expect(JSON.stringify(dm!.blocks)).toContain("Action done: deployed v2.3");
  });

  it("idempotency: the receiver performed the action but the answer was lost; the retry carries the same key → performed once", async () => {
    const { id } = await approveDeploy([{ status: 200, body: { message: "deployed" }, drop: true }]);
    const done = await actionDone(id);
    expect(done.action_status).toBe("succeeded");
    const calls = await receiverCalls(id);
    expect(calls).toHaveLength(2);
    expect(new Set(calls.map((c) => c.key)).size).toBe(1);
    const performed = await (await fetch(`${env.RECEIVER_URL}/_control/performed`)).json();
    expect(Object.keys(performed as object).filter((k) => k.startsWith(id))).toHaveLength(1);
  });

  it("a replayed instance (restart) never calls the webhook twice and writes no duplicate rows (upserts)", async () => {
    const { id } = await approveDeploy([{ status: 200, body: { message: "deployed" } }]);
    await actionDone(id);
    await using child = await introspectWorkflowInstance(env.ACTION, actionId(id));
    await (await env.ACTION.get(actionId(id))).restart();
    await child.waitForStatus("complete");
    expect(await receiverCalls(id)).toHaveLength(1);
    // The one call's result is recorded under its key (which the receiver saw once), and audited once.
    expect(await findActionCall(env.DB, `${actionId(id)}-call-webhook`)).toMatchObject({ kind: "done", status: 200 });
    expect((await getAudit(env.DB, id)).filter((a) => a.event === "action-succeeded")).toHaveLength(1);
  });

  it("error categories: a 400 fails fast with the receiver's message and marks the request failed", async () => {
    const { id } = await approveDeploy([{ status: 400, body: { error: "unknown service billing-api" } }]);
    const done = await actionDone(id);
    expect(done).toMatchObject({ status: "failed", action_status: "failed" });
    expect(done.error).toBe("receiver answered 400: unknown service billing-api");
    expect(await receiverCalls(id)).toHaveLength(1);
    expect((await (await env.ACTION.get(actionId(id))).status()).status).toBe("errored");
    expect((await (await env.APPROVAL.get(id)).status()).output).toMatchObject({ action: { state: "failed" } });
  });

  it("reads at most what it keeps of a receiver's answer: one that never ends is cut short, not waited for", async () => {
    const { id } = await approveDeploy([{ status: 400, endless: true }]);
    const done = await actionDone(id);
    expect(done).toMatchObject({ status: "failed", action_status: "failed" });
    // The receiver's words (the text, shortened), at once: one call, no timeout, no retry.
    expect(done.error).toMatch(/receiver answered 400: x{200,}$/);
    expect(await receiverCalls(id)).toHaveLength(1);
  });

  it("error categories: 503 twice then 200 is retried with backoff and succeeds", async () => {
    const { id } = await approveDeploy([{ status: 503 }, { status: 503 }, { status: 200, body: { message: "third time lucky" } }]);
    const done = await actionDone(id);
    expect(done.action_status).toBe("succeeded");
    const calls = await receiverCalls(id);
    expect(calls).toHaveLength(3);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1800);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(3600);
  });

  it("polling: 202 → running 30% → running 70% → complete, with D1 and the Slack message updated each time", async () => {
    await using actions = await introspectWorkflow(env.ACTION);
    await actions.modifyAll(async (m) => {
      await m.disableSleeps();
    });
    const { id, approver } = await approveDeploy([
      {
        status: 202,
        statusSequence: [
          { state: "running", progress: 30 },
          { state: "running", progress: 70 },
          { state: "complete", message: "rolled out to 12 hosts" },
        ],
      },
    ]);
    const done = await actionDone(id);
    expect(done).toMatchObject({ action_status: "succeeded", action_progress: 100, action_detail: "rolled out to 12 hosts" });
    const polls = (await receiverCalls("/status/")).filter((c) => c.method === "GET" && c.key === `${actionId(id)}-call-webhook`);
    expect(polls).toHaveLength(3);
    const updates = (await callsFor(approver)).filter((c) => c.method === "chat.update").map((c) => JSON.stringify(c.args.blocks));
    expect(updates.some((u) => u.includes("Running the action… 30%"))).toBe(true);
    expect(updates.some((u) => u.includes("Running the action… 70%"))).toBe(true);
    expect(updates.at(-1)).toContain("Action done: rolled out to 12 hosts");
    // The progress and the outcome are in the DM's thread too, in order (the approval itself is in the updated DM).
    const [dm] = await messagesIn(dmOf(approver));
    const thread = await eventually(async () => {
      const replies = await repliesIn(dmOf(approver), dm!.ts);
      return replies.some((r) => r.text.includes("Action done")) && replies.map((r) => r.text);
    }, "the action's outcome in the thread");
    expect(thread).toEqual([
      expect.stringContaining("Running the action… 30%"),
      expect.stringContaining("Running the action… 70%"),
      expect.stringContaining("Action done: rolled out to 12 hosts"),
    ]);
  });

  it("polling: waits 5, 10, 20 … s between polls, at most 5 minutes apart, and stops after 12 polls (unconfirmed)", async () => {
    await using _actions = await actionsWith(async (m) => {
      await m.disableSleeps();
    });
    using steps = recordWorkflowSteps(ActionWorkflow);
    const { id } = await approveDeploy([{ status: 202, statusSequence: [{ state: "running", progress: 10 }] }]);
    const done = await actionDone(id);
    expect(done).toMatchObject({ status: "approved", action_status: "unconfirmed", action_detail: "no final state after 12 status checks" });
    // The waits the workflow asked for (sleeps are skipped here, their durations are not).
    expect(steps.of(actionId(id), "sleep").map((c) => [c.name, c.options])).toEqual(
      [5, 10, 20, 40, 80, 160, 300, 300, 300, 300, 300, 300].map((s, i) => [`poll wait ${i + 1}`, `${s} seconds`]),
    );
    const polls = (await receiverCalls("/status/")).filter((c) => c.method === "GET" && c.key === `${actionId(id)}-call-webhook`);
    expect(polls).toHaveLength(12);
  });

  it('polling: a job that reports "failed" fails the action and the request, with its message', async () => {
    await using _actions = await actionsWith(async (m) => {
      await m.disableSleeps();
    });
    const { id, approver } = await approveDeploy([
      {
        status: 202,
        statusSequence: [
          { state: "running", progress: 40 },
          { state: "failed", message: "disk full on host 3" },
        ],
      },
    ]);
    const done = await actionDone(id);
    expect(done).toMatchObject({ status: "failed", action_status: "failed", action_detail: "disk full on host 3", error: "disk full on host 3" });
    expect(done.audit.map((a) => a.event)).toEqual(["created", "notified", "approved", "action-started", "action-failed"]);
    expect((await receiverCalls("/status/")).filter((c) => c.key === `${actionId(id)}-call-webhook`)).toHaveLength(2);
    const [dm] = await messagesIn(dmOf(approver));
    expect(JSON.stringify(dm!.blocks)).toContain("disk full on host 3");
  });

  it("a status URL on another host is refused: the action fails without polling it", async () => {
    const { id } = await approveDeploy([{ status: 202, body: { statusUrl: "http://evil.example/jobs/1" } }]);
    const done = await actionDone(id);
    expect(done).toMatchObject({ status: "failed", action_status: "failed" });
    expect(done.action_detail).toBe("status URL on another origin (http://evil.example) refused");
    expect(await receiverCalls(id)).toHaveLength(1);
    expect((await (await env.ACTION.get(actionId(id))).status()).status).toBe("errored");
  });

  it("408 and 429 from the receiver are retried like 5xx (same key), then the action succeeds", async () => {
    await using _actions = await actionsWith(async (m) => {
      await m.disableRetryDelays();
    });
    using steps = recordWorkflowSteps(ActionWorkflow);
    const { id } = await approveDeploy([{ status: 408 }, { status: 429 }, { status: 200, body: { message: "third time" } }]);
    const done = await actionDone(id);
    expect(done).toMatchObject({ status: "approved", action_status: "succeeded", action_detail: "third time" });
    const calls = await receiverCalls(id);
    expect(calls.map((c) => c.key)).toEqual(Array.from({ length: 3 }, () => `${actionId(id)}-call-webhook`));
    // The webhook step's policy: 6 retries, 2 s doubling, a minute per attempt.
    expect(steps.of(actionId(id), "do").find((c) => c.name === "call webhook")).toMatchObject({
      attempts: 3,
      options: { retries: { limit: 6, delay: "2 seconds", backoff: "exponential" }, timeout: "1 minute" },
    });
  });

  it("a type whose action says PUT calls the webhook with PUT", async () => {
    const { id, approver } = await approveDeploy(
      [{ status: 200, body: { message: "access granted" } }],
      "access",
      policyWithAction("access", { path: "/hooks/iam", method: "PUT" }),
    );
    const done = await actionDone(id);
    expect(done).toMatchObject({ status: "approved", action_status: "succeeded", action_detail: "access granted" });
    const calls = await receiverCalls(id);
    expect(calls.map((c) => [c.method, c.path, c.signed])).toEqual([["PUT", "/hooks/iam", true]]);
    expect(JSON.parse(calls[0]!.body)).toMatchObject({ requestId: id, type: "access", approvedBy: [approver] });
  });

  it("parent timeout fallback: no result in time → the parent checks the child's status once and records it", async () => {
    await using approvals = await introspectWorkflow(env.APPROVAL);
    await approvals.modifyAll(async (m) => {
      await m.forceEventTimeout({ name: "action result" });
    });
    using steps = recordWorkflowSteps(ApprovalWorkflow);
    const { id } = await approveDeploy([{ status: 202, statusSequence: [{ state: "running", progress: 10 }] }]);
    const [parent] = await approvals.get();
    await parent!.waitForStatus("complete");
    // The parent waited the action's own `timeout` (the deploy type's: 1 hour).
    expect(steps.of(id, "waitForEvent").find((c) => c.name === "action result")?.options).toEqual({ type: "action-result", timeout: "1 hour" });
    expect(await parent!.getOutput()).toMatchObject({ status: "approved", action: { state: "unconfirmed", via: "status-check" } });
    const row = await requestJson(id);
    expect(row.action_status).toBe("unconfirmed");
    expect(row.audit.map((a: { event: string }) => a.event)).toContain("action-unconfirmed");
    await (await env.ACTION.get(actionId(id))).terminate();
  });
});

describe("circuit breaker per action host", () => {
  it("opens after N failures: later attempts fail fast without reaching the host", async () => {
    await using actions = await introspectWorkflow(env.ACTION);
    await actions.modifyAll(async (m) => {
      await m.disableRetryDelays();
    });
    const failures = Array.from({ length: 10 }, () => ({ status: 503 }));
    const { id } = await approveDeploy(failures, "flaky");
    const done = await actionDone(id);
    expect(done.action_status).toBe("failed");
    expect(done.error).toMatch(/circuit open for localhost:\d+/);
    // Threshold 3: three calls reached the receiver, the remaining retries were refused locally.
    expect(await receiverCalls(id)).toHaveLength(3);
  });

  it("half-opens after the reset time, closes on success, re-opens on a failed trial (real KV)", async () => {
    let now = 1_000_000;
    const breaker = new CircuitBreaker(env.KV, { threshold: 2, resetMs: 30_000 }, () => now);
    const host = `breaker-unit-${crypto.randomUUID()}`;
    expect(await breaker.view(host)).toEqual({ state: "closed" });
    await breaker.failure(host);
    expect(await breaker.view(host)).toEqual({ state: "closed" });
    await breaker.failure(host);
    expect(await breaker.view(host)).toEqual({ state: "open", retryInMs: 30_000 });
    await expect(breaker.check(host)).rejects.toThrow(/circuit open/);
    now += 30_000;
    expect(await breaker.view(host)).toEqual({ state: "half-open" });
    await expect(
      breaker.run(
        host,
        async () => "ok",
        () => true,
      ),
    ).resolves.toBe("ok");
    expect(await breaker.view(host)).toEqual({ state: "closed" });
    // A failed trial opens it again at once.
    await breaker.failure(host);
    await breaker.failure(host);
    now += 30_000;
    await expect(
      breaker.run(
        host,
        async () => Promise.reject(new Error("down")),
        () => true,
      ),
    ).rejects.toThrow("down");
    expect((await breaker.view(host)).state).toBe("open");
  });
});

describe("graceful degradation", () => {
  it("users.info failing: the DM is still sent, naming the requester by mention", async () => {
    const requester = await newUser();
    const approver = await newUser();
    await injectFaults("users.info", requester, [{ status: 500 }, { status: 500 }, { status: 500 }]);
    await startWithoutName(requester, approver);
    const dm = await approverDm(approver);
    expect(dm.text).toContain(`approval requested by <@${requester}>`);
    const lookups = await slackCalls((c) => c.args.user === requester, { method: "users.info", match: requester });
    expect(lookups.map((c) => c.result)).toEqual(["http_500", "http_500"]);
  });
});
