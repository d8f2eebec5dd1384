// The newcomer's path, in a real browser: open the stand-in's page, type `/approval …` as the
// requester, see the approver's DM appear, click Approve as the approver, and watch the request
// finish, against a real `wrangler dev` (every click is a signed request to the real routes).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DeliveryRecord } from "../../standin/control.js";
import { startFakeSlack } from "../../standin/server.js";
import type { ApiRequest } from "./api-request";
import { type Browser, launch, pageErrors, screenshot } from "./browser";
import { eventually } from "./eventually";
import { getJson } from "./http";
import { startTinyApp, withPayload } from "./tiny-app";

const stack = inject("stack");
let browser: Browser;

async function api(path: string): Promise<ApiRequest> {
  const res = await fetch(`${stack.serviceUrl}${path}`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as ApiRequest;
}

const deliveries = () => getJson<DeliveryRecord[]>(`${stack.standinUrl}/_control/deliveries`);

/**
 * From a fresh stand-in, Alex sends `/approval <text>` in #general from the page's composer; the
 * request id is read off the service's ephemeral confirmation.
 */
async function requestFromPage(text: string): Promise<string> {
  const { page } = browser;
  await fetch(`${stack.standinUrl}/_control/reset`, { method: "POST" });
  await page.goto(`${stack.standinUrl}/?user=U0REQUESTER&channel=C0GENERAL`);
  await page.locator("#composer").fill(`/approval ${text}`);
  await page.locator("#composer").press("Enter");
  const confirmation = page.locator('[data-testid="ephemeral"]').filter({ hasText: "sent to" }).last();
  await confirmation.waitFor();
  return /req-[a-z0-9]{12}/.exec((await confirmation.textContent()) ?? "")![0];
}

beforeAll(async () => {
  await fetch(`${stack.standinUrl}/_control/reset`, { method: "POST" });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("the Slack stand-in's page", () => {
  it("slash command as the requester → DM to the approver → Approve → request approved, DMs updated", async () => {
    const { page } = browser;
    const started = Date.now();
    await page.goto(`${stack.standinUrl}/?user=U0REQUESTER&channel=C0GENERAL`);
    await page.locator("#composer").fill("/approval @maria Deploy billing-api v2.3 to production");
    await page.locator("#composer").press("Enter");

    // The command's answer is an ephemeral message only Alex sees, with the request id.
    const confirmation = page.locator('[data-testid="ephemeral"]').filter({ hasText: "sent to" });
    await confirmation.waitFor();
    const confirmText = (await confirmation.textContent()) ?? "";
    expect(confirmText).toContain("Only visible to you");
    expect(confirmText).toContain("@Maria Lopez"); // <@U0APPROVER> rendered as a mention
    const id = /req-[a-z0-9]{12}/.exec(confirmText)?.[0];
    expect(id).toBeTruthy();
    await screenshot(page, "standin-1-requester-command");

    // Maria's tab shows something new; acting as her opens her DM with the app.
    await page.locator('[data-testid="person-U0APPROVER"] .unread').waitFor();
    await page.locator('[data-testid="person-U0APPROVER"]').click();
    const dm = page.locator('[data-testid="message"]').filter({ hasText: id! });
    const approve = dm.locator('button[data-action-id="approval_approve"]');
    await approve.waitFor();
    const dmText = (await dm.textContent()) ?? "";
    expect(dmText).toContain("Alex Rivera asks for approval");
    expect(dmText).toContain("Deploy billing-api v2.3 to production");
    expect(await dm.locator('button[data-action-id="approval_reject"]').textContent()).toBe("Reject");
    await screenshot(page, "standin-2-approver-dm");

    await approve.click();
    // The same message is updated in place: the buttons are replaced by the outcome.
    await dm.filter({ hasText: "Approved by @Maria Lopez" }).waitFor();
    expect(await dm.locator("button").count()).toBe(0);
    const done = await api(`/api/requests/${id}`);
    expect(done).toMatchObject({ status: "approved", decided_by: "U0APPROVER", requester: "U0REQUESTER" });
    await screenshot(page, "standin-3-approver-approved");
    const elapsed = Date.now() - started;
    console.log(`newcomer flow in the browser: ${elapsed} ms from opening the page to the approved DM`);
    expect(elapsed).toBeLessThan(60_000);

    // Alex is told in his DM.
    await page.locator('[data-testid="person-U0REQUESTER"]').click();
    await page
      .locator('[data-testid="message"]')
      .filter({ hasText: `approved your request ${id}` })
      .waitFor();
    await screenshot(page, "standin-4-requester-told");

    // Both deliveries were signed HTTP posts the service accepted.
    const sent = await deliveries();
    expect(sent.map((d) => [d.kind, d.type, d.via, d.status])).toEqual([
      ["command", "/approval", "http", 200],
      ["interaction", "block_actions", "http", 200],
    ]);
    expect(pageErrors(page)).toEqual([]);
  });
});

describe("the App Home tab", () => {
  /** Acting as `user` on `page`: their DM with the app, Home tab. */
  async function openHome(page: typeof browser.page, user: string) {
    await page.locator(`[data-testid="person-${user}"]`).click();
    await page.locator('[data-testid="conversation-app"]').click();
    await page.locator('#conversation-tabs [data-tab="home"]').click();
  }
  const requestDone = (id: string, status: string) =>
    eventually(async () => {
      const r = await api(`/api/requests/${id}`);
      return r.status === status && r.workflow?.status !== "running";
    }, `the request to be ${status}`);

  it("opening it shows what waits for the approver; Approve there decides the request (a view click, no response_url), and the Home says so", async () => {
    const { page } = browser;
    const id = await requestFromPage("@maria Renew the TLS certificate");
    await openHome(page, "U0APPROVER");
    const approve = page.locator(`#home [data-block-id="decision:${id}"][data-action-id="approval_approve"]`);
    await approve.waitFor();
    await screenshot(page, "standin-10-home-tab");
    await approve.click();
    // Approved, and the workflow done with its messages (so the next test's reset cannot cut them off).
    await requestDone(id, "approved");
    // A Home click has no response_url: the answer is at the top of the republished Home.
    await page.locator("#home").getByText("Your approval decided this request").waitFor();
    expect(await page.locator(`#home [data-block-id="decision:${id}"]`).count()).toBe(0);
    await screenshot(page, "standin-11-home-answered");
    const click = (await deliveries()).find((d) => d.kind === "interaction");
    expect(click).toMatchObject({ type: "block_actions", via: "http", status: 200, ok: true });
    expect(pageErrors(page)).toEqual([]);
  });

  it("a refusal reaches the person in the Home: Approve on a request cancelled meanwhile", async () => {
    const { page } = browser;
    await fetch(`${stack.standinUrl}/_control/reset`, { method: "POST" });
    // Maria has her Home tab open before the request exists: the button comes with the workflow's refresh.
    await page.goto(`${stack.standinUrl}/?user=U0APPROVER&channel=C0GENERAL`);
    await openHome(page, "U0APPROVER");
    const alex = await browser.context.newPage();
    try {
      await alex.goto(`${stack.standinUrl}/?user=U0REQUESTER&channel=C0GENERAL`);
      await alex.locator("#composer").fill("/approval @maria Rotate the signing keys");
      await alex.locator("#composer").press("Enter");
      const confirmation = alex.locator('[data-testid="ephemeral"]').filter({ hasText: "sent to" }).last();
      await confirmation.waitFor();
      const id = /req-[a-z0-9]{12}/.exec((await confirmation.textContent()) ?? "")![0];
      const approve = page.locator(`#home [data-block-id="decision:${id}"][data-action-id="approval_approve"]`);
      await approve.waitFor();
      // Slack refuses the next refresh of Maria's Home, so her tab keeps the button the cancel makes stale.
      const fault = await fetch(`${stack.standinUrl}/_control/faults`, {
        method: "POST",
        body: JSON.stringify({ method: "views.publish", match: "user_id=U0APPROVER", faults: [{ error: "invalid_arguments" }] }),
      });
      expect(fault.status).toBe(200);
      // Alex cancels from his receipt.
      await alex.locator('[data-testid="conversation-app"]').click();
      await alex.locator('[data-testid="message"]').filter({ hasText: id }).locator('button[data-action-id="approval_cancel"]').click();
      await requestDone(id, "cancelled");
      await approve.click();
      await page.locator("#home").getByText("This request has already been decided by").waitFor();
      expect((await api(`/api/requests/${id}`)).status).toBe("cancelled");
      await screenshot(page, "standin-12-home-refusal");
    } finally {
      await alex.close();
    }
    expect(pageErrors(page)).toEqual([]);
  });

  it("a quorum vote from the Home: the first approval is recorded (1 of 2), the second decides", async () => {
    const { page } = browser;
    const id = await requestFromPage("review Code review of billing-api v2.3");
    await openHome(page, "U0APPROVER");
    await page.locator(`#home [data-block-id="decision:${id}"][data-action-id="approval_approve"]`).click();
    await page.locator("#home").getByText("Your approval is recorded: 1 of 2 needed").waitFor();
    expect((await api(`/api/requests/${id}`)).status).toBe("pending");
    await screenshot(page, "standin-13-home-quorum-vote");
    await openHome(page, "U0ESCALATE");
    await page.locator(`#home [data-block-id="decision:${id}"][data-action-id="approval_approve"]`).click();
    await requestDone(id, "approved");
    await page.locator("#home").getByText("Your approval decided this request").waitFor();
    expect((await api(`/api/requests/${id}`)).decided_by).toBe("U0ESCALATE");
    expect(pageErrors(page)).toEqual([]);
  });
});

describe("reject with a reason, through the service's modal", () => {
  it("Reject opens the reason modal; an empty reason stays in the modal; the reason reaches the DMs and the dashboard", async () => {
    const { page } = browser;
    const id = await requestFromPage("@maria Rotate the billing DB password");

    await page.locator('[data-testid="person-U0APPROVER"]').click();
    await page.locator('[data-testid="conversation-app"]').click();
    const dm = page
      .locator('[data-testid="message"]')
      .filter({ hasText: id })
      .filter({ has: page.locator('button[data-action-id="approval_reject"]') });
    await dm.locator('button[data-action-id="approval_reject"]').click();
    const modal = page.locator("#modal");
    await modal.getByText("Reject request").waitFor();
    await page.locator("#modal-submit").click(); // empty: the page's required-field check
    await modal.locator(".block.input.has-error").first().waitFor();
    await page.locator("#in-reason").fill("no");
    await page.locator("#modal-submit").click(); // too short: the service's response_action errors
    await modal.getByText("at least 3 characters").waitFor();
    await screenshot(page, "standin-8-reject-reason-errors");
    await page.locator("#in-reason").fill("Not during the billing freeze");
    await page.locator("#modal-submit").click();
    await modal.waitFor({ state: "hidden" });

    const updated = page.locator('[data-testid="message"]').filter({ hasText: id }).filter({ hasText: "Rejected by @Maria Lopez" });
    await updated.waitFor();
    expect(await updated.textContent()).toContain("Not during the billing freeze");
    await screenshot(page, "standin-9-rejected-with-reason");

    const done = await api(`/api/requests/${id}`);
    expect(done).toMatchObject({ status: "rejected", decided_by: "U0APPROVER" });
    expect(done.audit.at(-1)).toMatchObject({ event: "rejected", detail: "Not during the billing freeze" });

    await page.goto(`${stack.serviceUrl}/dashboard/requests/${id}`);
    await page.getByText("Not during the billing freeze").waitFor();
    await screenshot(page, "dashboard-rejected-request");
    expect(pageErrors(page)).toEqual([]);
  });
});

describe("modals and Block Kit on the stand-in's page (with a minimal test app)", () => {
  it("opens a modal from a command's trigger_id, checks required fields, shows the app's errors, submits typed values", async () => {
    const secret = "modal-app-secret-0123456789";
    const token = "xoxb-modal-app";
    let apiUrl = "";
    let submissions = 0;
    /** What Slack answered the app's views.open (checked below: the handler's own throw would go unseen). */
    const opens: { ok: boolean; error?: string }[] = [];
    const slack = async (method: string, args: object) => {
      const res = await fetch(`${apiUrl}${method}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(args),
      });
      return (await res.json()) as { ok: boolean; error?: string };
    };
    const app = await startTinyApp(secret, async (r) => {
      if (r.path === "/slack/commands") {
        const opened = await slack("views.open", {
          trigger_id: r.form.trigger_id,
          view: {
            type: "modal",
            callback_id: "new_request",
            private_metadata: "from-command",
            title: { type: "plain_text", text: "New approval" },
            submit: { type: "plain_text", text: "Ask" },
            close: { type: "plain_text", text: "Cancel" },
            blocks: [
              { type: "section", text: { type: "mrkdwn", text: "Who should decide, and what?" } },
              { type: "input", block_id: "approver", label: { type: "plain_text", text: "Approver" }, element: { type: "users_select", action_id: "user" } },
              {
                type: "input",
                block_id: "what",
                label: { type: "plain_text", text: "What needs approving" },
                element: { type: "plain_text_input", action_id: "text", multiline: true },
                hint: { type: "plain_text", text: "A deploy, an expense, an access request" },
              },
              {
                type: "input",
                block_id: "due",
                optional: true,
                label: { type: "plain_text", text: "Decide by" },
                element: { type: "datepicker", action_id: "date" },
              },
            ],
          },
        });
        opens.push(opened);
        return {};
      }
      if (r.payload?.type === "view_submission") {
        submissions++;
        const text = r.payload.view.state.values.what!.text!.value!;
        if (text.length < 10) return { body: { response_action: "errors", errors: { what: "Say a little more (10 characters at least)." } } };
        await slack("chat.postMessage", {
          channel: "C0GENERAL",
          text: "New request",
          blocks: [
            { type: "header", text: { type: "plain_text", text: "New request" } },
            {
              type: "section",
              fields: [
                { type: "mrkdwn", text: `*Approver*\n<@${r.payload.view.state.values.approver!.user!.selected_user}>` },
                { type: "mrkdwn", text: `*What*\n${text}` },
              ],
            },
            { type: "divider" },
            { type: "context", elements: [{ type: "mrkdwn", text: "Submitted from a modal" }] },
            { type: "rich_text", elements: [{ type: "rich_text_section", elements: [{ type: "text", text: "a block the page does not draw" }] }] },
          ],
        });
        return {};
      }
      return {};
    });
    const fake = await startFakeSlack({ token, serviceUrl: app.url, signingSecret: secret });
    apiUrl = fake.apiUrl;
    try {
      const { page } = browser;
      await page.goto(`${fake.url}/?user=U0REQUESTER&channel=C0GENERAL`);
      await page.locator("#composer").fill("/approval");
      await page.locator("#composer").press("Enter");
      // Slack took the app's modal (the app's handler only records the answer; the test judges it).
      expect(await eventually(() => opens.length > 0 && opens, "the app's views.open")).toEqual([
        { ok: true, view: expect.objectContaining({ callback_id: "new_request" }) },
      ]);
      const modal = page.locator("#modal");
      await modal.getByText("New approval").waitFor();
      await screenshot(page, "standin-5-modal");

      // Required fields are checked before anything is sent, as Slack's client does.
      await page.locator("#modal-submit").click();
      await modal.locator(".block.input.has-error").first().waitFor();
      expect(await modal.locator(".block.input .error").allTextContents()).toEqual([
        "Please complete this required field.",
        "Please complete this required field.",
      ]);
      expect(submissions).toBe(0);

      // The app answers response_action: errors → shown under its block, the modal stays.
      await page.locator("#in-approver").selectOption("U0APPROVER");
      await page.locator("#in-what").fill("Deploy");
      await page.locator("#modal-submit").click();
      await modal.getByText("Say a little more").waitFor();
      await screenshot(page, "standin-6-modal-errors");

      await page.locator("#in-what").fill("Deploy billing-api v2.3");
      await page.locator("#modal-submit").click();
      await modal.waitFor({ state: "hidden" });
      const submitted = withPayload(app.received.filter((r) => r.payload?.type === "view_submission").at(-1), "view_submission");
      expect(submitted.signatureValid).toBe(true);
      expect(submitted.payload.view).toMatchObject({ callback_id: "new_request", private_metadata: "from-command", type: "modal" });
      expect(submitted.payload.view.state.values).toEqual({
        approver: { user: { type: "users_select", selected_user: "U0APPROVER" } },
        what: { text: { type: "plain_text_input", value: "Deploy billing-api v2.3" } },
        due: { date: { type: "datepicker", selected_date: null } },
      });

      // The message the app posted: header, fields, divider, context, and the unknown block as JSON.
      const message = page.locator('[data-testid="message"]').filter({ hasText: "New request" });
      await message.waitFor();
      expect(await message.locator(".field").allTextContents()).toEqual(["Approver@Maria Lopez", "WhatDeploy billing-api v2.3"]);
      expect(await message.locator(".block.unknown pre").textContent()).toContain('"type": "rich_text"');
      await screenshot(page, "standin-7-block-kit");
      expect(pageErrors(page)).toEqual([]);
    } finally {
      await fake.close();
      await app.close();
    }
  });

  it("never turns message text into HTML", async () => {
    const { page } = browser;
    const id = await requestFromPage('@maria <img src=x onerror="window.pwned=1"> & <!channel> *bold*');
    await page.locator('[data-testid="person-U0APPROVER"]').click();
    await page.locator('[data-testid="conversation-app"]').click();
    const dm = page.locator('[data-testid="message"]').filter({ hasText: id });
    await dm.waitFor();
    // The service escaped <, > and & for mrkdwn; the page shows them as the text they were
    // (and, like Slack, renders the *bold* the description asked for).
    expect(await dm.locator("blockquote").textContent()).toBe('<img src=x onerror="window.pwned=1"> & <!channel> bold');
    expect(await dm.locator("blockquote strong").textContent()).toBe("bold");
    expect(await dm.locator("img").count()).toBe(0);
    expect(await dm.locator(".broadcast").count()).toBe(0);
    expect(await page.evaluate(() => (window as Window & { pwned?: number }).pwned)).toBeUndefined();
  });
});
