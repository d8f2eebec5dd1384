import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { derivedRequestId } from "../src/core/ids";
import { castVote, getRequest, setLevel, upsertRequest } from "../src/core/store";
import { APPROVAL_STEPS, approverRole } from "../src/workflows/step-names";
import {
  approverDm,
  callsTo,
  captureLogs,
  click,
  clickBody,
  eventually,
  forceTimeouts,
  levelWaits,
  newUser,
  postSigned,
  postSignedSettled,
  receiverCalls,
  requestJson,
  responsesTo,
  startRequest,
  submitView,
  waitForStatus,
} from "./helpers";

/** The ephemeral reply a click got through its response_url. */
const replyTo = (hook: string) => eventually(async () => (await responsesTo(hook))[0]?.body, "the ephemeral reply");

async function pendingRequest() {
  const requester = await newUser();
  const approver = await newUser();
  const id = await startRequest(requester, approver);
  await approverDm(approver);
  return { requester, approver, id };
}

/**
 * A request from the modal whose claim is in D1 before its instance starts (its id is derived
 * from the view, so known first): the route's vote and claim (its store calls) with no event
 * sent, as if the route had lost its sendEvent. Its first wait then runs out with the claim there.
 */
async function startClaimedBeforeItsWaits(approver: string): Promise<string> {
  const requester = await newUser();
  const view = { id: `V${crypto.randomUUID().slice(0, 10).toUpperCase()}`, callback_id: "approval_new" };
  const id = await derivedRequestId(`view:${view.id}`);
  const at = new Date().toISOString();
  await upsertRequest(env.DB, {
    id,
    type: "default",
    requester,
    description: "Deploy",
    approvers: [approver],
    quorum: 1,
    allowSelf: false,
    createdAt: at,
    expiresAt: at,
  });
  expect(await castVote(env.DB, id, approver, "approve", at)).toEqual({ ok: true, decisive: true });
  const values = {
    type: { type: "static_select", selected_option: { value: "default" } },
    approver: { type: "users_select", selected_user: approver },
    description: { type: "plain_text_input", value: "Deploy" },
  };
  expect(await submitView(requester, view, values)).toEqual({ status: 200, body: null });
  return id;
}

