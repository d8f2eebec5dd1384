import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { derivedRequestId } from "../src/core/ids";
import { approvalsOf, castVote, claimCancel, getRequest, setLevel, upsertRequest } from "../src/core/store";
import { DECISION_EVENT } from "../src/workflows/approval-params";
import {
  apiCall,
  apiCreate,
  approverDm,
  click,
  clickBody,
  dmOf,
  eventually,
  forceTimeouts,
  injectFaults,
  levelWaits,
  messagesIn,
  newUser,
  postSignedSettled,
  postTo,
  reject,
  requestJson,
  requestWithoutInstance,
  responsesTo,
  startRequest,
  submitView,
  waitForStatus,
} from "./helpers";

/**
 * The decision rule: the D1 claim is the decision; a `decision` event only wakes the workflow,
 * which closes the request with what the claim says. So no event, however late, repeated or
 * wrong, can decide a request or change its outcome.
 */

async function pendingRequest() {
  const requester = await newUser();
  const approver = await newUser();
  const id = await startRequest(requester, approver);
  await approverDm(approver);
  return { requester, approver, id };
}

/** Sends a `decision` event straight to the instance, as a late or repeated delivery would. */
async function sendDecisionEvent(id: string, payload: Record<string, unknown>) {
  await (await env.APPROVAL.get(id)).sendEvent({ type: DECISION_EVENT, payload });
}

describe("the D1 claim decides; events only wake the workflow", () => {
  it("an event with no claim behind it decides nothing, delivered twice; the approver's own decision then counts", async () => {
    const { approver, id } = await pendingRequest();
    const stray = { decision: "approve", user: approver, at: new Date().toISOString() };
    await sendDecisionEvent(id, stray);
    await sendDecisionEvent(id, stray);
    expect((await reject(approver, id, "Not before the audit")).status).toBe(200);
    const done = await waitForStatus(id, "rejected");
    expect(done.decided_by).toBe(approver);
    expect(done.audit.filter((a) => ["approved", "rejected"].includes(a.event))).toEqual([expect.objectContaining({ event: "rejected", actor: approver })]);
  });

  it("an event arriving after a different claim: the claim decides, with its own content", async () => {
    const { approver, id } = await pendingRequest();
    const other = await newUser();
    const row = (await getRequest(env.DB, id))!;
    const both = [approver, other];
    await setLevel(env.DB, id, {
      approvers: both,
      groups: [{ approvers: both, quorum: 1 }],
      level: 1,
      quorum: 1,
      expiresAt: row.expires_at!,
      at: new Date().toISOString(),
    });
    // The other approver's rejection is claimed (the route's store call; its event is late) ...
    const at = new Date().toISOString();
    expect(await castVote(env.DB, id, other, "reject", at, "Budget is frozen")).toEqual({ ok: true, decisive: true });
    // ... and an approval event for the first approver arrives first.
    await sendDecisionEvent(id, { decision: "approve", user: approver, at: new Date().toISOString() });
    const done = await waitForStatus(id, "rejected");
    expect(done).toMatchObject({ decided_by: other, decided_at: at });
    expect(done.audit.find((a) => a.event === "rejected")).toMatchObject({ actor: other, detail: "Budget is frozen" });
    const [dm] = await messagesIn(dmOf(approver));
    expect(JSON.stringify(dm!.blocks)).toContain(`by <@${other}>`);
    // A late copy of the real event changes nothing either.
    await sendDecisionEvent(id, { decision: "reject", user: other, at, reason: "Budget is frozen" }).catch(() => undefined);
    expect((await requestJson(id)).status).toBe("rejected");
  });

  it("self-approval with a quorum: a cancel whose event was lost is a cancel, never the requester's approval", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(1));
    // The test policy's "selfquorum" type (vitest.config.ts): both must approve, the requester may be one.
    const [requester, other] = ["U0SELFQA", "U0SELFQB"];
    // A request from the modal has its id before it starts (derived from the view), so the votes
    // and the claim can be in D1 before the instance runs, as if the events had been lost.
    const view = { id: `V${crypto.randomUUID().slice(0, 10).toUpperCase()}`, callback_id: "approval_new" };
    const id = await derivedRequestId(`view:${view.id}`);
    const at = new Date().toISOString();
    await upsertRequest(env.DB, {
      id,
      type: "selfquorum",
      requester,
      description: "My own change",
      approvers: [requester, other],
      quorum: 2,
      allowSelf: true,
      createdAt: at,
      expiresAt: at,
    });
    // The requester approves their own request (one vote of the two needed), then cancels it.
    expect(await castVote(env.DB, id, requester, "approve", at)).toEqual({ ok: true, decisive: false, approvals: 1, quorum: 2 });
    expect(await claimCancel(env.DB, id, requester, at)).toEqual({ ok: true });
    const values = {
      type: { type: "static_select", selected_option: { value: "selfquorum" } },
      description: { type: "plain_text_input", value: "My own change" },
    };
    expect(await submitView(requester, view, values)).toEqual({ status: 200, body: null });
    const done = await waitForStatus(id, "cancelled");
    expect(done.decided_by).toBe(requester);
  });

  it("an approval whose event cannot be sent after the answer keeps its claim, and the clicker is told it is recorded", async () => {
    const requester = await newUser();
    const approver = await newUser();
    // A request whose instance is gone: the event the route sends after answering Slack fails.
    const { id } = await requestWithoutInstance({ requester, approvers: [approver] });
    const { body, hook } = await clickBody(approver, id, "approve");
    const res = await postSignedSettled("/slack/interactions", body);
    // The answer is Slack's acknowledgement (an empty 200); the claim was made before it.
    expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: "" });
    expect(await getRequest(env.DB, id)).toMatchObject({ status: "pending", claimed_by: approver, claimed_decision: "approve" });
    const reply = await eventually(async () => (await responsesTo(hook))[0]?.body, "the ephemeral reply");
    expect(reply.text).toMatch(/recorded/);
  });

  it("a cancel that cannot reach its workflow keeps the claim and the requester's vote", async () => {
    const requester = await newUser();
    const other = await newUser();
    // A request whose instance is gone: only its D1 record is left.
    const { id, at } = await requestWithoutInstance({ type: "selfquorum", requester, approvers: [requester, other], quorum: 2, allowSelf: true });
    expect(await castVote(env.DB, id, requester, "approve", at)).toMatchObject({ ok: true, decisive: false });
    const { status, hook } = await click(requester, id, "cancel");
    expect(status).toBe(200);
    const reply = await eventually(async () => (await responsesTo(hook))[0]?.body, "the ephemeral reply");
    expect(reply.text).toMatch(/recorded/);
    const row = (await getRequest(env.DB, id))!;
    expect(row).toMatchObject({ status: "pending", claimed_by: requester, claimed_decision: "cancel" });
    expect(await approvalsOf(env.DB, id)).toEqual([requester]);
  });
});

