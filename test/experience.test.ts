import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { requestsBy } from "../src/core/store";
import { capBlocks, escapeText } from "../src/slack/mrkdwn";
import { homeView } from "../src/slack/views";
import {
  approverDm,
  callsTo,
  click,
  dmOf,
  eventually,
  messagesIn,
  newUser,
  postSigned,
  reject,
  requestJson,
  responsesTo,
  slackCalls,
  slashCommand,
  startRequest,
  submitView,
  waitForStatus,
} from "./helpers";

const replyTo = (hook: string) => eventually(async () => (await responsesTo(hook))[0]?.body, "the ephemeral reply");
const text = (x: unknown) => JSON.stringify(x);

/** Values of the new-request modal as Slack submits them. */
function newRequestValues(v: { type?: string; approver?: string; description?: string; amount?: string; due?: string }) {
  return {
    type: { type: "static_select", selected_option: v.type ? { value: v.type } : null },
    approver: { type: "users_select", selected_user: v.approver ?? null },
    description: { type: "plain_text_input", value: v.description ?? null },
    amount: { type: "plain_text_input", value: v.amount ?? null },
    due: { type: "datepicker", selected_date: v.due ?? null },
  };
}

describe("the new-request modal", () => {
  it("shows errors next to the fields and starts nothing", async () => {
    const requester = await newUser();
    await using approvals = await introspectWorkflow(env.APPROVAL);
    {
      const { status, body } = await submitView(
        requester,
        { callback_id: "approval_new" },
        newRequestValues({ type: "default", amount: "lots", due: "2001-01-01" }),
      );
      expect(status).toBe(200);
      expect(body!.response_action).toBe("errors");
      expect(Object.keys(body!.errors!).sort()).toEqual(["amount", "description", "due"]);
      const needsApprover = await submitView(requester, { callback_id: "approval_new" }, newRequestValues({ type: "default", description: "Deploy" }));
      expect(needsApprover.body).toEqual({ response_action: "errors", errors: { approver: "Name the approver as a mention, like `@maria`." } });
      const self = await submitView(
        requester,
        { callback_id: "approval_new" },
        newRequestValues({ type: "default", approver: requester, description: "Mine" }),
      );
      expect(self.body!.errors!.approver).toMatch(/own request/);
    }
    // The route creates its instance before it answers: none was created, so nothing will follow.
    expect(await approvals.get()).toHaveLength(0);
    expect(await callsTo(requester)).toEqual([]);
  });

  it("a valid submission starts the request; submitting the same view twice starts one", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const view = { id: `V${crypto.randomUUID().slice(0, 10).toUpperCase()}`, callback_id: "approval_new" };
    const values = newRequestValues({ type: "deploy", approver, description: "Deploy billing-api", amount: "120", due: "2099-12-31" });
    await using approvals = await introspectWorkflow(env.APPROVAL);
    const [a, b] = await Promise.all([submitView(requester, view, values), submitView(requester, view, values)]);
    expect([a, b]).toEqual([
      { status: 200, body: null },
      { status: 200, body: null },
    ]);
    // One instance, so one DM: the second submission found the first request.
    expect(await approvals.get()).toHaveLength(1);
    const dm = await approverDm(approver);
    expect(text(dm.blocks)).toContain("Deploy billing-api\\n>Amount: 120\\n>Needed by: 2099-12-31");
    expect(await requestsBy(env.DB, requester)).toHaveLength(1);
    expect((await messagesIn(dmOf(approver))).length).toBe(1);
  });
});

describe("reject with a reason", () => {
  it("Reject opens the reason modal; an empty reason is refused next to the field", async () => {
    const approver = await newUser();
    const id = await startRequest(await newUser(), approver);
    await approverDm(approver);
    const tooShort = await reject(approver, id, "no");
    expect(tooShort.body).toEqual({ response_action: "errors", errors: { reason: "Please say why (at least 3 characters)." } });
    expect((await requestJson(id)).status).toBe("pending");
  });

  it("someone who may not decide gets an ephemeral reply instead of the modal", async () => {
    const approver = await newUser();
    const id = await startRequest(await newUser(), approver);
    await approverDm(approver);
    const stranger = await newUser();
    const { hook } = await click(stranger, id, "reject");
    expect((await replyTo(hook)).text).toMatch(/can't decide this request/);
    // The click has settled (its work after the answer is done): no modal was opened.
    expect(await slackCalls((c) => c.args.view?.private_metadata === id, { method: "views.open", match: id })).toEqual([]);
  });
});

describe("cancel", () => {
  it("the requester cancels from the receipt: approvers' messages updated, the workflow ends cleanly", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver);
    await approverDm(approver);
    await eventually(async () => (await messagesIn(dmOf(requester)))[0], "the receipt");
    const notMine = await click(approver, id, "cancel");
    expect((await replyTo(notMine.hook)).text).toMatch(/Only the requester can cancel/);

    expect((await click(requester, id, "cancel")).status).toBe(200);
    const done = await waitForStatus(id, "cancelled");
    expect(done).toMatchObject({ decided_by: requester, workflow: { status: "complete" } });
    const [dm] = await messagesIn(dmOf(approver));
    expect(text(dm!.blocks)).toContain(`Cancelled* by <@${requester}>`);
    expect(text(dm!.blocks)).not.toContain("approval_approve");
    expect((await (await env.APPROVAL.get(id)).status()).output).toMatchObject({ status: "cancelled" });
    // The approver's late click is told, not acted on.
    const late = await click(approver, id, "approve");
    expect((await replyTo(late.hook)).text).toMatch(/already been decided by/);
  });
});

