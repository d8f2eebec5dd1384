// The audit dashboard in a real browser, served by `wrangler dev` (open on localhost): filter the
// requests, open one's timeline, export CSV.
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { type Browser, launch, pageErrors, screenshot } from "./browser";
import { eventually } from "./eventually";

const stack = inject("stack");
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const pagePost = async (path: string, body: unknown): Promise<any> =>
  (await fetch(`${stack.standinUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();

it("lists the requests, filters them, shows a request's timeline and exports CSV", async () => {
  // One approved and one pending request, made through the stand-in as a person would.
  await pagePost("/_ui/command", { user: "U0REQUESTER", channel: "C0GENERAL", text: "/approval @maria Renew the TLS certificate for api.example.com" });
  await pagePost("/_ui/command", { user: "U0ESCALATE", channel: "C0GENERAL", text: "/approval @maria Order two laptops for the new hires" });
  const dm = await eventually(async () => {
    const messages: any[] = await (await fetch(`${stack.standinUrl}/_control/messages?channel=D0APPROVER`)).json();
    return messages.find((m) => JSON.stringify(m.blocks).includes("Renew the TLS certificate") && JSON.stringify(m.blocks).includes("approval_approve"));
  }, "the DM");
  const id = /req-[a-z0-9]{12}/.exec(JSON.stringify(dm.blocks))![0];
  await pagePost("/_ui/action", { user: "U0APPROVER", channel: "D0APPROVER", ts: dm.ts, block_id: `decision:${id}`, action_id: "approval_approve" });
  await eventually(async () => {
    const r: any = await (await fetch(`${stack.serviceUrl}/api/requests/${id}`, { headers: { authorization: `Bearer ${stack.apiToken}` } })).json();
    return r.status === "approved" && r.audit.length >= 3 ? r : undefined;
  }, "the approval");

  const { page } = browser;
  await page.goto(`${stack.serviceUrl}/dashboard`);
  await page.locator("table.requests").waitFor();
  expect(await page.locator("table.requests").textContent()).toContain("Order two laptops");
  await screenshot(page, "dashboard-1-list");

  // Filter with the form: approved requests of Alex.
  await page.locator('select[name="status"]').selectOption("approved");
  await page.locator('input[name="requester"]').fill("U0REQUESTER");
  await page.locator('.filters button[type="submit"]').click();
  await page.waitForURL(/status=approved/);
  const rows = page.locator("table.requests tbody tr");
  const texts = await rows.allTextContents();
  expect(texts.length).toBeGreaterThan(0);
  for (const t of texts) {
    expect(t).toContain("approved");
    expect(t).toContain("U0REQUESTER");
  }
  expect(texts.join("\n")).toContain(id);
  expect(texts.join("\n")).not.toContain("Order two laptops");
  await screenshot(page, "dashboard-2-filtered");

  // The request's page: its full timeline from the audit table.
  await page.locator(`a[href="/dashboard/requests/${id}"]`).click();
  await page.locator("ol.timeline").waitFor();
  const events = await page.locator("ol.timeline li strong").allTextContents();
  expect(events).toEqual(["created", "notified", "approved"]);
  expect(await page.locator(".request .status").textContent()).toBe("approved");
  await screenshot(page, "dashboard-3-request");

  // The export of the filtered list, as the page links it.
  await page.goBack();
  const href = await page.locator("a.export").getAttribute("href");
  expect(href).toBe("/dashboard/export.csv?status=approved&requester=U0REQUESTER");
  const csv = await (await fetch(`${stack.serviceUrl}${href}`)).text();
  expect(csv.split("\r\n")[0]).toBe("id,type,status,requester,approvers,level,decided_by,decided_at,created_at,updated_at,error,description");
  expect(csv).toContain(`${id},default,approved,U0REQUESTER,U0APPROVER,1,U0APPROVER,`);
  expect(pageErrors(page)).toEqual([]);
});
