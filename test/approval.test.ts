import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  approverDm,
  callsTo,
  click,
  commandBody,
  dmOf,
  eventually,
  messagesIn,
  newUser,
  postSignedSettled,
  reject,
  repliesIn,
  requestJson,
  slackCalls,
  startRequest,
  startWithoutName,
  waitForStatus,
} from "./helpers";

const text = (blocks: unknown) => JSON.stringify(blocks);

describe("the approval loop, end to end through signed HTTP requests", () => {
  for (const action of ["approve", "reject"] as const) {
    it(`${action}: slash command → DM with buttons → signed click → messages updated, requester told, recorded`, async () => {
      const requester = await newUser();
      const approver = await newUser();
      const id = await startRequest(requester, approver, "Deploy billing-api v2.3 to production");

      // The approver's DM: who asked, what, the id, and the two buttons.
      const dm = await approverDm(approver);
      expect(text(dm.blocks)).toContain(`<@${requester}>`);
      expect(text(dm.blocks)).toContain("Deploy billing-api v2.3 to production");
      expect(text(dm.blocks)).toContain(id);
      expect(text(dm.blocks)).toContain("approval_reject");
      const opened = await callsTo(approver);
      // One call: posted to the approver's id, Slack answers with the DM channel.
      expect(opened.map((c) => c.method)).toEqual(["chat.postMessage"]);
      expect(opened[0]!.args.channel).toBe(approver);
      // The notification text names the requester by the name Slack sent with the command.
      expect(opened[0]!.args.text).toContain(`approval requested by ${requester.toLowerCase()}`);

      // The requester's receipt, with a Cancel button.
      const receipt = await eventually(async () => (await messagesIn(dmOf(requester)))[0], "the receipt");
      expect(text(receipt.blocks)).toContain("approval_cancel");
      expect(receipt.text).toContain(`is with <@${approver}>`);

      const pending = await requestJson(id);
      expect(pending).toMatchObject({ status: "pending", requester, approvers: [approver], decided_by: null });

      const reason = "Not during the release freeze";
      if (action === "approve") expect((await click(approver, id, "approve")).status).toBe(200);
      else expect(await reject(approver, id, reason)).toEqual({ status: 200, body: null });
      const status = action === "approve" ? "approved" : "rejected";
      const done = await waitForStatus(id, status);

      // The approver's DM is updated in place: buttons gone, outcome and who decided (and why).
      const [updated] = await messagesIn(dmOf(approver));
      expect(updated!.ts).toBe(dm.ts);
      expect(updated!.updated).toBe(1);
      expect(text(updated!.blocks)).not.toContain("approval_approve");
      expect(text(updated!.blocks)).toContain(`${action === "approve" ? "Approved" : "Rejected"}* by <@${approver}>`);
      if (action === "reject") expect(text(updated!.blocks)).toContain(reason);

      // The requester: the receipt loses its Cancel button, and a DM tells the outcome (and reason).
      const told = await eventually(async () => (await messagesIn(dmOf(requester)))[1], "the requester's outcome DM");
      expect(told.text).toContain(status);
      expect(told.text).toContain(id);
      if (action === "reject") expect(told.text).toContain(`Reason:\n>${reason}`);
      const receiptNow = (await messagesIn(dmOf(requester)))[0]!;
      expect(text(receiptNow.blocks)).not.toContain("approval_cancel");
      // The updated DM shows the outcome: no reply in its thread repeats it.
      expect(await repliesIn(dmOf(approver), dm.ts)).toEqual([]);

      // D1: the row and the audit trail, in order, with actors (and the reason).
      expect(done).toMatchObject({ status, decided_by: approver, requester, workflow: { status: "complete" } });
      expect(done.decided_at).toBeTruthy();
      expect(done.audit.map((a) => [a.event, a.actor])).toEqual([
        ["created", requester],
        ["notified", approver],
        [status, approver],
      ]);
      if (action === "reject") expect(done.audit.at(-1)!.detail).toBe(reason);

      // The workflow finished with the same outcome.
      const output = await (await env.APPROVAL.get(id)).status();
      expect(output.output).toMatchObject({ status, decidedBy: approver, level: 1 });
    });
  }

  it("escapes the description so it cannot notify a channel or fake a mention", async () => {
    const requester = await newUser();
    const approver = await newUser();
    // Typed `please <!channel> & <@U0BOSS> look`: Slack escapes the person's own < > &, so it is text.
    const typed = await startRequest(requester, approver, "please &lt;!channel&gt; &amp; &lt;@U0BOSS&gt; look");
    const dm = await approverDm(approver);
    expect(text(dm.blocks)).not.toContain("<!channel>");
    expect(text(dm.blocks)).toContain("please &lt;!channel&gt; &amp; &lt;@U0BOSS&gt; look");
    expect((await requestJson(typed)).description).toBe("please <!channel> & <@U0BOSS> look");
    // Typed `please @channel`: Slack makes it a broadcast, which the service shows as a word, never a ping.
    const other = await newUser();
    const broadcast = await startRequest(requester, other, "please <!channel|channel> and <!subteam^S0ONCALL|@oncall> look");
    const section = (await approverDm(other)).blocks.find((b) => b.type === "section")!.text!.text;
    expect(section).toContain(">please @channel and @oncall look");
    expect(section).not.toContain("<!");
    expect((await requestJson(broadcast)).description).toBe("please @channel and @oncall look");
  });

  it("counts the Slack calls of one approval", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver);
    await approverDm(approver);
    await click(approver, id, "approve");
    await waitForStatus(id, "approved");
    await eventually(async () => (await messagesIn(dmOf(requester))).length === 2, "the outcome DM");
    const calls = [...(await callsTo(approver)), ...(await callsTo(requester))].sort((a, b) => a.seq - b.seq);
    // Five: the requester's name came with the command (no users.info), and the updated DM shows
    // the outcome (no reply in its thread).
    expect(calls.map((c) => c.method)).toEqual([
      "chat.postMessage", // the request, posted to the approver's id (no conversations.open)
      "chat.postMessage", // the receipt with Cancel, posted to the requester's id
      "chat.update", // approver DM: outcome
      "chat.update", // receipt: Cancel removed
      "chat.postMessage", // requester: outcome (the notification)
    ]);
  });

  it("names the requester by the name Slack sent with the command, and keeps it for the dashboard", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const form = new URLSearchParams(await commandBody(requester, `<@${approver}> Rotate the keys`));
    form.set("user_name", "pat.sent");
    expect((await postSignedSettled("/slack/commands", form.toString())).status).toBe(200);
    expect((await approverDm(approver)).text).toContain("approval requested by pat.sent");
    expect(await slackCalls((c) => c.args.user === requester, { method: "users.info", match: requester })).toEqual([]);
    expect(await env.KV.get(`name:${requester}`)).toBe("pat.sent");
  });

  it("without a name in the command, asks Slack once: the next request reads it from KV", async () => {
    const requester = await newUser();
    for (const approver of [await newUser(), await newUser()]) {
      await startWithoutName(requester, approver);
      const dm = await approverDm(approver);
      expect(dm.text).toContain(`approval requested by ${requester.toLowerCase()}`);
    }
    expect((await slackCalls((c) => c.args.user === requester, { method: "users.info", match: requester })).length).toBe(1);
  });
});
