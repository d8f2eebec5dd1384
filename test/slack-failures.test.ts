import { describe, expect, it } from "vitest";
import { approverDm, callsFor, click, dmOf, eventually, injectFaults, messagesIn, newUser, postTo, requestJson, startRequest, waitForStatus } from "./helpers";

/** New DMs to a user (posted to their id; Slack picks the DM channel). */
const posts = async (user: string) => (await callsFor(user)).filter((c) => c.method === "chat.postMessage" && c.args.channel === user);

describe("when Slack fails", () => {
  it("500 twice then OK: the step retries with backoff and the DM is sent once", async () => {
    const requester = await newUser();
    const approver = await newUser();
    await injectFaults("chat.postMessage", postTo(approver), [{ status: 500 }, { status: 500 }]);
    const id = await startRequest(requester, approver);
    await approverDm(approver);
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
    const requester = await newUser();
    const approver = await newUser();
    await injectFaults("chat.postMessage", postTo(approver), [{ error: "invalid_auth" }]);
    const started = Date.now();
    const id = await startRequest(requester, approver);
    const failed = await waitForStatus(id, "failed");
    expect(Date.now() - started).toBeLessThan(1500);
    expect(failed.error).toMatch(/chat\.postMessage failed: invalid_auth/);
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
});