describe("status and lists", () => {
  it("/approval status <id> answers the requester and approvers, nobody else", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver, "Access to prod");
    await approverDm(approver);
    for (const who of [requester, approver]) {
      const { body } = await slashCommand(who, `status ${id}`);
      expect(body.response_type).toBe("ephemeral");
      expect(body.text).toContain(`\`${id}\`* (default) is *pending*`);
      expect(body.text).toContain("Access to prod");
    }
    const stranger = await slashCommand(await newUser(), `status ${id}`);
    expect(stranger.body.text).toMatch(/No request .* that you asked for or can decide/);
    expect((await slashCommand(requester, "status nonsense")).body.text).toMatch(/with a request id/);
  });

  it("/approval list shows my pending decisions and my open requests", async () => {
    const me = await newUser();
    const other = await newUser();
    const mine = await startRequest(me, other, "My laptop");
    const forMe = await startRequest(other, me, "Their access");
    await approverDm(me);
    await approverDm(other);
    const { body } = await slashCommand(me, "list");
    expect(body.text).toMatch(new RegExp(`Waiting for your decision\\* \\(1\\):\\n:hourglass: \`${forMe}\``));
    expect(body.text).toMatch(new RegExp(`Your open requests\\* \\(1\\):\\n:hourglass: \`${mine}\``));
  });
});

