import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { requestsBy } from "../src/core/store";
import { commandForm } from "../standin/payloads.js";
import {
  approverDm,
  callsFor,
  commandBody,
  dmOf,
  injectFaults,
  messagesIn,
  newUser,
  postSigned,
  postSignedSettled,
  postTo,
  requestJson,
  responsesTo,
  slackCalls,
  slashCommand,
  standin,
  startRequest,
  waitForStatus,
} from "./helpers";

describe("POST /slack/commands", () => {
  it("answers with the request id and who was asked, ephemerally", async () => {
    const approver = await newUser();
    const { status, body } = await slashCommand(await newUser(), `<@${approver}|maria> Deploy billing-api v2.3`);
    expect(status).toBe(200);
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toMatch(new RegExp(`Request \`req-[a-z0-9]{12}\` sent to <@${approver}>`));
    await approverDm(approver);
  });

  it("accepts a mention without a display name", async () => {
    const approver = await newUser();
    const { body } = await slashCommand(await newUser(), `<@${approver}> Expense: 2 monitors`);
    expect(body.text).toMatch(/sent to/);
  });

  const usageCases: [string, string, RegExp][] = [
    ["help", "help", /approval @approver/],
    ["no mention", "maria deploy it", /approver as a mention/],
    ["plain @name (not a mention)", "@maria deploy it", /approver as a mention/],
    ["mention without description", `<@U0TESTAPPR|maria>   `, /what needs approving/],
    ["too long", `<@U0TESTAPPR> ${"x".repeat(2001)}`, /too long/],
    // As Slack sends it: 2,001 typed "&" arrive as 10,005 characters of "&amp;".
    ["too long once decoded", `<@U0TESTAPPR> ${"&amp;".repeat(2001)}`, /too long \(2001 characters/],
  ];
  for (const [name, text, expected] of usageCases) {
    it(`explains the usage and starts nothing: ${name}`, async () => {
      await using approvals = await introspectWorkflow(env.APPROVAL);
      const requester = await newUser();
      const { status, body } = await slashCommand(requester, text);
      expect(status).toBe(200);
      expect(body.response_type).toBe("ephemeral");
      expect(body.text).toMatch(expected);
      expect(body.text).not.toMatch(/req-/);
      // The route starts its instance before it answers: none was started.
      expect(await approvals.get()).toHaveLength(0);
    });
  }

  it("with no text, opens the new-request modal (views.open with the trigger_id) and answers with an empty 200", async () => {
    const requester = await newUser();
    const body = await commandBody(requester, "");
    const triggerId = new URLSearchParams(body).get("trigger_id");
    const res = await postSignedSettled("/slack/commands", body);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    // views.open runs after the answer (waitUntil, which has settled), with the command's trigger_id, and Slack takes it.
    const [opened, ...more] = await slackCalls((c) => c.args.trigger_id === triggerId, { method: "views.open" });
    expect(more).toEqual([]);
    expect(opened?.result).toBe("ok");
    expect(opened!.args.view).toMatchObject({ type: "modal", callback_id: "approval_new" });
    const blocks = opened!.args.view!.blocks.map((b) => b.block_id);
    expect(blocks).toEqual(["type", "approver", "description", "amount", "due"]);
  });

  it("with no text and a trigger_id Slack refuses, tells the requester the form could not open", async () => {
    const requester = await newUser();
    const responseUrl = await standin.responseUrl({ user: requester, channel: "C0GENERAL" });
    // Slack's trigger_ids are single use and expire after 3 s: this one was never issued.
    const res = await postSignedSettled("/slack/commands", commandForm(requester, "", { triggerId: "1234567890.1.deadbeef", responseUrl }));
    expect(res.status).toBe(200);
    const replies = await responsesTo(new URL(responseUrl).pathname);
    expect(replies.map((r) => r.body.text)).toEqual([expect.stringMatching(/form could not be opened/)]);
    const opened = await slackCalls((c) => c.args.trigger_id === "1234567890.1.deadbeef", { method: "views.open" });
    expect(opened.map((c) => c.result)).toEqual(["invalid_trigger_id"]);
  });

  it("keeps the description as typed: Slack's escapes decoded once, links and mentions kept for Slack, readable text in D1", async () => {
    const approver = await newUser();
    const other = await newUser();
    // What Slack sends (should_escape) for `R&D <v2> see [the PR](https://example.com/?a=1&b=2) cc @bob @here @oncall`.
    const escaped = `R&amp;D &lt;v2&gt; see <https://example.com/?a=1&amp;b=2|the PR> cc <@${other}|bob> <!here> <!subteam^S0ONCALL|@oncall>`;
    const id = await startRequest(await newUser(), approver, escaped);
    const dm = await approverDm(approver);
    const row = await requestJson(id);
    expect(row.description).toBe("R&D <v2> see the PR (https://example.com/?a=1&b=2) cc @bob @here @oncall");
    expect(row.description_rich).toContainEqual({ type: "user", id: other, label: "bob" });
    // In Slack: escaped once, the link and the mention kept, nobody notified by @here or @oncall.
    const section = dm.blocks.find((b) => b.type === "section")!.text!;
    expect(section).toMatchObject({ type: "mrkdwn", verbatim: true });
    expect(section.text).toContain(`>R&amp;D &lt;v2&gt; see <https://example.com/?a=1&amp;b=2|the PR> cc <@${other}> @here @oncall`);
    expect(section.text).not.toContain("<!");
  });

  it("takes a description that Slack's escaping made several times longer than what was typed", async () => {
    const approver = await newUser();
    // 2,000 characters typed (the most a description may have), 5,440 as Slack sends them ("&" → "&amp;").
    const typed = `${"R&&D ".repeat(380)}${"&".repeat(100)}`.trim();
    const id = await startRequest(await newUser(), approver, typed.replaceAll("&", "&amp;"));
    await approverDm(approver);
    expect((await requestJson(id)).description).toBe(typed);
  });

  it("the same command delivered three times (a retry by Slack or the Socket Mode bridge) makes one request, one DM and the same answer", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const body = await commandBody(requester, `<@${approver}|maria> Deploy billing-api v2.3`);
    const ts = Math.floor(Date.now() / 1000);
    const answers: unknown[] = [];
    // The same signed delivery twice, then the same body signed again later, as the bridge re-sends it.
    for (const timestamp of [ts, ts, ts + 1]) {
      const res = await postSigned("/slack/commands", body, { timestamp });
      expect(res.status).toBe(200);
      answers.push(await res.json());
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    const id = /`(req-[a-z0-9]{12})`/.exec((answers[0] as { text: string }).text)?.[1];
    await approverDm(approver);
    expect((await requestsBy(env.DB, requester, 10)).map((r) => r.id)).toEqual([id]);
    expect(await messagesIn(dmOf(approver))).toHaveLength(1);
  });

  it("refuses a request the requester would approve themselves", async () => {
    await using approvals = await introspectWorkflow(env.APPROVAL);
    const me = await newUser();
    const { body } = await slashCommand(me, `<@${me}> give me prod access`);
    expect(body.text).toMatch(/can't approve your own request/);
    expect(await approvals.get()).toHaveLength(0);
    expect(await callsFor(me)).toEqual([]);
  });

  it("refuses a malformed command payload with a 400", async () => {
    const res = await postSigned("/slack/commands", new URLSearchParams({ command: "/approval", text: "hi", user_id: "not-a-user" }).toString());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/invalid slash command: user_id/);
  });

  it("answers without waiting for Slack (the route only starts the workflow), so within Slack's 3 seconds", async () => {
    // Slack is down for this approver's DM: the answer does not depend on it, the workflow does.
    const approver = await newUser();
    await injectFaults("chat.postMessage", postTo(approver), [{ error: "invalid_auth" }]);
    const { status, body } = await slashCommand(await newUser(), `<@${approver}> quick one`);
    expect(status).toBe(200);
    const id = /`(req-[a-z0-9]{12})`/.exec(body.text ?? "")![1]!;
    expect(body.text).toContain(`sent to <@${approver}>`);
    // The DM's failure comes later, from the workflow, and fails the request there.
    expect((await waitForStatus(id, "failed")).error).toMatch(/invalid_auth/);
  });
});
