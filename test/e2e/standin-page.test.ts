// The newcomer's path, in a real browser: open the stand-in's page, type `/approval …` as the
// requester, see the approver's DM appear, click Approve as the approver, and watch the request
// finish, against a real `wrangler dev` (every click is a signed request to the real routes).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, pageErrors, screenshot, type Browser } from "./browser";

const stack = inject("stack");
let browser: Browser;

async function api(path: string): Promise<any> {
  const res = await fetch(`${stack.serviceUrl}${path}`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
  expect(res.status).toBe(200);
  return res.json();
}

async function deliveries(): Promise<{ kind: string; type: string; via: string; status?: number; ok: boolean; error?: string }[]> {
  return (await fetch(`${stack.standinUrl}/_control/deliveries`)).json();
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
    await page.locator('[data-testid="message"]').filter({ hasText: `your request ${id}` }).filter({ hasText: "approved" }).waitFor();
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
