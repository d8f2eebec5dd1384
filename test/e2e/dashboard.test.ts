// The audit dashboard in a real browser, served by `wrangler dev` (open on localhost): filter the
// requests, open one's timeline, export CSV; names instead of ids; live updates without a reload
// (and none while someone edits the filters); the overview's charts against requests made
// through the stand-in with known outcomes; keyboard, screen-reader basics, phone width and dark
// mode. Screenshots of each page, wide and phone, light and dark, land in test-output/screenshots/.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PageActionAnswer, StandinMessage } from "../../standin/control.js";
import type { ApiRequest } from "./api-request";
import { type Browser, launch, pageErrors, screenshot } from "./browser";
import { eventually } from "./eventually";
import { getJson, postJson } from "./http";

const stack = inject("stack");
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const pagePost = (path: string, body: unknown) => postJson<PageActionAnswer>(`${stack.standinUrl}${path}`, body);
const messagesIn = (channel: string) => getJson<StandinMessage[]>(`${stack.standinUrl}/_control/messages?channel=${channel}`);

const api = (id: string) => getJson<ApiRequest>(`${stack.serviceUrl}/api/requests/${id}`, { authorization: `Bearer ${stack.apiToken}` });
const untilStatus = (id: string, status: string) =>
  eventually(async () => {
    const r = await api(id);
    return r.status === status && r.workflow?.status !== "running" ? r : undefined;
  }, `${id} to be ${status}`);

/** Sends `/approval …` as `user` in #general and returns the request id from the approver's DM. */
async function request(user: string, approverDm: string, text: string): Promise<{ id: string; ts: string }> {
  await pagePost("/_ui/command", { user, channel: "C0GENERAL", text: `/approval ${text}` });
  const words = text.split(" ").slice(1).join(" ");
  const dm = await eventually(async () => {
    const messages = await messagesIn(approverDm);
    return messages.find((m) => JSON.stringify(m.blocks).includes(words) && JSON.stringify(m.blocks).includes("approval_approve"));
  }, `the DM for "${words}"`);
  return { id: /req-[a-z0-9]{12}/.exec(JSON.stringify(dm.blocks))![0], ts: dm.ts };
}
const approve = (user: string, dm: string, r: { id: string; ts: string }) =>
  pagePost("/_ui/action", { user, channel: dm, ts: r.ts, block_id: `decision:${r.id}`, action_id: "approval_approve" });

/** Every page in four looks: wide and phone width, light and dark. Also checks the phone width needs no sideways scrolling. */
async function shoot(name: string, fullPage = false) {
  const { page } = browser;
  for (const [width, height, size] of [
    [1360, 820, "wide"],
    [390, 844, "phone"],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe(scheme === "light" ? "rgb(247, 247, 248)" : "rgb(23, 23, 26)");
      await screenshot(page, `dashboard-${name}-${size}-${scheme}`, { fullPage });
    }
    // Wide tables and charts scroll inside their own boxes; the page itself fits the window.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  }
  await page.setViewportSize({ width: 1360, height: 820 });
  await page.emulateMedia({ colorScheme: "light" });
}

/**
 * The basics an accessibility checker looks at, asked of the DOM: every field has a label, every
 * table a caption and a header row with scopes, every chart is an image with a name and a
 * description, links have text, ids are unique, one h1, a language, a skip link to the main content.
 */
function accessibilityProblems(): Promise<string[]> {
  return browser.page.evaluate(() => {
    const all = <E extends Element = HTMLElement>(selector: string): E[] => Array.from(document.querySelectorAll<E>(selector));
    const nameOf = (el: Element): string =>
      (
        el.getAttribute("aria-label") ??
        (el.getAttribute("aria-labelledby") ?? "")
          .split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent ?? "")
          .join(" ")
      ).trim();
    const problems: string[] = [];
    for (const el of all<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>("input:not([type=hidden]), select, textarea"))
      if (!el.labels?.length && !nameOf(el)) problems.push(`no label: ${el.outerHTML.slice(0, 80)}`);
    for (const table of all<HTMLTableElement>("table")) {
      if (!table.querySelector("caption")?.textContent.trim()) problems.push(`table without caption: ${table.className}`);
      const heads = Array.from(table.querySelectorAll("thead th"));
      if (heads.length === 0) problems.push(`table without header row: ${table.className}`);
      for (const th of heads) if (th.getAttribute("scope") !== "col") problems.push(`header without scope: ${th.textContent}`);
    }
    for (const svg of all<SVGSVGElement>("svg")) {
      if (svg.getAttribute("role") !== "img") problems.push(`svg ${svg.id} without role=img`);
      if (!nameOf(svg) || !svg.querySelector("title")?.textContent || !svg.querySelector("desc")?.textContent)
        problems.push(`svg ${svg.id} without title/desc`);
    }
    for (const img of all("img")) if (!img.hasAttribute("alt")) problems.push("img without alt");
    for (const a of all<HTMLAnchorElement>("a")) if (!a.textContent.trim() && !nameOf(a)) problems.push(`link without text: ${a.href}`);
    for (const box of all(".table-scroll, .chart-scroll"))
      if (box.tabIndex !== 0 || !nameOf(box)) problems.push(`scroll box not focusable or unnamed: ${box.className}`);
    const ids = all("[id]").map((e) => e.id);
    for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) problems.push(`duplicate id ${id}`);
    if (document.documentElement.lang !== "en") problems.push("no lang");
    if (all("h1").length !== 1) problems.push("not one h1");
    if (document.querySelector("a.skip")?.getAttribute("href") !== "#main" || !document.getElementById("main")) problems.push("no skip link to #main");
    return problems;
  });
}

