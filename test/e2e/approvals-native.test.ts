// Issue 14 in a real browser against `wrangler dev`: a user group approval and an approvals
// channel decided on the stand-in's page, and a workflow of the page's Workflows panel that runs
// the Request approval step and branches on its outcome.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { standinControl } from "../../standin/control.js";
import type { ApiRequest } from "./api-request";
import { type Browser, launch, pageErrors, screenshot } from "./browser";

const stack = inject("stack");
let browser: Browser;

async function api(path: string): Promise<ApiRequest> {
  const res = await fetch(`${stack.serviceUrl}${path}`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as ApiRequest;
}

/** From a fresh stand-in, Alex types a command in #general; the request id from the service's ephemeral answer. */
async function command(text: string): Promise<string> {
  const { page } = browser;
  await fetch(`${stack.standinUrl}/_control/reset`, { method: "POST" });
  await page.goto(`${stack.standinUrl}/?user=U0REQUESTER&channel=C0GENERAL`);
  await page.locator("#composer").fill(`/approval ${text}`);
  await page.locator("#composer").press("Enter");
  const confirmation = page.locator('[data-testid="ephemeral"]').filter({ hasText: "sent to" }).last();
  await confirmation.waitFor();
  return /req-[a-z0-9]{12}/.exec((await confirmation.textContent()) ?? "")![0];
}

const actAs = (user: string) => browser.page.locator(`[data-testid="person-${user}"]`).click();
const openConversation = (name: string) => browser.page.locator(`[data-testid="conversation-${name}"]`).click();

beforeAll(async () => {
  await fetch(`${stack.standinUrl}/_control/reset`, { method: "POST" });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("approvals where Slack teams work", () => {
  it("a user group: `/approval @oncall …` reaches Maria and Sam, each told why; Sam approves", async () => {
    const { page } = browser;
    const id = await command("@oncall Restart the billing workers");
    expect(await page.locator('[data-testid="ephemeral"]').filter({ hasText: id }).last().textContent()).toContain("@oncall");
    await actAs("U0ESCALATE");
    await openConversation("app");
    const dm = page.locator('[data-testid="message"]').filter({ hasText: id });
    await dm.locator('button[data-action-id="approval_approve"]').waitFor();
    expect(await dm.textContent()).toContain("You are asked as a member of @oncall");
    await screenshot(page, "native-1-group-member-dm");
    await dm.locator('button[data-action-id="approval_approve"]').click();
    await dm.filter({ hasText: "Approved by @Sam Chen" }).waitFor();
    const done = await api(`/api/requests/${id}`);
    expect(done).toMatchObject({ status: "approved", decided_by: "U0ESCALATE", approvers: ["U0APPROVER", "U0ESCALATE"] });
    expect(done.audit.map((a) => a.event)).toContain("group-expanded");
    // The dashboard's timeline says it in words.
    await page.goto(`${stack.serviceUrl}/dashboard/requests/${id}`);
    expect(await page.locator(".timeline").textContent()).toContain("user group asked");
    expect(pageErrors(page)).toEqual([]);
  });

  it("an approvals channel: the request is posted in #approvals; Alex's own click is refused only to him; Maria approves there", async () => {
    const { page } = browser;
    const id = await command("release Ship 4.2 to the app stores");
    await openConversation("approvals");
    const post = page.locator('[data-testid="message"]').filter({ hasText: id });
    await post.locator('button[data-action-id="approval_approve"]').click();
    await page.locator('[data-testid="ephemeral"]').filter({ hasText: "can't decide your own request" }).waitFor();
    expect((await api(`/api/requests/${id}`)).status).toBe("pending");
    await actAs("U0APPROVER");
    await openConversation("approvals");
    const seen = page.locator('[data-testid="message"]').filter({ hasText: id });
    await seen.locator('button[data-action-id="approval_approve"]').click();
    await seen.filter({ hasText: "Approved by @Maria Lopez" }).waitFor();
    await screenshot(page, "native-2-channel-approved");
    expect(await api(`/api/requests/${id}`)).toMatchObject({ status: "approved", decided_by: "U0APPROVER" });
    expect(pageErrors(page)).toEqual([]);
  });

  it("a workflow runs the Request approval step and branches on its outcome: approved → 'Deploying' in #general", async () => {
    const { page } = browser;
    await page.goto(`${stack.standinUrl}/?user=U0REQUESTER&channel=C0GENERAL`);
    await page.locator('[data-testid="run-Wf0DEPLOY"]').click();
    await page.locator('[data-testid="workflow-Wf0DEPLOY"] [data-testid="workflow-run"][data-status="running"]').waitFor();
    await actAs("U0APPROVER");
    await openConversation("app");
    const dm = page.locator('[data-testid="message"]').filter({ hasText: "Deploy billing-api v2.3 to production" }).last();
    await dm.locator('button[data-action-id="approval_approve"]').click();
    await page.locator('[data-testid="workflow-Wf0DEPLOY"] [data-testid="workflow-run"][data-status="completed"]').waitFor();
    await openConversation("general");
    await page.locator('[data-testid="message"]').filter({ hasText: "Deploying billing-api v2.3" }).waitFor();
    await screenshot(page, "native-3-workflow-branch");
    const run = (await standinControl(stack.standinUrl).functions()).find((r) => r.workflow === "Wf0DEPLOY");
    expect(run).toMatchObject({ status: "completed", outputs: { status: "approved", decided_by: "U0APPROVER" } });
    expect(run?.completions).toHaveLength(1);
    // And the other branch: Sam rejects the on-call hotfix → "not approved".
    await actAs("U0REQUESTER");
    await page.locator('[data-testid="run-Wf0HOTFIX"]').click();
    await actAs("U0ESCALATE");
    await openConversation("app");
    const hotfix = page.locator('[data-testid="message"]').filter({ hasText: "Ship hotfix 2.3.1" }).last();
    await hotfix.locator('button[data-action-id="approval_reject"]').click();
    await page.locator("#modal textarea").fill("Wait for the load test");
    await page.locator("#modal-submit").click();
    await openConversation("general");
    await page.locator('[data-testid="message"]').filter({ hasText: "Hotfix 2.3.1 not approved (rejected: Wait for the load test)" }).waitFor();
    expect(pageErrors(page)).toEqual([]);
  });
});
