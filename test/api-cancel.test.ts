import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { derivedRequestId } from "../src/core/ids";
import { claimApiCancel, getRequest, useApiKey } from "../src/core/store";
import { canonicalBodyHash } from "../src/routes/api/idempotency";
import {
  type ApiAnswer,
  apiCall,
  apiCreate,
  approverDm,
  captureLogs,
  click,
  dmOf,
  eventually,
  forceTimeouts,
  levelWaits,
  messagesIn,
  newUser,
  repliesIn,
  requestJson,
  requestWithoutInstance,
  responsesTo,
  startRequest,
  waitForStatus,
} from "./helpers";

/** POST /api/requests/:id/cancel: the pipeline was aborted. The same claim as the requester's Cancel button. */

const cancel = async (id: string, body?: unknown) => {
  const res = await apiCall("POST", `/api/requests/${id}/cancel`, body === undefined ? {} : { body });
  return { status: res.status, json: (await res.json()) as ApiAnswer };
};
const blocksText = (m: { blocks: unknown }) => JSON.stringify(m.blocks);

async function pipelineRequest(approver: string, name = "ci") {
  const { status, json } = await apiCreate({ approvers: [approver], description: "Deploy billing-api v2.6", source: { name, label: "run 7" } });
  expect(status).toBe(201);
  await approverDm(approver);
  return json.id!;
}

