import { describe, expect, it } from "vitest";
import { blockActionsPayload, interactionForm } from "../standin/payloads.js";
import {
  apiGet,
  click,
  dmOf,
  eventually,
  forceTimeouts,
  levelWaits,
  messagesIn,
  newUser,
  postSigned,
  requestJson,
  responsesTo,
  slackCalls,
  slashCommand,
  standin,
  startTyped,
  waitForStatus,
} from "./helpers";

/**
 * User groups as approvers and an approvals channel (issue 14, parts 2 and 3), through the real
 * routes, the local Workflows engine and the Slack stand-in (its @oncall group is Maria
 * U0APPROVER and Sam U0ESCALATE; #approvals has the bot, #random does not).
 */

const MARIA = "U0APPROVER";
const SAM = "U0ESCALATE";
const text = (x: unknown) => JSON.stringify(x);

/** The DM about request `id` to `user`. */
const dmAbout = (user: string, id: string) =>
  eventually(async () => (await messagesIn(dmOf(user))).find((m) => text(m.blocks).includes(id)), `${user}'s DM about ${id}`);

/** A click on a message in a channel, as Slack sends it: with a response_url for the clicker's answer. */
async function channelClick(user: string, channel: string, ts: string, id: string, action: "approve" | "reject") {
  const [triggerId, responseUrl] = await Promise.all([standin.triggerId(user), standin.responseUrl({ user, channel, kind: "actions", messageTs: ts })]);
  const payload = blockActionsPayload({
    user,
    channelId: channel,
    channelName: "approvals",
    messageTs: ts,
    actions: [{ action_id: `approval_${action}`, block_id: `decision:${id}`, value: id, type: "button", action_ts: "1700000001.000200" }],
    triggerId,
    responseUrl,
  });
  const res = await postSigned("/slack/interactions", interactionForm(payload));
  await res.body?.cancel();
  return { status: res.status, hook: new URL(responseUrl).pathname };
}

const replyTo = (hook: string) => eventually(async () => (await responsesTo(hook))[0]?.body.text, "the ephemeral answer");

describe("user groups as approvers", () => {
  it("`/approval @oncall …`: every member gets the DM (saying why), the audit records the group and its members, one member decides", async () => {
    const requester = await newUser();
    const { status, body } = await slashCommand(requester, "<!subteam^S0ONCALL|@oncall> Restart the billing workers");
    expect(status).toBe(200);
    expect(body.text).toContain("sent to <!subteam^S0ONCALL>");
    const id = /`(req-[a-z0-9]{12})`/.exec(body.text ?? "")![1]!;

    const [maria, sam] = await Promise.all([dmAbout(MARIA, id), dmAbout(SAM, id)]);
    for (const dm of [maria, sam]) {
      expect(text(dm.blocks)).toContain("You are asked as a member of <!subteam^S0ONCALL>");
      expect(text(dm.blocks)).toContain("approval_approve");
    }
    // Read once, with the bot token and usergroups:read.
    const reads = await slackCalls((c) => c.method === "usergroups.users.list" && c.args.usergroup === "S0ONCALL");
    expect(reads.length).toBeGreaterThan(0);
    const pending = await eventually(async () => {
      const r = await requestJson(id);
      return r.approvers.length === 2 && r;
    }, "level 1 resolved");
    expect(pending.approvers).toEqual([MARIA, SAM]);

    expect((await click(SAM, id, "approve")).status).toBe(200);
    const done = await waitForStatus(id, "approved");
    expect(done.decided_by).toBe(SAM);
    expect(done.audit).toContainEqual(expect.objectContaining({ event: "group-expanded", actor: "S0ONCALL", detail: `${MARIA},${SAM}` }));
    expect(done.audit.filter((a) => a.event === "notified").map((a) => a.actor)).toEqual([MARIA, SAM]);
    // The receipt names the group; Maria's DM shows the outcome too.
    await eventually(
      async () => (await messagesIn(dmOf(MARIA))).find((m) => text(m.blocks).includes(id) && text(m.blocks).includes("Approved")),
      "Maria's DM updated",
    );
  });

  it("a policy level of a group with quorum 2 counts people: Maria's approval is 1 of 2, Sam's decides", async () => {
    const requester = await newUser();
    const id = await startTyped(requester, "oncall", null, "Fail over the primary database");
    await Promise.all([dmAbout(MARIA, id), dmAbout(SAM, id)]);
    const first = await click(MARIA, id, "approve");
    expect(await replyTo(first.hook)).toContain("1 of 2");
    expect((await click(SAM, id, "approve")).status).toBe(200);
    const done = await waitForStatus(id, "approved");
    expect(done.decided_by).toBe(SAM);
    expect(done.quorum).toBe(2);
  });

  it("a group Slack cannot read fails the request with a clear error to the requester, not an empty level", async () => {
    const requester = await newUser();
    const { body } = await slashCommand(requester, "<!subteam^S0NOSUCH|@ghosts> Rotate the keys");
    const id = /`(req-[a-z0-9]{12})`/.exec(body.text ?? "")![1]!;
    const failed = await waitForStatus(id, "failed");
    expect(failed.error).toContain("could not be read (no_such_subteam)");
    expect(failed.audit).toContainEqual(expect.objectContaining({ event: "group-unreadable", actor: "S0NOSUCH", detail: "no_such_subteam" }));
    const told = await eventually(async () => (await messagesIn(dmOf(requester))).find((m) => m.text.includes("could not be processed")), "the requester's DM");
    expect(told.text).toContain("S0NOSUCH");
  });

  it("an empty group (or one of only the requester) fails the same way", async () => {
    const requester = await newUser();
    await standin.setUsergroup("S0ONCALL", [requester]);
    try {
      const { body } = await slashCommand(requester, "<!subteam^S0ONCALL|@oncall> Rotate the keys");
      const id = /`(req-[a-z0-9]{12})`/.exec(body.text ?? "")![1]!;
      const failed = await waitForStatus(id, "failed");
      expect(failed.error).toContain("has nobody in it who can approve this request");
    } finally {
      await standin.setUsergroup("S0ONCALL", [MARIA, SAM]);
    }
  });
});