describe("who may click, and what a click does", () => {
  it("refuses a clicker who is not an approver of that request, with an ephemeral reply and no effect", async () => {
    const { requester, approver, id } = await pendingRequest();
    for (const [clicker, expected] of [
      [await newUser(), /can't decide this request: you are not one of its approvers/],
      [requester, /can't decide your own request/],
    ] as const) {
      const { status, hook } = await click(clicker, id, "approve");
      expect(status).toBe(200);
      const reply = await replyTo(hook);
      expect(reply).toMatchObject({ response_type: "ephemeral", replace_original: false });
      expect(reply.text).toMatch(expected);
    }
    const row = await requestJson(id);
    expect(row.status).toBe("pending");
    expect(row.workflow.status).toBe("running");
    // The real approver still can.
    await click(approver, id, "approve");
    expect((await waitForStatus(id, "approved")).decided_by).toBe(approver);
  });

  it("answers a second click on a decided request with 'already decided by' and changes nothing", async () => {
    const { approver, id } = await pendingRequest();
    await click(approver, id, "approve");
    await waitForStatus(id, "approved");
    const again = await click(approver, id, "reject"); // Reject checks before opening its modal
    expect((await replyTo(again.hook)).text).toMatch(new RegExp(`already been decided by <@${approver}>`));
    const row = await requestJson(id);
    expect(row).toMatchObject({ status: "approved", decided_by: approver });
    expect(row.audit.filter((a: { event: string }) => a.event === "approved" || a.event === "rejected")).toHaveLength(1);
  });

  it("a fast double click by the approver records one decision", async () => {
    const { requester, approver, id } = await pendingRequest();
    const [a, b] = await Promise.all([click(approver, id, "approve"), click(approver, id, "approve")]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await waitForStatus(id, "approved");
    const replies = [...(await responsesTo(a.hook)), ...(await responsesTo(b.hook))];
    expect(replies).toHaveLength(1);
    // Depending on timing the second click finds the decision claimed or its own vote cast.
    expect(replies[0]!.body.text).toMatch(/already been decided by|You already approved this request/);
    const updates = (await callsTo(approver)).filter((c) => c.method === "chat.update");
    expect(updates).toHaveLength(1);
    const toRequester = (await callsTo(requester)).filter((c) => c.method === "chat.postMessage" && !String(c.args.text).includes("is with"));
    expect(toRequester).toHaveLength(1);
  });

  it("two approvers clicking at the same moment: exactly one decision is recorded and shown", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver);
    await approverDm(approver);
    // Make a second approver by escalating in D1 the way the workflow does, then race them.
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
    const [a, b] = await Promise.all([click(approver, id, "approve"), click(other, id, "approve")]);
    const decided = await eventually(async () => {
      const r = await requestJson(id);
      return r.status !== "pending" && r.workflow.status === "complete" ? r : undefined;
    }, "a decision");
    const winner = decided.decided_by as string;
    expect([approver, other]).toContain(winner);
    expect(decided.status).toBe("approved");
    const loserHook = winner === approver ? b.hook : a.hook;
    expect((await replyTo(loserHook)).text).toMatch(new RegExp(`already been decided by <@${winner}>`));
    expect(await responsesTo(winner === approver ? a.hook : b.hook)).toHaveLength(0);
    expect(decided.audit.filter((x: { event: string }) => ["approved", "rejected"].includes(x.event))).toHaveLength(1);
    // The one message shows the one outcome.
    const updates = (await callsTo(approver)).filter((c) => c.method === "chat.update");
    expect(updates).toHaveLength(1);
    expect(JSON.stringify(updates[0]!.args.blocks)).toContain(`by <@${winner}>`);
  });

  it("a claim whose event never reached the workflow is decided from D1 when the wait ends", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(1));
    const approver = await newUser();
    const id = await startClaimedBeforeItsWaits(approver);
    const done = await waitForStatus(id, "approved");
    expect(done.decided_by).toBe(approver);
    // Not escalated: the claim was honoured before the escalation.
    expect(done.audit.map((a) => a.event)).not.toContain("escalated");
    // Nor reminded: the reminder's time came with a claim in D1 (its event lost), so nobody is
    // asked again about a request already decided.
    expect(done.audit.map((a) => a.event)).not.toContain("reminded");
    const reminders = (await callsTo(approver)).filter((c) => c.method === "chat.postMessage" && String(c.args.text).includes("Reminder"));
    expect(reminders).toEqual([]);
  });

  it("a reminder that went out just before the click is audited, though D1 has the claim by the time it is recorded", async () => {
    await using approvals = await forceTimeouts(...levelWaits(1));
    const approver = await newUser();
    // The reminder step as if it had posted (the click came right after it): its result says so.
    await approvals.modifyAll(async (m) => {
      await m.mockStepResult({ name: APPROVAL_STEPS.remind(approverRole(1, approver)) }, true);
    });
    const id = await startClaimedBeforeItsWaits(approver);
    const done = await waitForStatus(id, "approved");
    expect(done.audit.find((a) => a.event === "reminded")).toMatchObject({ detail: "level 1" });
  });

  it("a click for an unknown request id gets an ephemeral reply, not an error", async () => {
    const { status, hook } = await click(await newUser(), "req-000000000000", "approve");
    expect(status).toBe(200);
    expect((await replyTo(hook)).text).toMatch(/no longer exists/);
  });

  it("refuses a body that is not Slack's with a 400 and a clear message", async () => {
    const cases: [string, string, RegExp][] = [
      ["no payload", "foo=bar", /missing payload/],
      ["payload not JSON", "payload=%7Bnot-json", /not JSON/],
      ["payload without a type", `payload=${encodeURIComponent(JSON.stringify({ user: { id: "U0ALEX" } }))}`, /invalid interaction/],
    ];
    for (const [name, body, error] of cases) {
      const res = await postSigned("/slack/interactions", body);
      expect(res.status, name).toBe(400);
      expect(((await res.json()) as { error: string }).error, name).toMatch(error);
    }
  });

  it("acks every payload Slack may send (200), and tells a clicker when a button is no longer supported", async () => {
    const user = await newUser();
    const { id } = await pendingRequest();
    /** A click payload with its own issued response_url, changed by `edit`. */
    const variant = async (edit: (p: Record<string, unknown>) => Record<string, unknown>) => {
      const { body, hook } = await clickBody(user, id, "approve");
      const payload = JSON.parse(new URLSearchParams(body).get("payload")!) as Record<string, unknown>;
      return { body: `payload=${encodeURIComponent(JSON.stringify(edit(payload)))}`, hook };
    };
    const cases: [string, (p: Record<string, unknown>) => Record<string, unknown>, RegExp | null][] = [
      ["another type", (p) => ({ ...p, type: "message_action", callback_id: "save_message" }), null],
      ["no actions", (p) => ({ ...p, actions: [] }), null],
      ["not a user id", (p) => ({ ...p, user: { id: "<!channel>" } }), null],
      ["an action that is not ours", (p) => ({ ...p, actions: [{ action_id: "delete_everything", value: "x" }] }), /no longer supported/],
      [
        "our action with a value that is not a request id",
        (p) => ({ ...p, actions: [{ action_id: "approval_approve", value: "../../etc" }] }),
        /no longer supported/,
      ],
    ];
    for (const [name, edit, reply] of cases) {
      const { body, hook } = await variant(edit);
      const res = await postSigned("/slack/interactions", body);
      expect(res.status, name).toBe(200);
      expect(await res.text(), name).toBe("");
      if (reply) expect((await replyTo(hook)).text, name).toMatch(reply);
    }
    // None of them acted: the request still waits for its approver.
    expect((await requestJson(id)).status).toBe("pending");
  });

  it("posts ephemeral replies only to Slack's host: a response_url elsewhere gets nothing", async () => {
    const { id } = await pendingRequest();
    const stranger = await newUser();
    // The same refused click twice: once with Slack's response_url, once with one pointing at
    // another host (the tests' webhook receiver, which records every request it gets).
    const { body, hook } = await clickBody(stranger, id, "approve");
    const elsewhere = `/hooks/elsewhere-${stranger}`;
    const foreign = body.replace(encodeURIComponent(`${env.FAKE_SLACK_URL}${hook}`), encodeURIComponent(`${env.RECEIVER_URL}${elsewhere}`));
    expect(foreign).not.toBe(body);
    using logs = captureLogs();
    expect((await postSignedSettled("/slack/interactions", foreign)).status).toBe(200);
    expect((await postSignedSettled("/slack/interactions", body)).status).toBe(200);
    // Both clicks have settled: Slack's URL got the refusal, the other host nothing at all.
    expect((await responsesTo(hook)).map((r) => r.body.text)).toEqual([expect.stringMatching(/can't decide this request/)]);
    expect(await receiverCalls(elsewhere)).toEqual([]);
    expect(logs.lines.filter((l) => l.includes("response_url refused"))).toEqual([expect.stringContaining(`"host":"${new URL(env.RECEIVER_URL).host}"`)]);
    expect((await requestJson(id)).status).toBe("pending");
  });
});