/** A mark set on the page's window: still there after an update, the page was not reloaded. */
type SameDocument = Window & { sameDocument?: boolean };

const activeElement = () =>
  browser.page.evaluate(() => {
    const el = document.activeElement;
    if (!el) throw new Error("nothing has the focus");
    return { tag: el.tagName, id: el.id, cls: el.className, outline: getComputedStyle(el).outlineStyle };
  });

it("lists the requests, filters them, shows a request's timeline and exports CSV", async () => {
  // One approved and one pending request, made through the stand-in as a person would.
  const approved = await request("U0REQUESTER", "D0APPROVER", "@maria Renew the TLS certificate for api.example.com");
  await request("U0ESCALATE", "D0APPROVER", "@maria Order two laptops for the new hires");
  const id = approved.id;
  await approve("U0APPROVER", "D0APPROVER", approved);
  await eventually(async () => {
    const r = await api(id);
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
    // Alex by the name the workflow cached (the name Slack sent with his command), the id on hover.
    expect(t).toContain("alex");
  }
  expect(await rows.first().locator("td .person").first().getAttribute("title")).toBe("U0REQUESTER");
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

  // The export of the filtered list, as the page links it: ids, then the names.
  await page.goBack();
  const href = await page.locator("a.export").getAttribute("href");
  expect(href).toBe("/dashboard/export.csv?status=approved&requester=U0REQUESTER");
  const csv = await (await fetch(`${stack.serviceUrl}${href}`)).text();
  expect(csv.split("\r\n")[0]).toBe(
    `"id","type","status","requester","approvers","level","decided_by","decided_at","created_at","updated_at","error","description","type_title","requester_name","approver_names","decided_by_name","source_name","source_label","source_url","fields"`,
  );
  expect(csv).toContain(`"${id}","default","approved","U0REQUESTER","U0APPROVER","1","U0APPROVER",`);
  expect(csv).toMatch(new RegExp(`"${id}",.*,"Approval","alex",`));
  expect(pageErrors(page)).toEqual([]);
});

describe("for people: names, live updates, the overview", () => {
  // Three new members of the stand-in's workspace, with handles to mention them by.
  const tag = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[b % 32]).join("");
  const dana = { id: `U7DANA${tag}`, name: "dana", real_name: "Dana Kim" };
  const priya = { id: `U7PRIYA${tag}`, name: "priya", real_name: "Priya Nair" };
  const omar = { id: `U7OMAR${tag}`, name: "omar", real_name: "Omar Haddad" };
  const dm = (u: { id: string }) => `D${u.id.slice(1)}`;
  const made: Record<string, { id: string; ts: string }> = {};

  beforeAll(async () => {
    for (const person of [dana, priya, omar]) await pagePost("/_control/users", person);
    // Dana: one approved, one cancelled, one left pending (for the live list); Priya and Omar
    // ask too (so the workflows know their names), Priya's waiting for Omar (for the live page).
    made.approved = await request(dana.id, dm(priya), "@priya Renew the VPN certificate");
    await approve(priya.id, dm(priya), made.approved);
    await untilStatus(made.approved.id, "approved");
    made.cancelled = await request(dana.id, dm(omar), "@omar Order a standing desk");
    const receipt = await eventually(async () => {
      const messages = await messagesIn(dm(dana));
      return messages.find((m) => JSON.stringify(m.blocks).includes(made.cancelled!.id) && JSON.stringify(m.blocks).includes("approval_cancel"));
    }, "Dana's receipt");
    await pagePost("/_ui/action", { user: dana.id, channel: dm(dana), ts: receipt.ts, block_id: "cancel", action_id: "approval_cancel" });
    await untilStatus(made.cancelled.id, "cancelled");
    made.pending = await request(dana.id, dm(omar), "@omar Give Sam read access to the finance drive");
    made.priyas = await request(priya.id, dm(omar), "@omar Book the offsite venue for May");
    made.omars = await request(omar.id, dm(dana), "@dana Approve the Q3 hardware budget");
  });

  it("updates the list without a reload, but not while someone edits the filters, and stops when nothing is pending", async () => {
    const { page } = browser;
    await page.goto(`${stack.serviceUrl}/dashboard?requester=${dana.id}`);
    const status = page.locator("#live-status");
    const checks = async () => Number((await status.getAttribute("data-checks")) ?? 0);
    // A first check finds nothing changed, and nobody editing.
    await expect.poll(checks, { timeout: 40_000 }).toBeGreaterThanOrEqual(1);
    expect(await status.getAttribute("data-state")).toBe("on");
    expect(await status.textContent()).toBe("Live: this page updates by itself while something is pending.");
    await page.evaluate(() => {
      (window as SameDocument).sameDocument = true;
    });
    const row = page.locator("table.requests tbody tr", { hasText: made.pending!.id });
    expect(await row.locator(".status").textContent()).toBe("pending");
    // People by name: Dana (her requests looked her up), Omar (his own request did).
    expect(await row.locator(".person").allTextContents()).toEqual(["dana", "omar"]);

    // Someone starts typing a filter; meanwhile Omar approves.
    await page.locator('input[name="approver"]').fill("U7");
    await approve(omar.id, dm(omar), made.pending!);
    await untilStatus(made.pending!.id, "approved");
    // The next check after the approval holds back: the row still says pending.
    const before = await checks();
    await expect.poll(checks, { timeout: 40_000 }).toBeGreaterThan(before);
    expect(await status.getAttribute("data-state")).toBe("waiting");
    expect(await status.textContent()).toBe("Live updates wait while you edit the filters.");
    expect(await row.locator(".status").textContent()).toBe("pending");

    // The edit is undone and the field left: the row updates in place, and the updates stop (nothing pending).
    await page.locator('input[name="approver"]').fill("");
    await page.locator("h1").click();
    await expect.poll(() => status.getAttribute("data-state"), { timeout: 40_000 }).toBe("done");
    expect(await status.textContent()).toMatch(/^Updated at .+\. Nothing is pending any more, so live updates stopped\.$/);
    expect(await row.locator(".status").textContent()).toBe("approved");
    expect(await page.evaluate(() => (window as SameDocument).sameDocument)).toBe(true);
    expect(await page.locator(".count.pending strong").textContent()).toBe("0");
    expect(pageErrors(page)).toEqual([]);
  });

  it("updates a request's page in place when it is decided", async () => {
    const { page } = browser;
    await page.goto(`${stack.serviceUrl}/dashboard/requests/${made.priyas!.id}`);
    const status = page.locator("#live-status");
    await expect.poll(() => status.getAttribute("data-state"), { timeout: 10_000 }).toBe("on");
    await page.evaluate(() => {
      (window as SameDocument).sameDocument = true;
    });
    expect(await page.locator(".request .status").textContent()).toBe("pending");
    await approve(omar.id, dm(omar), made.priyas!);
    await expect.poll(() => page.locator(".request .status").textContent(), { timeout: 40_000 }).toBe("approved");
    // The timeline grew with the decision, by name, and the workflow's end stops the updates.
    await expect.poll(() => status.getAttribute("data-state"), { timeout: 40_000 }).toBe("done");
    expect(await page.locator("ol.timeline li strong").allTextContents()).toEqual(["created", "notified", "approved"]);
    const decider = page.locator("ol.timeline li.approved .person");
    expect(await decider.textContent()).toBe("omar");
    expect(await decider.getAttribute("title")).toBe(omar.id);
    expect(await page.evaluate(() => (window as SameDocument).sameDocument)).toBe(true);
    expect(pageErrors(page)).toEqual([]);
  });

  it("draws the overview from the requests made: bars per day by outcome, decision times with p50/p90, what waits", async () => {
    // One more request of Dana's, left waiting for Priya.
    made.waiting = await request(dana.id, dm(priya), "@priya Rotate the signing keys");
    const decided = await Promise.all([made.approved!.id, made.pending!.id].map(api));
    const latencies = decided.map((r) => (Date.parse(r.decided_at!) - Date.parse(r.created_at)) / 1000).sort((a, b) => a - b);
    const today = new Date().toISOString().slice(0, 10);

    const { page } = browser;
    await page.goto(`${stack.serviceUrl}/dashboard/overview?requester=${dana.id}`);
    await page.locator("svg#chart-per-day").waitFor();
    // Today's column: 2 approved, 1 cancelled, 1 pending, stacked in that order.
    const bars = page.locator(`svg#chart-per-day g.column[data-key="${today}"] rect`);
    const segments = await bars.evaluateAll((rects: SVGRectElement[]) =>
      rects.map((r): [string | undefined, number, number] => [r.dataset.series, Number(r.dataset.value), Number(r.getAttribute("height"))]),
    );
    expect(segments.map(([series, value]) => [series, value])).toEqual([
      ["approved", 2],
      ["cancelled", 1],
      ["pending", 1],
    ]);
    // 4 on an axis of 0…4 over 200 units: 50 units a request.
    expect(segments.map(([, , height]) => Math.round(height))).toEqual([100, 50, 50]);
    await page.locator("#section-per-day summary").click();
    const todayRow = await page.locator('table[data-chart="per-day"] tbody tr', { hasText: today }).locator("th, td").allTextContents();
    expect(todayRow).toEqual([today, "2", "0", "1", "0", "0", "1", "4"]);

    // Two decisions: nearest rank puts p50 on the faster, p90 on the slower.
    const seconds = async (measure: string) => Number(await page.locator(`tr[data-measure="${measure}"] td.num`).textContent());
    expect(Math.abs((await seconds("p50")) - latencies[0]!)).toBeLessThanOrEqual(0.1);
    expect(Math.abs((await seconds("p90")) - latencies[1]!)).toBeLessThanOrEqual(0.1);
    expect(await seconds("decisions")).toBe(2);
    // As the page words a duration under an hour: "under 1 s", "45 s", "4 min", "4 min 5 s".
    const label = (s: number) => {
      const r = Math.round(s);
      if (s < 0.5) return "under 1 s";
      return r < 60 ? `${r} s` : `${Math.floor(r / 60)} min${r % 60 ? ` ${r % 60} s` : ""}`;
    };
    expect(await page.locator('svg#chart-decision-time g[data-marker="p50"] text').textContent()).toBe(`p50 ${label(await seconds("p50"))}`);
    expect(await page.locator('svg#chart-decision-time g[data-marker="p90"] text').textContent()).toBe(`p90 ${label(await seconds("p90"))}`);

    // What waits now: the signing keys, for Priya (by name).
    const pending = page.locator("svg#chart-pending g.row");
    expect(await pending.evaluateAll((rows: SVGGElement[]) => rows.map((r) => r.dataset.key))).toEqual([made.waiting.id]);
    expect(await pending.locator("text.sub").textContent()).toBe("waits for priya");
    const types = await page
      .locator('svg#chart-types g.row[data-key="default"] rect')
      .evaluateAll((rects: SVGRectElement[]) => rects.map((r) => Number(r.dataset.value)));
    expect(types).toEqual([0, 0]);
    expect(await page.locator("#section-actions").textContent()).toContain("No approved request in this window had an action.");

    // The chart's CSV, as the page links it, has the same numbers.
    const csvHref = await page.locator("#section-per-day a.csv").getAttribute("href");
    const csv = await (await fetch(`${stack.serviceUrl}${csvHref}`)).text();
    expect(csv).toContain(`\r\n"${today}","2","0","1","0","0","1","4"\r\n`);

    expect(await accessibilityProblems()).toEqual([]);
    await shoot("overview", true);
    expect(pageErrors(page)).toEqual([]);
  });

  it("is usable with a keyboard and a screen reader, on a phone and in the dark: list, request page, empty state", async () => {
    const { page } = browser;
    await page.goto(`${stack.serviceUrl}/dashboard`);
    // The first Tab reaches the skip link, which moves on to the main content.
    await page.keyboard.press("Tab");
    const skip = await activeElement();
    expect(skip.cls).toBe("skip");
    expect(skip.outline).not.toBe("none");
    await page.keyboard.press("Enter");
    expect((await activeElement()).id).toBe("main");
    // Then the page's links, each with a visible focus ring.
    await page.keyboard.press("Tab");
    expect((await activeElement()).outline).not.toBe("none");
    expect(await accessibilityProblems()).toEqual([]);
    await shoot("list");

    await page.goto(`${stack.serviceUrl}/dashboard/requests/${made.approved!.id}`);
    await page.locator("ol.timeline").waitFor();
    expect(await page.locator(".request dd .person").first().textContent()).toBe("dana");
    expect(await accessibilityProblems()).toEqual([]);
    await shoot("request");

    // Someone new: no requests yet, and the page says how to make one (here, in the stand-in).
    await page.goto(`${stack.serviceUrl}/dashboard?requester=U7NOBODY${tag}`);
    const start = page.locator("section.empty");
    expect(await start.locator("h2").textContent()).toBe("Start a request");
    expect(await start.textContent()).toContain("/approval @someone what needs approving");
    expect(await start.locator(`a[href="${stack.standinUrl}/"]`).count()).toBe(1);
    expect(await accessibilityProblems()).toEqual([]);
    await shoot("empty");
    expect(pageErrors(page)).toEqual([]);
  });
});
