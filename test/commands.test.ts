import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { commandForm } from "../standin/payloads.js";
import {
  approverDm,
  callsFor,
  commandBody,
  injectFaults,
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

  it("keeps the description as typed: Slack's escaped & < > are decoded once, its tokens kept", async () => {
    const approver = await newUser();
    // What Slack sends for `R&D <v2> see https://example.com/?a=1&b=2` (should_escape).
    const id = await startRequest(await newUser(), approver, "R&amp;D &lt;v2&gt; see <https://example.com/?a=1&amp;b=2>");
    const dm = await approverDm(approver);
    expect((await requestJson(id)).description).toBe("R&D <v2> see <https://example.com/?a=1&amp;b=2>");
    // Escaped once for mrkdwn, so Slack shows `R&D <v2>`, not `R&amp;D`.
    expect(JSON.stringify(dm.blocks)).toContain(">R&amp;D &lt;v2&gt; see ");
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
