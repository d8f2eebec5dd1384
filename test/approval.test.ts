import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  approverDm,
  callsFor,
  click,
  dmOf,
  eventually,
  messagesIn,
  newUser,
  requestJson,
  startRequest,
  waitForStatus,
} from "./helpers";

const text = (blocks: unknown) => JSON.stringify(blocks);

describe("the approval loop, end to end through signed HTTP requests", () => {
  for (const action of ["approve", "reject"] as const) {
    it(`${action}: slash command → DM with buttons → signed click → messages updated, requester told, recorded`, async () => {
      const requester = newUser();
      const approver = newUser();
      const id = await startRequest(requester, approver, "Deploy billing-api v2.3 to production");

      // The approver's DM: who asked, what, the id, and the two buttons.
      const dm = await approverDm(approver);
      expect(text(dm.blocks)).toContain(`<@${requester}>`);
      expect(text(dm.blocks)).toContain("Deploy billing-api v2.3 to production");
      expect(text(dm.blocks)).toContain(id);
      expect(text(dm.blocks)).toContain("approval_reject");
      const opened = await callsFor(approver);
      expect(opened.map((c) => c.method)).toEqual(["conversations.open", "chat.postMessage"]);
      expect(opened[0]!.args.users).toBe(approver);
      // The notification text uses the requester's display name (users.info).
      expect(opened[1]!.args.text).toContain(`approval requested by ${requester.toLowerCase()}`);

      const pending = await requestJson(id);
      expect(pending).toMatchObject({ status: "pending", requester, approvers: [approver], decided_by: null });

      expect((await click(approver, id, action)).status).toBe(200);
      const status = action === "approve" ? "approved" : "rejected";
      const done = await waitForStatus(id, status);

      // The approver's DM is updated in place: buttons gone, outcome and who decided.
      const [updated] = await messagesIn(dmOf(approver));
      expect(updated!.ts).toBe(dm.ts);
      expect(updated!.updated).toBe(1);
      expect(text(updated!.blocks)).not.toContain("approval_approve");
      expect(text(updated!.blocks)).toContain(`${action === "approve" ? "Approved" : "Rejected"}* by <@${approver}>`);

      // The requester gets a DM with the outcome.
      const told = await eventually(async () => (await messagesIn(dmOf(requester)))[0], "the requester's DM");
      expect(told.text).toContain(status);
      expect(told.text).toContain(id);

      // D1: the row and the audit trail, in order, with actors.
      expect(done).toMatchObject({ status, decided_by: approver, requester, workflow: { status: "complete" } });
      expect(done.decided_at).toBeTruthy();
      expect(done.audit.map((a: { event: string; actor: string }) => [a.event, a.actor])).toEqual([
        ["created", requester],
        ["notified", approver],
        [status, approver],
      ]);

      // The workflow finished with the same outcome.
      const output = await (await env.APPROVAL.get(id)).status();
      expect(output.output).toMatchObject({ status, decidedBy: approver, level: 1 });
    });
  }

  it("escapes the description so it cannot notify a channel or fake a mention", async () => {
    const requester = newUser();
    const approver = newUser();
    const id = await startRequest(requester, approver, "please <!channel> & <@U0BOSS> look");
    const dm = await approverDm(approver);
    expect(text(dm.blocks)).not.toContain("<!channel>");
    expect(text(dm.blocks)).toContain("&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;");
    expect((await requestJson(id)).description).toBe("please <!channel> & <@U0BOSS> look");
  });

  it("makes exactly six Slack calls for one approval", async () => {
    const requester = newUser();
    const approver = newUser();
    const id = await startRequest(requester, approver);
    await approverDm(approver);
    await click(approver, id, "approve");
    await waitForStatus(id, "approved");
    const calls = await callsFor(approver, requester);
    expect(calls.map((c) => c.method)).toEqual([
      "users.info",
      "conversations.open",
      "chat.postMessage",
      "chat.update",
      "conversations.open",
      "chat.postMessage",
    ]);
  });
});
