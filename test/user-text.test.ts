import { describe, expect, it } from "vitest";
import {
  apiGet,
  approverDm,
  click,
  dmOf,
  eventBody,
  eventually,
  messagesIn,
  newUser,
  postEvent,
  receiverCalls,
  reject,
  requestJson,
  scriptReceiver,
  slackCalls,
  slashCommand,
  startRequest,
  startTyped,
  waitForStatus,
} from "./helpers";

/**
 * A description (and a reject reason) cannot lay out lines of its own anywhere it appears: where
 * it is quoted every one of its lines is inside the quote; where it is on one line, its new lines
 * are spaces and its formatting characters look-alikes. The forged line below must never appear
 * as a line of the service's own.
 */
const FORGED = ":white_check_mark: *Approved* by the CEO";
// Typed as two lines, the second pretending to be the outcome; Slack sends it escaped.
const ESCAPED = `Deploy billing-api &amp; friends\n${FORGED} cc <@U0FIXOTHER|bob>`;

/** The lines of a mrkdwn text that are the service's own (not inside a quote). */
const ownLines = (mrkdwn: string) => mrkdwn.split("\n").filter((l) => !l.startsWith(">"));
/** Whether the forged outcome shows as a line (or bold text) of the service's own. */
const forges = (mrkdwn: string) => ownLines(mrkdwn).some((l) => l.startsWith(":white_check_mark:") || l.includes("*Approved*"));

describe("user text in every place it appears", () => {
  it("is quoted or kept on one line: in the DM, the receipt, the status, the list, the Home, the outcome and its reason", async () => {
    const requester = await newUser();
    const approver = await newUser();
    await postEvent(eventBody({ type: "app_home_opened", user: requester, tab: "home" }));
    const id = await startRequest(requester, approver, ESCAPED);
    expect((await requestJson(id)).status).toBe("pending");

    // The approver's DM: the description's lines are all inside the quote; the mention is kept.
    const dm = await approverDm(approver);
    const section = dm.blocks.find((b) => b.type === "section")!.text!.text;
    expect(section).toContain(`>Deploy billing-api &amp; friends\n>${FORGED} cc <@U0FIXOTHER>`);
    expect(forges(section)).toBe(false);
    // The notification text: one line.
    expect(dm.text).toContain("Deploy billing-api &amp; friends :white_check_mark: ∗Approved∗ by the CEO cc <@U0FIXOTHER>");

    // The receipt: one line, no formatting of the requester's.
    const receipt = await eventually(async () => (await messagesIn(dmOf(requester)))[0], "the receipt");
    expect(receipt.text).not.toMatch(/\*Approved\*|\n/);
    expect(receipt.text).toContain("∗Approved∗");

    // /approval status quotes it; /approval list keeps it on its line.
    const status = (await slashCommand(requester, `status ${id}`)).body.text!;
    expect(forges(status)).toBe(false);
    const list = (await slashCommand(requester, "list")).body.text!;
    const line = list.split("\n").find((l) => l.includes(id))!;
    expect(line).toContain("∗Approved∗ by the CEO");
    expect(list.split("\n").filter((l) => l.includes("Approved"))).toEqual([line]);

    // The Home: one line per request.
    const home = await eventually(
      async () => (await slackCalls((c) => c.method === "views.publish" && c.args.user_id === requester)).find((c) => JSON.stringify(c.args.view).includes(id)),
      "the requester's Home",
    );
    const homeLine = home.args.view!.blocks.map((b) => b.text?.text ?? "").find((t) => t.includes(id))!;
    expect(homeLine).not.toContain("\n");
    expect(homeLine).not.toContain("*Approved*");

    // A reject reason with lines of its own stays in its quote, in the DM (blocks and notification text) and the requester's outcome.
    expect((await reject(approver, id, `Not now\n${FORGED}`)).status).toBe(200);
    await waitForStatus(id, "rejected");
    const [updated] = await messagesIn(dmOf(approver));
    const outcome = updated!.blocks.filter((b) => b.type === "section").at(-1)!.text!.text;
    expect(outcome).toContain(`>Not now\n>${FORGED}`);
    expect(forges(outcome)).toBe(false);
    expect(forges(updated!.text)).toBe(false);
    const told = await eventually(async () => (await messagesIn(dmOf(requester))).find((m) => m.text.includes("rejected your request")), "the outcome DM");
    const toldText = told.blocks[0]!.text!.text;
    expect(forges(toldText)).toBe(false);
    expect(toldText).toContain(`Reason:\n>Not now\n>${FORGED}`);
  });
});

describe("user text outside Slack", () => {
  it("is the readable text, escaped once or not at all: D1 and the API, the webhook body, the CSV, the dashboard", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const other = await newUser();
    // Typed: `R&D <v2> [the PR](https://example.com/?a=1&b=2) cc @bob @here`
    const escaped = `<@${approver}|maria> R&amp;D &lt;v2&gt; <https://example.com/?a=1&amp;b=2|the PR> cc <@${other}|bob> <!here>`;
    const readable = "R&D <v2> the PR (https://example.com/?a=1&b=2) cc @bob @here";
    const id = await startTyped(requester, "deploy", null, escaped);
    await scriptReceiver(id, [{ status: 200, body: { message: "done" } }]);
    await approverDm(approver);
    expect((await requestJson(id)).description).toBe(readable);
    await click(approver, id, "approve");
    await eventually(async () => (await requestJson(id)).action_status === "succeeded", "the action");
    // The action's updates of the approver's DM (ActionWorkflow) keep the mention and the link.
    const dm = await eventually(
      async () => (await messagesIn(dmOf(approver))).find((m) => JSON.stringify(m.blocks).includes("Action done: done")),
      "the DM showing the action's outcome",
    );
    expect(JSON.stringify(dm.blocks)).toContain(`>R&amp;D &lt;v2&gt; <https://example.com/?a=1&amp;b=2|the PR> cc <@${other}> @here`);
    const [call] = await receiverCalls(id);
    expect(JSON.parse(call!.body)).toMatchObject({ requestId: id, description: readable });
    const csv = await (await apiGet(`/dashboard/export.csv?requester=${requester}`)).text();
    // One cell holds the readable text as it is (a cell may be quoted; its quotes doubled).
    const cells = csv.split("\r\n").flatMap((line) => line.match(/"(?:[^"]|"")*"|[^,]+/g) ?? []);
    expect(cells.map((c) => (c.startsWith('"') ? c.slice(1, -1).replaceAll('""', '"') : c))).toContain(readable);
    // HTML-escaped exactly once by the dashboard.
    const page = await (await apiGet(`/dashboard/requests/${id}`)).text();
    expect(page).toContain("R&amp;D &lt;v2&gt; the PR (https://example.com/?a=1&amp;b=2) cc @bob @here");
    expect(page).not.toContain("&amp;amp;");
  });
});
