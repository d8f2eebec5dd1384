import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ApprovalWorkflow } from "../src/workflows/approval";
import {
  approverDm,
  callsFor,
  click,
  dmOf,
  eventually,
  injectFaults,
  messagesIn,
  newUser,
  postTo,
  recordWorkflowSteps,
  requestJson,
  startRequest,
  waitForStatus,
} from "./helpers";

/** New DMs to a user (posted to their id; Slack picks the DM channel). */
const posts = async (user: string) => (await callsFor(user)).filter((c) => c.method === "chat.postMessage" && c.args.channel === user);

/** Every ApprovalWorkflow started from now on retries at once instead of backing off (the counts stay real). */
async function noRetryDelays() {
  const approvals = await introspectWorkflow(env.APPROVAL);
  await approvals.modifyAll(async (m) => {
    await m.disableRetryDelays();
  });
  return approvals;
}

/** A Slack user id the workspace does not know (never added to the stand-in). */
const stranger = () => `U0NOBODY${crypto.randomUUID().replace(/-/g, "").slice(0, 6).toUpperCase()}`;

describe("when Slack fails", () => {
  it("500 twice then OK: the step retries with backoff and the DM is sent once", async () => {
    using steps = recordWorkflowSteps(ApprovalWorkflow);
    const requester = await newUser();
    const approver = await newUser();
    await injectFaults("chat.postMessage", postTo(approver), [{ status: 500 }, { status: 500 }]);
    const id = await startRequest(requester, approver);
    await approverDm(approver);
    // The approver's DM is the one step the request cannot do without: 10 retries, 1 s doubling.
    const dmStep = steps.of(id, "do").find((c) => c.name === `post request L1-${approver}`)!;
    expect(dmStep).toMatchObject({ attempts: 3, options: { retries: { limit: 10, delay: "1 second", backoff: "exponential" } } });
    const attempts = await posts(approver);
    expect(attempts.map((c) => c.result)).toEqual(["http_500", "http_500", "ok"]);
    // Exponential backoff: about 1 s, then about 2 s.
    const gaps = [attempts[1]!.at - attempts[0]!.at, attempts[2]!.at - attempts[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(1800);
    expect(await messagesIn(dmOf(approver))).toHaveLength(1);
    expect((await requestJson(id)).status).toBe("pending");
  });

  it("429 with Retry-After: the next try waits at least that long, and one DM is sent", async () => {
    const approver = await newUser();
    await injectFaults("chat.postMessage", postTo(approver), [{ status: 429, retryAfter: 2 }]);
    await startRequest(await newUser(), approver);
    await approverDm(approver);
    const attempts = await posts(approver);
    expect(attempts.map((c) => c.result)).toEqual(["http_429", "ok"]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(2000);
    expect(await messagesIn(dmOf(approver))).toHaveLength(1);
  });

  it("Slack posted but the answer was lost: the retry finds the message (metadata) instead of posting twice", async () => {
    const approver = await newUser();
    await injectFaults("chat.postMessage", postTo(approver), [{ lost: true }]);
    const id = await startRequest(await newUser(), approver);
    await approverDm(approver);
    await eventually(async () => (await requestJson(id)).messages?.length >= 1, "the recorded message");
    const attempts = await posts(approver);
    expect(attempts.map((c) => c.result)).toEqual(["lost"]);
    const lookups = (await callsFor(approver)).filter((c) => c.method === "conversations.history");
    expect(lookups).toHaveLength(1);
    const dms = await messagesIn(dmOf(approver));
    expect(dms).toHaveLength(1);
    expect((await requestJson(id)).messages.find((m: { role: string }) => m.role.startsWith("L1"))!.ts).toBe(dms[0]!.ts);
  });

  it("a post retried several times opens the DM once: the channel is remembered across attempts", async () => {
    const approver = await newUser();
    await injectFaults("chat.postMessage", postTo(approver), [{ lost: true }]);
    await injectFaults("conversations.history", `channel=${dmOf(approver)}`, [{ status: 500 }]);
    const id = await startRequest(await newUser(), approver);
    await eventually(async () => (await requestJson(id)).messages?.length >= 1, "the recorded message");
    const calls = (await callsFor(approver)).filter(
      (c) => ["conversations.open", "conversations.history", "chat.postMessage"].includes(c.method) && !c.args.thread_ts,
    );
    const approverCalls = calls.filter((c) => c.args.channel === approver || c.args.channel === dmOf(approver) || c.args.users === approver);
    expect(approverCalls.map((c) => `${c.method} ${c.result}`)).toEqual([
      "chat.postMessage lost", // attempt 1: Slack posted, the answer was lost
      "conversations.open ok", // attempt 2: find the DM to look in…
      "conversations.history http_500", // …but the lookup fails
      "conversations.history ok", // attempt 3: the DM is known; the lookup finds the post
    ]);
    expect(await messagesIn(dmOf(approver))).toHaveLength(1);
  });

  it("invalid_auth: the workflow fails fast (no retries) and the request records the error", async () => {
    using steps = recordWorkflowSteps(ApprovalWorkflow);
    const requester = await newUser();
    const approver = await newUser();
    await injectFaults("chat.postMessage", postTo(approver), [{ error: "invalid_auth" }]);
    const id = await startRequest(requester, approver);
    const failed = await waitForStatus(id, "failed");
    // Fast means one attempt: the engine ran the step once, although it may retry it 10 times.
    expect(steps.of(id, "do").find((c) => c.name === `post request L1-${approver}`)?.attempts).toBe(1);
    expect(failed.error).toBe("Slack chat.postMessage failed: invalid_auth");
    expect(failed.workflow.status).toBe("errored");
    expect(failed.audit.map((a: { event: string }) => a.event)).toEqual(["created", "failed"]);
    expect((await posts(approver)).map((c) => c.result)).toEqual(["invalid_auth"]);
  });

  it("an outcome survives a failing message update: the decision stands and the requester is told", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver);
    const dm = await approverDm(approver);
    await injectFaults("chat.update", dm.ts, [{ error: "message_not_found" }]);
    await click(approver, id, "approve");
    await waitForStatus(id, "approved");
    await eventually(async () => (await messagesIn(dmOf(requester)))[1]?.text.includes("approved"), "the requester's outcome DM");
  });

  const permanent: [string, (approver: string) => Promise<void>, RegExp][] = [
    // Slack's own answer for a DM to someone the workspace does not know (no fault injected).
    ["channel_not_found (a user Slack does not know)", async () => {}, /chat\.postMessage failed: channel_not_found/],
    ["missing_scope", (approver) => injectFaults("chat.postMessage", postTo(approver), [{ error: "missing_scope" }]), /failed: missing_scope/],
    ["account_inactive", (approver) => injectFaults("chat.postMessage", postTo(approver), [{ error: "account_inactive" }]), /failed: account_inactive/],
    ["not_authed", (approver) => injectFaults("chat.postMessage", postTo(approver), [{ error: "not_authed" }]), /failed: not_authed/],
    ["user_not_found", (approver) => injectFaults("chat.postMessage", postTo(approver), [{ error: "user_not_found" }]), /failed: user_not_found/],
    ["HTTP 403", (approver) => injectFaults("chat.postMessage", postTo(approver), [{ status: 403 }]), /chat\.postMessage: HTTP 403/],
  ];
  for (const [name, arrange, error] of permanent) {
    it(`other permanent errors fail the request at the first attempt too: ${name}`, async () => {
      using steps = recordWorkflowSteps(ApprovalWorkflow);
      const approver = name.startsWith("channel_not_found") ? stranger() : await newUser();
      await arrange(approver);
      const id = await startRequest(await newUser(), approver);
      const failed = await waitForStatus(id, "failed");
      expect(failed.error).toMatch(error);
      expect(failed.workflow.status).toBe("errored");
      expect(steps.of(id, "do").find((c) => c.name === `post request L1-${approver}`)?.attempts).toBe(1);
      expect((await posts(approver)).length).toBe(1);
    });
  }

  it("an error Slack may recover from (internal_error) is retried, not treated as permanent", async () => {
    await using _fast = await noRetryDelays();
    const approver = await newUser();
    await injectFaults("chat.postMessage", postTo(approver), [{ error: "internal_error" }]);
    const id = await startRequest(await newUser(), approver);
    await approverDm(approver);
    expect((await posts(approver)).map((c) => c.result)).toEqual(["internal_error", "ok"]);
    expect((await requestJson(id)).status).toBe("pending");
  });

  it("retry limits: the approver's DM is tried 11 times (10 retries), then the request fails", async () => {
    await using _fast = await noRetryDelays();
    using steps = recordWorkflowSteps(ApprovalWorkflow);
    const approver = await newUser();
    await injectFaults(
      "chat.postMessage",
      postTo(approver),
      Array.from({ length: 11 }, () => ({ status: 503 })),
    );
    const id = await startRequest(await newUser(), approver);
    const failed = await waitForStatus(id, "failed");
    expect(failed.error).toMatch(/chat\.postMessage: HTTP 503/);
    expect(steps.of(id, "do").find((c) => c.name === `post request L1-${approver}`)?.attempts).toBe(11);
    expect((await posts(approver)).map((c) => c.result)).toEqual(Array.from({ length: 11 }, () => "http_503"));
    // Every attempt after the first looked for its own post before posting again.
    expect((await callsFor(approver)).filter((c) => c.method === "conversations.history")).toHaveLength(10);
  });

  it("a failing receipt degrades: 9 attempts (8 retries), then the request goes on without it", async () => {
    await using _fast = await noRetryDelays();
    using steps = recordWorkflowSteps(ApprovalWorkflow);
    const requester = await newUser();
    const approver = await newUser();
    await injectFaults(
      "chat.postMessage",
      postTo(requester),
      Array.from({ length: 9 }, () => ({ status: 500 })),
    );
    const id = await startRequest(requester, approver);
    await approverDm(approver);
    // Its failure is reported once, in its own step, after the last attempt; the request is still pending.
    await eventually(async () => steps.of(id, "do").some((c) => c.name === "send receipt failed"), "the receipt's failure step");
    const receipt = steps.of(id, "do").find((c) => c.name === "send receipt");
    expect(receipt).toMatchObject({ attempts: 9, options: { retries: { limit: 8, delay: "1 second", backoff: "exponential" } } });
    expect((await requestJson(id)).status).toBe("pending");
    expect(await messagesIn(dmOf(requester))).toEqual([]);
    // The approver decides as usual; the requester still hears the outcome (a new DM).
    await click(approver, id, "approve");
    const done = await waitForStatus(id, "approved");
    expect(done.messages.map((m) => m.role)).toEqual([`L1-${approver}`]);
    const [outcome] = await eventually(async () => {
      const dms = await messagesIn(dmOf(requester));
      return dms.length > 0 && dms;
    }, "the requester's outcome DM");
    expect(outcome!.text).toContain("approved");
  });
});