describe("user groups at a later level", () => {
  it("escalation to @oncall: each member gets the escalation DM; the first approver keeps their buttons; a member decides", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(1));
    const [requester, approver] = [await newUser(), await newUser()];
    const id = await startTyped(requester, "groupchain", approver, "Scale the cluster");
    const [maria, sam] = await Promise.all([dmAbout(MARIA, id), dmAbout(SAM, id)]);
    for (const dm of [maria, sam]) {
      expect(text(dm.blocks)).toContain("Escalated to you");
      expect(text(dm.blocks)).toContain("member of <!subteam^S0ONCALL>");
    }
    await eventually(async () => (await requestJson(id)).level === 2, "level 2");
    expect((await requestJson(id)).approvers).toEqual([approver, MARIA, SAM]);
    expect((await click(MARIA, id, "approve")).status).toBe(200);
    const done = await waitForStatus(id, "approved");
    expect(done.audit.map((a) => a.event)).toEqual(["created", "notified", "reminded", "group-expanded", "escalated", "notified", "notified", "approved"]);
  });

  it("escalation to a group Slack cannot read: the requester is told, and the first approver can still decide", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(1));
    const [requester, approver] = [await newUser(), await newUser()];
    const id = await startTyped(requester, "ghostchain", approver, "Scale the cluster");
    const told = await eventually(
      async () => (await messagesIn(dmOf(requester))).find((m) => m.text.includes("level 2 cannot be asked")),
      "the requester told",
    );
    expect(told.text).toContain("The earlier approvers can still decide");
    await eventually(async () => (await requestJson(id)).level === 2, "level 2");
    expect((await click(approver, id, "approve")).status).toBe(200);
    const done = await waitForStatus(id, "approved");
    expect(done.audit).toContainEqual(expect.objectContaining({ event: "group-unreadable", actor: "S0NOSUCH" }));
  });
});