describe("POST /api/requests/:id/cancel", () => {
  it("cancels: the approver's DM says who as text (never a mention) with the reason; the audit says api:<source>; a read right after shows it", async () => {
    const approver = await newUser();
    const id = await pipelineRequest(approver, "github-actions");
    expect(await cancel(id, { reason: "pipeline aborted (SIGINT)" })).toEqual({ status: 200, json: { id, status: "cancelled" } });

    const r = await requestJson(id);
    expect(r).toMatchObject({ status: "cancelled", decided_by: "api:github-actions", reason: "pipeline aborted (SIGINT)" });
    expect(r.audit.at(-1)).toMatchObject({ event: "cancelled", actor: "api:github-actions", detail: "pipeline aborted (SIGINT)" });

    const dm = await eventually(
      async () => (await messagesIn(dmOf(approver))).find((m) => blocksText(m).includes(id) && !blocksText(m).includes("approval_approve")),
      "the DM without its buttons",
    );
    const outcome = dm.blocks.find((b) => b.text?.text.includes("Cancelled"))!;
    expect(outcome.text?.text).toMatch(
      /^:leftwards_arrow_with_hook: \*Cancelled\* by github-actions \(API\) <!date\^\d+\^[^>]+>\n>pipeline aborted \(SIGINT\)$/,
    );
    expect(outcome.text?.verbatim).toBe(true);
    expect(blocksText(dm)).not.toContain("<@api");
    // Its text says it too (the updated DM shows the outcome: no thread reply repeats it).
    expect(dm.text).toContain("Cancelled by github-actions (API)");
    expect(await repliesIn(dmOf(approver), dm.ts)).toEqual([]);
  });

  it("without a reason; a second cancel, or one after a decision, is refused (409) with the status; unknown ids 404", async () => {
    const approver = await newUser();
    const id = await pipelineRequest(approver);
    expect(await cancel(id)).toEqual({ status: 200, json: { id, status: "cancelled" } });
    expect((await requestJson(id)).reason).toBeNull();
    expect(await cancel(id, {})).toEqual({ status: 409, json: { error: "already cancelled", status: "cancelled" } });

    const other = await pipelineRequest(approver);
    expect((await click(approver, other, "approve")).status).toBe(200);
    await waitForStatus(other, "approved");
    expect(await cancel(other, { reason: "too late" })).toEqual({ status: 409, json: { error: "already approved", status: "approved" } });

    expect((await cancel("req-zzzzzzzzzzzz")).status).toBe(404);
    expect((await cancel("not-an-id")).status).toBe(400);
    const bad = await cancel(other, { reason: "r".repeat(301), why: "x" });
    expect(bad.status).toBe(422);
    expect(bad.json.issues?.map((i) => i.path).sort()).toEqual(["reason", "why"]);
  });

  it("a request asked for in Slack can be cancelled too: its requester is told who cancelled it, and the receipt loses its button", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver, "Rotate the keys");
    await approverDm(approver);
    expect((await cancel(id, { reason: "release postponed" })).status).toBe(200);
    const told = await eventually(async () => (await messagesIn(dmOf(requester))).find((m) => m.text.includes("cancelled your request")), "the requester's DM");
    // A request from Slack has no source: the API acts as "api".
    expect(told.text).toBe(`:leftwards_arrow_with_hook: api (API) cancelled your request \`${id}\` (Rotate the keys).\nReason:\n>release postponed`);
    const receipt = (await messagesIn(dmOf(requester))).find((m) => m.text.startsWith(":inbox_tray:"))!;
    expect(blocksText(receipt)).not.toContain("Cancel request");
    expect((await requestJson(id)).decided_by).toBe("api:api");
  });

  it("a click and a cancel at once: exactly one wins, and both answers say which", async () => {
    for (let i = 0; i < 3; i++) {
      const approver = await newUser();
      const id = await pipelineRequest(approver);
      const [clicked, cancelled] = await Promise.all([click(approver, id, "approve"), cancel(id, { reason: "race" })]);
      expect(clicked.status).toBe(200);
      const final = await eventually(async () => {
        const r = await requestJson(id);
        return r.status !== "pending" ? r : undefined;
      }, "the outcome");
      if (cancelled.status === 200) expect(final).toMatchObject({ status: "cancelled", decided_by: "api:ci" });
      else
        expect([cancelled, final]).toMatchObject([
          { status: 409, json: { status: "approved" } },
          { status: "approved", decided_by: approver },
        ]);
      expect(final.audit.filter((e) => ["approved", "cancelled"].includes(e.event))).toHaveLength(1);
    }
  });

  it("a cancel whose event never reached the workflow is decided from D1 when the wait ends, with its reason", async () => {
    // The claim decides at the end of the wait (no more "decision … claimed" wait for its event).
    await using _timeouts = await forceTimeouts(...levelWaits(1));
    const approver = await newUser();
    const id = await derivedRequestId(crypto.randomUUID());
    const body = { approvers: [approver], description: "Deploy v3", source: { name: "ci" } };
    const key = `lost-cancel-${crypto.randomUUID()}`;
    // As if a first POST had recorded its key and died before starting the workflow, and the API's
    // cancel had claimed the request (its store calls) and lost its event: no instance yet, so the
    // claim is in D1 before the first wait runs out.
    expect(await useApiKey(env.DB, key, id, await canonicalBodyHash(body))).toEqual({ first: true });
    const { at } = await requestWithoutInstance({ id, requester: null, description: "Deploy v3", approvers: [approver] });
    expect(await claimApiCancel(env.DB, id, "api:ci", at, "lost in transit")).toEqual({ ok: true });
    // The claim states the whole decision: a cancel, by the API's actor, with its reason.
    expect(await getRequest(env.DB, id)).toMatchObject({ claimed_by: "api:ci", claimed_at: at, claimed_decision: "cancel", cancel_reason: "lost in transit" });
    // The pipeline retries its POST with the same key: the same request id is started.
    expect(await apiCreate(body, key)).toMatchObject({ status: 200, json: { id } });
    const done = await waitForStatus(id, "cancelled");
    expect(done).toMatchObject({ decided_by: "api:ci", decided_at: at, reason: "lost in transit" });
    expect(done.audit.filter((a) => a.event === "cancelled")).toEqual([{ event: "cancelled", actor: "api:ci", detail: "lost in transit", at }]);
    expect(done.audit.map((a) => a.event)).not.toContain("escalated");
  });

  it("a cancel whose event cannot be sent still decides: 200, and the claim is never given back", async () => {
    const approver = await newUser();
    // A pipeline's request whose instance is gone: only its D1 record is left, so sendEvent fails.
    const { id } = await requestWithoutInstance({ requester: null, source: { name: "ci" }, approvers: [approver] });
    using logs = captureLogs();
    expect(await cancel(id, { reason: "pipeline aborted" })).toEqual({ status: 200, json: { id, status: "cancelled" } });
    const undelivered = logs.lines.find((l) => l.includes(`"cancel event not delivered; the claim stands and will be applied"`) && l.includes(id));
    expect(JSON.parse(undelivered!)).toMatchObject({ level: "error", requestId: id, user: "api:ci", instanceGone: true });
    // The claim stays with its decision, actor and reason (maintenance applies it: test/maintenance.test.ts).
    expect(await getRequest(env.DB, id)).toMatchObject({
      status: "pending",
      claimed_by: "api:ci",
      claimed_decision: "cancel",
      cancel_reason: "pipeline aborted",
    });
    // It decided: the approver's click is refused, naming the pipeline as text; a second cancel is a 409 with the claim's decision.
    const { hook } = await click(approver, id, "approve");
    const reply = await eventually(async () => (await responsesTo(hook))[0]?.body, "the ephemeral reply");
    expect(reply.text).toBe("This request has already been decided by ci (API).");
    expect(await cancel(id, { reason: "again" })).toEqual({ status: 409, json: { error: "already cancelled", status: "cancelled" } });
    expect(await getRequest(env.DB, id)).toMatchObject({
      status: "pending",
      claimed_by: "api:ci",
      claimed_decision: "cancel",
      cancel_reason: "pipeline aborted",
    });
  });

  it("the store refuses an API cancel made as a Slack user: the API can never act as a person", async () => {
    const approver = await newUser();
    const id = await pipelineRequest(approver);
    await expect(claimApiCancel(env.DB, id, approver, new Date().toISOString(), null)).rejects.toThrow(/api:<source name>/);
    expect(await getRequest(env.DB, id)).toMatchObject({ status: "pending", claimed_by: null, claimed_decision: null });
  });
});