describe("a claim made before a failure", () => {
  it("Maria approves while Sam's DM is still failing: the request fails nothing, her claim decides it", async () => {
    const [alex, maria, sam] = [await newUser(), await newUser(), await newUser()];
    // Sam's DM fails for good (after a delay, so Maria's click lands first); level 1 asks both.
    await injectFaults("chat.postMessage", postTo(sam), [{ delayMs: 3000, error: "user_not_found" }]);
    const { json } = await apiCreate({ approvers: [maria, sam], requester: alex, description: "Claim, then a failure" });
    await approverDm(maria);
    expect((await click(maria, json.id!, "approve")).status).toBe(200);
    const done = await waitForStatus(json.id!, "approved");
    expect(done.decided_by).toBe(maria);
    expect(done.audit.map((a) => a.event)).not.toContain("failed");
  });

  it("a pipeline cancels while the only DM is still failing: the failure that follows does not override the cancel", async () => {
    const maria = await newUser();
    await injectFaults("chat.postMessage", postTo(maria), [{ delayMs: 3000, error: "user_not_found" }]);
    const { json } = await apiCreate({ approvers: [maria], description: "Cancelled, then a failure", source: { name: "ci" } });
    const res = await apiCall("POST", `/api/requests/${json.id}/cancel`, { body: { reason: "pipeline aborted" } });
    expect(res.status).toBe(200);
    const done = await waitForStatus(json.id!, "cancelled");
    expect(done.decided_by).toBe("api:ci");
    expect(done.audit.map((a) => a.event)).not.toContain("failed");
  });

  it("a failure with nobody reached still fails the request (nobody could decide it)", async () => {
    const [alex, maria] = [await newUser(), await newUser()];
    await injectFaults("chat.postMessage", postTo(maria), [{ error: "user_not_found" }]);
    const { json } = await apiCreate({ approvers: [maria], requester: alex, description: "Nobody to ask" });
    const failed = await waitForStatus(json.id!, "failed");
    expect(failed.error).toContain("user_not_found");
    expect(failed.audit.map((a) => a.event)).not.toContain("notify-failed");
  });
});