describe("an approvals channel", () => {
  it("the request is posted in #approvals only; a non-approver's click is refused ephemerally; an approver decides there; the post is updated to show it", async () => {
    const requester = await newUser();
    const id = await startTyped(requester, "release", null, "Release 4.2 to the app stores");
    const post = await eventually(async () => (await messagesIn("C0APPROVALS")).find((m) => text(m.blocks).includes(id)), "the channel post");
    expect(text(post.blocks)).toContain("Who can decide here: <@U0RELEASEA>, <@U0RELEASEB>");
    expect(text(post.blocks)).toContain("approval_approve");
    // notify "channel": no DMs to the approvers.
    expect(await messagesIn(dmOf("U0RELEASEA"))).toEqual([]);
    const row = await eventually(async () => (await requestJson(id)).messages.find((m) => m.channel === "C0APPROVALS"), "the channel message recorded");
    expect(row.role).toBe("L1-C0APPROVALS");

    const outsider = await newUser();
    const refused = await channelClick(outsider, "C0APPROVALS", post.ts, id, "approve");
    expect(refused.status).toBe(200);
    expect(await replyTo(refused.hook)).toContain("you are not one of its approvers");
    expect((await requestJson(id)).status).toBe("pending");

    expect((await channelClick("U0RELEASEB", "C0APPROVALS", post.ts, id, "approve")).status).toBe(200);
    const done = await waitForStatus(id, "approved");
    expect(done.decided_by).toBe("U0RELEASEB");
    expect(done.audit.map((a) => a.event)).toEqual(["created", "channel-posted", "approved"]);
    const updated = await eventually(async () => (await messagesIn("C0APPROVALS")).find((m) => m.ts === post.ts && m.updated > 0), "the post updated");
    expect(text(updated.blocks)).not.toContain("approval_approve");
    expect(text(updated.blocks)).toContain("Approved* by <@U0RELEASEB>");
    expect(await (await apiGet(`/dashboard/requests/${id}`)).text()).toContain("posted in the approvals channel");
  });

  it('notify "both" (the default with a channel): the channel post and the DM; a click in the DM decides, and both messages show it', async () => {
    const requester = await newUser();
    const id = await startTyped(requester, "releaseboth", null, "Release 4.3 to the app stores");
    const post = await eventually(async () => (await messagesIn("C0APPROVALS")).find((m) => text(m.blocks).includes(id)), "the channel post");
    expect(text(post.blocks)).toContain("approval_approve");
    const dm = await dmAbout("U0BOTHA", id);
    expect(text(dm.blocks)).toContain("approval_approve");
    expect((await click("U0BOTHA", id, "approve")).status).toBe(200);
    const done = await waitForStatus(id, "approved");
    expect(done.audit.map((a) => a.event)).toContain("channel-posted");
    const shown = (m: { blocks?: unknown }) => text(m.blocks).includes("Approved* by <@U0BOTHA>") && !text(m.blocks).includes("approval_approve");
    await eventually(async () => (await messagesIn("C0APPROVALS")).find((m) => m.ts === post.ts && shown(m)), "the channel post updated");
    await eventually(async () => (await messagesIn(dmOf("U0BOTHA"))).find((m) => m.ts === dm.ts && shown(m)), "the DM updated");
  });

  it('notify "dm": the channel is named, but only the DM goes out', async () => {
    const requester = await newUser();
    const id = await startTyped(requester, "releasedm", null, "Release 4.4 to the app stores");
    const dm = await dmAbout("U0DMONLY", id);
    expect(text(dm.blocks)).toContain("approval_approve");
    expect((await click("U0DMONLY", id, "approve")).status).toBe(200);
    const done = await waitForStatus(id, "approved");
    expect(done.audit.map((a) => a.event)).not.toContain("channel-posted");
    expect((await messagesIn("C0APPROVALS")).filter((m) => text(m.blocks).includes(id))).toEqual([]);
  });

  it("a channel the app is not in fails the request: not_in_channel, and what to do", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startTyped(requester, "outside", approver, "Open the firewall");
    const failed = await waitForStatus(id, "failed");
    expect(failed.error).toContain("not_in_channel");
    expect(failed.error).toContain("/invite @Approvals");
    // Nobody was asked by DM before the channel failed.
    expect((await messagesIn(dmOf(approver))).filter((m) => text(m.blocks).includes("approval_approve"))).toEqual([]);
  });
});
