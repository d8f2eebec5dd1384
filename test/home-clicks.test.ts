import { describe, expect, it } from "vitest";
import {
  approverDm,
  eventBody,
  eventually,
  homeClick,
  newUser,
  postEvent,
  requestJson,
  type SlackCall,
  slackCalls,
  startRequest,
  startTyped,
  waitForStatus,
} from "./helpers";

/**
 * A click in the App Home tab comes with no channel and no response_url
 * (test/fixtures/slack/block-actions-home-tab.json): every answer reaches the person as a notice
 * at the top of their republished Home.
 */

const publishesTo = (user: string, having: string) =>
  slackCalls((c) => c.method === "views.publish" && c.args.user_id === user && JSON.stringify(c.args.view).includes(having));
const noticeOf = (call: SlackCall) => call.args.view!.blocks.find((b) => b.block_id === "notice")?.text?.text ?? "";
/** The Home published for `user` whose notice names `id`. */
const homeWithNotice = (user: string, id: string) =>
  eventually(async () => (await publishesTo(user, id)).find((c) => noticeOf(c).includes(id)), `the Home of ${user} answering about ${id}`);

describe("clicks in the App Home tab answer the person there", () => {
  it("Approve decides the request; the Home says so, and keeps saying it through the outcome's refresh", async () => {
    const approver = await newUser();
    // The approver uses the App Home: the workflow refreshes it too.
    expect((await postEvent(eventBody({ type: "app_home_opened", user: approver, tab: "home" }))).status).toBe(200);
    const id = await startRequest(await newUser(), approver, "Home tab approval");
    await approverDm(approver);
    expect(await homeClick(approver, id, "approve")).toBe(200);
    await waitForStatus(id, "approved");
    const answered = await homeWithNotice(approver, id);
    expect(noticeOf(answered)).toMatch(new RegExp(`\`${id}\`: :white_check_mark: Your approval decided this request`));
    // The workflow's refresh after the outcome keeps the answer, and the request has left the list.
    const last = await eventually(async () => {
      const latest = (await slackCalls((c) => c.method === "views.publish" && c.args.user_id === approver)).at(-1);
      return latest && JSON.stringify(latest.args.view).includes("Waiting for you (0)") && latest;
    }, "the Home after the outcome");
    expect(noticeOf(last)).toContain(id);
  });

  it("a refusal reaches the person in their Home (no response_url to answer through)", async () => {
    const approver = await newUser();
    const id = await startRequest(await newUser(), approver, "Not yours");
    await approverDm(approver);
    const stranger = await newUser();
    expect(await homeClick(stranger, id, "approve")).toBe(200);
    expect(noticeOf(await homeWithNotice(stranger, id))).toMatch(/can't decide this request: you are not one of its approvers/);
    expect((await requestJson(id)).status).toBe("pending");
  });

  it("a quorum vote is recorded and the Home says how many approvals are still needed", async () => {
    // The test policy's `expense` type: 2 of U0QUORUMA/B/C (vitest.config.ts).
    const first = "U0QUORUMA";
    const id = await startTyped(await newUser(), "expense", null, "Team dinner, 120 EUR");
    await approverDm(first);
    expect(await homeClick(first, id, "approve")).toBe(200);
    expect(noticeOf(await homeWithNotice(first, id))).toMatch(/Your approval is recorded: 1 of 2 needed/);
    expect((await requestJson(id)).status).toBe("pending");
  });

  it("a button the service no longer knows is answered in the Home too", async () => {
    const user = await newUser();
    const id = await startRequest(await newUser(), user, "Old buttons");
    await approverDm(user);
    expect(await homeClick(user, id, "approval_snooze")).toBe(200);
    const answered = await eventually(
      async () => (await slackCalls((c) => c.method === "views.publish" && c.args.user_id === user)).find((c) => noticeOf(c).includes("no longer supported")),
      "the Home saying the button is no longer supported",
    );
    expect(answered.result).toBe("ok");
    expect((await requestJson(id)).status).toBe("pending");
  });
});
