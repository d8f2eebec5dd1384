import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { commandForm } from "../scripts/lib/slack-payloads.js";
import { approverDm, callsFor, newUser, postSigned, slackCalls, slashCommand } from "./helpers";

describe("POST /slack/commands", () => {
  it("answers with the request id and who was asked, ephemerally", async () => {
    const approver = newUser();
    const { status, body } = await slashCommand(newUser(), `<@${approver}|maria> Deploy billing-api v2.3`);
    expect(status).toBe(200);
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toMatch(new RegExp(`Request \`req-[a-z0-9]{12}\` sent to <@${approver}>`));
    await approverDm(approver);
  });

  it("accepts a mention without a display name", async () => {
    const approver = newUser();
    const { body } = await slashCommand(newUser(), `<@${approver}> Expense: 2 monitors`);
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
      const requester = newUser();
      const { status, body } = await slashCommand(requester, text);
      expect(status).toBe(200);
      expect(body.response_type).toBe("ephemeral");
      expect(body.text).toMatch(expected);
      expect(body.text).not.toMatch(/req-/);
    });
  }

  it("with no text, opens the new-request modal (views.open with the trigger_id) and answers with an empty 200", async () => {
    const requester = newUser();
    const res = await postSigned("/slack/commands", commandForm(requester, "", { triggerId: `trigger-${requester}` }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    const [opened] = await slackCalls((c) => c.method === "views.open" && c.args.trigger_id === `trigger-${requester}`);
    expect(opened!.args.view).toMatchObject({ type: "modal", callback_id: "approval_new" });
    const blocks = opened!.args.view!.blocks.map((b) => b.block_id);
    expect(blocks).toEqual(["type", "approver", "description", "amount", "due"]);
  });

  it("refuses a request the requester would approve themselves", async () => {
    const me = newUser();
    const { body } = await slashCommand(me, `<@${me}> give me prod access`);
    expect(body.text).toMatch(/can't approve your own request/);
    await new Promise((r) => setTimeout(r, 100));
    expect(await callsFor(me)).toEqual([]);
  });

  it("refuses a malformed command payload with a 400", async () => {
    const res = await postSigned("/slack/commands", new URLSearchParams({ command: "/approval", text: "hi", user_id: "not-a-user" }).toString());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/invalid slash command: user_id/);
  });

  it("answers within Slack's 3 seconds (the route only starts the workflow)", async () => {
    const started = Date.now();
    await slashCommand(newUser(), `<@${newUser()}> quick one`);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("has the test configuration it relies on", () => {
    expect(env.ESCALATION_USER).toMatch(/^U/);
  });
});