describe("App Home (Events API)", () => {
  const event = (e: unknown) => postSigned("/slack/events", JSON.stringify(e), { headers: { "content-type": "application/json" } });

  it("answers the url_verification challenge (signed like every Slack route)", async () => {
    const res = await event({ type: "url_verification", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", token: "x" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    const unsigned = await postSigned("/slack/events", JSON.stringify({ type: "url_verification", challenge: "x" }), { signature: null });
    expect(unsigned.status).toBe(401);
    // Slack's bodies all have a type; one without is not Slack's. Any type is acked (events.test.ts).
    expect((await event({ challenge: "x" })).status).toBe(400);
    expect((await event({ type: "nonsense" })).status).toBe(200);
  });

  it('the requester\'s App Home lists their requests under "Your requests", refreshed as they change', async () => {
    const requester = await newUser();
    const approver = await newUser();
    await event({ type: "event_callback", event_id: `Ev${requester}`, event: { type: "app_home_opened", user: requester, tab: "home" } });
    const publishes = () => slackCalls((c) => c.method === "views.publish" && c.args.user_id === requester, { method: "views.publish", match: requester });
    const empty = await eventually(async () => (await publishes())[0], "the first publish");
    expect(text(empty.args.view)).toContain("You have not asked for anything yet");

    const id = await startRequest(requester, approver, "Home-tab listing check");
    const yours = (view: unknown) => {
      const blocks = (view as { blocks: { type: string; text?: { text: string } }[] }).blocks;
      const heading = blocks.findIndex((b) => b.type === "header" && b.text?.text === "Your requests");
      return blocks.slice(heading + 1).map((b) => b.text?.text ?? "");
    };
    const listed = await eventually(async () => (await publishes()).find((c) => text(c.args.view).includes(id)), "the home listing the request");
    expect(yours(listed.args.view)).toEqual([`:hourglass: \`${id}\` pending: Home-tab listing check`]);
    // Their own request has no buttons for them.
    expect(text(listed.args.view)).not.toContain("approval_approve");

    await click(approver, id, "approve");
    await waitForStatus(id, "approved");
    const after = await eventually(
      async () => (await publishes()).find((c) => yours(c.args.view).some((line) => line.startsWith(`:white_check_mark: \`${id}\` approved`))),
      "the home after the decision",
    );
    expect(yours(after.args.view)).toHaveLength(1);
  });

  it("app_home_opened publishes the home; later changes refresh it", async () => {
    const me = await newUser();
    const requester = await newUser();
    const res = await event({ type: "event_callback", event_id: "Ev1", event: { type: "app_home_opened", user: me, tab: "home" } });
    expect(res.status).toBe(200);
    const first = await eventually(
      async () => (await slackCalls((c) => c.args.user_id === me, { method: "views.publish", match: me }))[0],
      "the first publish",
    );
    expect(text(first.args.view)).toContain("Waiting for you (0)");

    const id = await startRequest(requester, me, "Home test");
    const waiting = await eventually(
      async () => (await slackCalls((c) => c.args.user_id === me, { method: "views.publish", match: me })).find((c) => text(c.args.view).includes(id)),
      "the refreshed home",
    );
    expect(text(waiting.args.view)).toContain("Waiting for you (1)");
    expect(text(waiting.args.view)).toContain("approval_approve");
    // The requester never opened the App Home: no publish for them.
    expect(await slackCalls((c) => c.args.user_id === requester, { method: "views.publish", match: requester })).toEqual([]);

    await click(me, id, "approve");
    await waitForStatus(id, "approved");
    await eventually(
      async () =>
        text((await slackCalls((c) => c.args.user_id === me, { method: "views.publish", match: me })).at(-1)?.args.view).includes("Waiting for you (0)"),
      "the home after the decision",
    );
  });
});

describe("Slack limits", () => {
  it("descriptions are truncated to the section limit and user text is escaped", async () => {
    const approver = await newUser();
    // Typed: `<!here> ` and 790 `&`, as Slack sends it (escaped: under the 4,000 characters the
    // route takes). Escaped again for mrkdwn it is 3,964 characters: over a section's 3,000.
    const id = await startRequest(await newUser(), approver, `&lt;!here&gt; ${"&amp;".repeat(790)}`);
    // Slack (the stand-in) refuses a section over 3,000 characters: the DM exists only if it was cut.
    const dm = await eventually(async () => {
      const row = await requestJson(id);
      if (row.status === "failed") throw new Error(`the request failed: ${row.error}`);
      return (await messagesIn(dmOf(approver)))[0];
    }, "the DM");
    const section = dm.blocks.find((b) => b.type === "section" && b.text?.text.includes("asks for approval"))!.text!.text;
    // Cut at our limit (2,900, a margin under Slack's 3,000), never inside an entity, and marked.
    expect(section.length).toBeGreaterThan(2895);
    expect(section.length).toBeLessThanOrEqual(2900);
    expect(section).toMatch(/>&lt;!here&gt; (&amp;)+…$/);
    expect(text(dm.blocks)).not.toContain("<!here>");
    // The notification text is cut shorter.
    expect(dm.text.length).toBeLessThan(300);
    expect(dm.text).toMatch(/&amp;…$/);
    expect(escapeText("<@U1> & <#C1>")).toBe("&lt;@U1&gt; &amp; &lt;#C1&gt;");
  });

  it("a long rejection reason is cut to Slack's limits after escaping, so the update still goes through", async () => {
    const approver = await newUser();
    const id = await startRequest(await newUser(), approver);
    await approverDm(approver);
    expect((await reject(approver, id, "&".repeat(1000))).status).toBe(200);
    await waitForStatus(id, "rejected");
    const [dm] = await messagesIn(dmOf(approver));
    expect(dm!.updated).toBe(1);
    for (const b of dm!.blocks) if (b.text?.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(text(dm!.blocks)).not.toContain("approval_approve");
    expect(text(dm!.blocks)).not.toMatch(/&a?m?p?…/);
  });

  it("App Home button rows have unique block ids (Slack refuses duplicates)", () => {
    const two = ["req-aaaaaaaaaaaa", "req-bbbbbbbbbbbb"].map((id) => ({
      id,
      type: "default",
      requester: "U0A1",
      source: null,
      fields: null,
      description: "x",
      description_rich: null,
      status: "pending" as const,
      created_at: "2026-01-01T00:00:00Z",
    }));
    const ids = (homeView(two, []).blocks as { block_id?: string }[]).map((b) => b.block_id).filter(Boolean);
    expect(ids).toEqual(["decision:req-aaaaaaaaaaaa", "decision:req-bbbbbbbbbbbb"]);
  });

  it("views and messages stay within 50 blocks", () => {
    expect(capBlocks(Array.from({ length: 80 }, () => ({ type: "divider" })))).toHaveLength(50);
    const many = Array.from({ length: 40 }, (_, i) => ({
      id: `req-${String(i).padStart(12, "0")}`,
      type: "default",
      requester: "U0A1",
      source: null,
      fields: null,
      description: "x",
      description_rich: null,
      status: "pending" as const,
      created_at: "2026-01-01T00:00:00Z",
    }));
    expect((homeView(many, many).blocks as unknown[]).length).toBeLessThanOrEqual(50);
  });

  it("posts to one channel are paced about a second apart", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver);
    await approverDm(approver);
    await eventually(async () => (await requestJson(id)).messages.some((m: { role: string }) => m.role === "requester"), "the receipt recorded");
    // The pacer's record for the requester's DM, as if a post had just gone there (set ahead, so
    // how long this machine takes between two steps cannot make the wait unnecessary).
    await env.KV.put(`pace:${dmOf(requester)}`, String(Date.now() + 60_000));
    // scheduler.wait is the runtime's timer; the spy only watches it (the pacer runs in this isolate).
    const timers = vi.spyOn(scheduler, "wait");
    try {
      await click(approver, id, "approve");
      await eventually(async () => (await messagesIn(dmOf(requester))).length === 2, "the outcome DM");
      // The outcome DM waited one full gap after the receipt (at most one: a far-off record never holds a post longer).
      expect(timers.mock.calls.map(([ms]) => ms)).toContain(1000);
    } finally {
      timers.mockRestore();
    }
    const posts = (await callsTo(requester)).filter((c) => c.method === "chat.postMessage");
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1000);
  });
});
