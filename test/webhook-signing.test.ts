import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signWebhook } from "../src/core/webhook";
import { approverDm, click, eventually, newUser, type ReceiverCall, receiverCalls, requestJson, scriptReceiver, startTyped } from "./helpers";

/**
 * What a receiver relies on is signed: the method, the path and query, the Idempotency-Key, the
 * timestamp and the body, in one canonical string (README, "Actions"). The test receiver
 * (test/webhook-receiver.js) verifies it as the README tells receivers to, within 5 minutes.
 */

const secret = env.TEST_WEBHOOK_SECRET!;

/** Approves a deploy request whose receiver answers as scripted; returns its id once the action has ended. */
async function approvedDeploy(script: Parameters<typeof scriptReceiver>[1]) {
  const approver = await newUser();
  const id = await startTyped(await newUser(), "deploy", approver, "Deploy billing-api v2.3");
  await approverDm(approver);
  await scriptReceiver(id, script);
  await click(approver, id, "approve");
  await eventually(async () => {
    const r = await requestJson(id);
    return r.action_status !== null && r.action_status !== "running" && r.workflow.status !== "running";
  }, `the action of ${id}`);
  return id;
}

/** Sends a call to the receiver again with its own signature headers, changed as given. */
function resend(call: ReceiverCall, change: { method?: string; path?: string; key?: string; timestamp?: string; signature?: string; body?: string } = {}) {
  const method = change.method ?? call.method;
  const body = change.body ?? call.body;
  return fetch(`${env.RECEIVER_URL}${change.path ?? call.path}`, {
    method,
    headers: {
      "content-type": "application/json",
      "idempotency-key": change.key ?? call.key,
      "x-approvals-timestamp": change.timestamp ?? call.timestamp,
      "x-approvals-signature": change.signature ?? call.signature,
    },
    ...(method === "GET" ? {} : { body }),
  });
}

describe("action webhook signatures", () => {
  it("cover the method, path, Idempotency-Key, timestamp and body: a changed one fails verification", async () => {
    const id = await approvedDeploy([{ status: 200, body: { message: "deployed" } }]);
    const [call] = await receiverCalls(id);
    expect(call).toMatchObject({ signed: true, key: `${id}-action-call-webhook` });
    // The same delivery again verifies (and the receiver answers as before: same key, same answer).
    expect((await resend(call!)).status).toBe(200);
    for (const [name, change] of [
      ["another Idempotency-Key (the action would run again)", { key: `${call!.key}-2` }],
      ["another path", { path: "/hooks/flaky" }],
      ["another method", { method: "PUT" }],
      ["another body", { body: call!.body.replace("Deploy", "Delete") }],
      ["another timestamp", { timestamp: String(Number(call!.timestamp) - 1) }],
    ] as const) {
      const res = await resend(call!, change);
      expect(res.status, name).toBe(401);
    }
    const refused = (await receiverCalls(id)).filter((c) => !c.signed);
    expect(refused).toHaveLength(5);
    expect(call!.signature).toMatch(/^v2=[0-9a-f]{64}$/);
  });

  it("a correctly signed call outside the 5-minute window is refused as a replay", async () => {
    const id = await approvedDeploy([{ status: 200, body: { message: "deployed" } }]);
    const [call] = await receiverCalls(id);
    const sign = (timestamp: string, key: string) =>
      signWebhook(secret, { method: "POST", path: call!.path, idempotencyKey: key, timestamp, body: call!.body });
    const now = Math.floor(Date.now() / 1000);
    // Signed now, it verifies; the same, signed 6 minutes ago (or ahead), does not.
    const fresh = String(now);
    expect((await resend(call!, { key: `${id}-fresh`, timestamp: fresh, signature: await sign(fresh, `${id}-fresh`) })).status).toBe(200);
    for (const stale of [String(now - 360), String(now + 360)]) {
      expect((await resend(call!, { key: `${id}-stale`, timestamp: stale, signature: await sign(stale, `${id}-stale`) })).status, stale).toBe(401);
    }
  });

  it("status polls are signed the same way: a poll's signature is good for its own GET only", async () => {
    await using actions = await introspectWorkflow(env.ACTION);
    await actions.modifyAll(async (m) => {
      await m.disableSleeps();
    });
    const id = await approvedDeploy([
      {
        status: 202,
        statusSequence: [
          { state: "running", progress: 50 },
          { state: "complete", message: "done" },
        ],
      },
    ]);
    const key = `${id}-action-call-webhook`;
    const polls = (await receiverCalls("/status/")).filter((c) => c.key === key);
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.every((p) => p.signed && p.method === "GET")).toBe(true);
    const poll = polls[0]!;
    expect((await resend(poll, { path: "/status/999999" })).status).toBe(401);
    expect((await resend(poll, { method: "POST", body: "" })).status).toBe(401);
    expect((await resend(poll, { key: "another-key" })).status).toBe(401);
  });
});
