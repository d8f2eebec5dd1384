import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cachedDisplayName } from "../src/core/display-names";
import { newRequestId } from "../src/core/ids";
import { castVote, closeByClaim, upsertRequest } from "../src/core/store";
import { LIVE_SCRIPT_HASH } from "../src/routes/dashboard/live";
import { approverDm, click, eventually, newUser, reject, requestJson, startRequest, waitForStatus } from "./helpers";

const TOKEN = env.API_TOKEN!;
const PROD = "https://approvals.test";

function get(path: string, headers: Record<string, string> = {}, base = PROD): Promise<Response> {
  return exports.default.fetch(new Request(`${base}${path}`, { headers, redirect: "manual" }));
}
const asAdmin = (path: string) => get(path, { authorization: `Bearer ${TOKEN}` });

describe("the dashboard's protection", () => {
  it("asks for the token in production: 401 without it or with a wrong one, 200 with the bearer", async () => {
    const anonymous = await get("/dashboard");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
    expect(await anonymous.text()).not.toContain("<table");
    expect((await get("/dashboard", { authorization: "Bearer not-the-token-at-all" })).status).toBe(401);
    expect((await get("/dashboard/export.csv")).status).toBe(401);
    expect((await get("/dashboard/requests/req-aaaaaaaaaaaa")).status).toBe(401);
    const admin = await asAdmin("/dashboard");
    expect(admin.status).toBe(200);
    expect(admin.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(admin.headers.get("cache-control")).toBe("no-store");
    // Every answer, the sign-in page too, carries the full policy: one script, by its hash; no
    // other script, no frames, nothing from elsewhere; fetches to this origin only.
    for (const res of [anonymous, admin]) {
      expect(res.headers.get("content-security-policy")).toBe(
        `default-src 'none'; script-src '${LIVE_SCRIPT_HASH}'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      );
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });

  it("the sign-in form refuses an address after 10 wrong tokens (429), and says when to try again", async () => {
    const address = `2001:db8:${Array.from(crypto.getRandomValues(new Uint16Array(2)), (n) => n.toString(16)).join(":")}::7`;
    const signIn = (token: string) =>
      exports.default.fetch(
        new Request(`${PROD}/dashboard/sign-in`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": address },
          body: new URLSearchParams({ token, next: "/dashboard" }).toString(),
          redirect: "manual",
        }),
      );
    // Someone at the address signed in earlier; then someone else there guesses.
    const session = (await signIn(TOKEN)).headers.get("set-cookie")!.split(";")[0]!;
    for (let i = 0; i < 10; i++) expect((await signIn(`not-the-token-${i}-at-all`)).status).toBe(401);
    const locked = await signIn(TOKEN);
    expect(locked.status).toBe(429);
    expect(locked.headers.get("set-cookie")).toBeNull();
    expect(await locked.text()).toMatch(/Too many wrong tokens from this address\. Try again in 1[45] minutes\./);
    // A signed-in session is not a guess: it keeps working from the same address.
    expect((await get("/dashboard", { cookie: session, "cf-connecting-ip": address })).status).toBe(200);
  });

  it("signing in with the form (POST, never the address) sets an HttpOnly cookie, not the token itself", async () => {
    const signIn = (token: string, next = "/dashboard?status=approved") =>
      exports.default.fetch(
        new Request(`${PROD}/dashboard/sign-in`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ token, next }).toString(),
          redirect: "manual",
        }),
      );
    const form = await (await get("/dashboard/requests/req-000000000000")).text();
    expect(form).toContain('action="/dashboard/sign-in"');
    expect(form).toContain('value="/dashboard/requests/req-000000000000"');
    expect((await signIn("wrong-token-0123456789")).status).toBe(401);
    // A token in the address does nothing (it would end up in logs).
    expect((await get(`/dashboard?token=${encodeURIComponent(TOKEN)}`)).status).toBe(401);
    expect((await signIn(TOKEN, "https://evil.example/")).headers.get("location")).toBe("/dashboard");
    const res = await signIn(TOKEN);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard?status=approved");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^approvals_dashboard=\d{10}\.[0-9a-f]{64};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/dashboard");
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(";")[0]!;
    expect((await get("/dashboard", { cookie: session })).status).toBe(200);
    expect((await get("/dashboard", { cookie: "approvals_dashboard=0000" })).status).toBe(401);
    // The expiry is checked by the server and signed: moving it forward breaks the signature.
    const [, value] = session.split("=");
    const forged = `approvals_dashboard=${Number(value!.split(".")[0]) + 3600}.${value!.split(".")[1]}`;
    expect((await get("/dashboard", { cookie: forged })).status).toBe(401);
    const expired = `approvals_dashboard=1000000000.${value!.split(".")[1]}`;
    expect((await get("/dashboard", { cookie: expired })).status).toBe(401);
  });

  it("is open without a token on a loopback host (wrangler dev)", async () => {
    expect((await get("/dashboard", {}, "http://127.0.0.1:8787")).status).toBe(200);
    expect((await get("/dashboard", {}, "http://localhost:8787")).status).toBe(200);
    expect((await get("/dashboard", {}, "http://127.0.0.1.example.com")).status).toBe(401);
  });
});

describe("the dashboard's pages", () => {
  it("lists requests with filters by status, type, requester, approver and date", async () => {
    const requester = await newUser();
    const [a, b] = [await newUser(), await newUser()];
    const approved = await startRequest(requester, a, "Open the firewall for the billing VPN");
    const pending = await startRequest(requester, b, "Give Sam read access to the finance drive");
    await approverDm(a);
    await approverDm(b);
    expect((await click(a, approved, "approve")).status).toBe(200);
    await waitForStatus(approved, "approved");

    const mine = await (await asAdmin(`/dashboard?requester=${requester}`)).text();
    expect(mine).toContain(approved);
    expect(mine).toContain(pending);
    expect(mine).toContain("Open the firewall for the billing VPN");

    const onlyApproved = await (await asAdmin(`/dashboard?requester=${requester}&status=approved`)).text();
    expect(onlyApproved).toContain(approved);
    expect(onlyApproved).not.toContain(pending);

    const byApprover = await (await asAdmin(`/dashboard?approver=${b}`)).text();
    expect(byApprover).toContain(pending);
    expect(byApprover).not.toContain(approved);

    const byType = await (await asAdmin(`/dashboard?requester=${requester}&type=default`)).text();
    expect(byType).toContain(approved);
    expect(await (await asAdmin(`/dashboard?requester=${requester}&type=deploy`)).text()).not.toContain(approved);
    expect((await asAdmin(`/dashboard?type=DROP%20TABLE`)).status).toBe(400);

    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(await (await asAdmin(`/dashboard?requester=${requester}&from=${today}&to=${today}`)).text()).toContain(approved);
    const later = await (await asAdmin(`/dashboard?requester=${requester}&from=${tomorrow}`)).text();
    expect(later).not.toContain(approved);
    expect(later).toContain("No requests match these filters.");

    const bad = await asAdmin("/dashboard?status=bogus");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Invalid filter: status");
    expect((await asAdmin("/dashboard?from=2026-13-45")).status).toBe(400);
  });

  it("shows a request's full timeline, escapes every user text and never shows a secret", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver, `<script>alert("x")</script> & "quotes"`);
    await approverDm(approver);
    await reject(approver, id, "Not <b>now</b>");
    await waitForStatus(id, "rejected");

    const res = await asAdmin(`/dashboard/requests/${id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const events = [...html.matchAll(/<li class="event (\w+)">/g)].map((m) => m[1]);
    expect(events).toEqual(["created", "notified", "rejected"]);
    expect(html).toContain(`&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;`);
    expect(html).not.toContain("<script>");
    expect(html).toContain(`L1-${approver}`);
    expect(html).toContain("Not &lt;b&gt;now&lt;/b&gt;");
    for (const secret of [env.API_TOKEN!, env.SLACK_SIGNING_SECRET!, env.SLACK_BOT_TOKEN!]) expect(html).not.toContain(secret);

    expect((await asAdmin("/dashboard/requests/req-000000000000")).status).toBe(404);
    expect((await asAdmin("/dashboard/requests/not-an-id")).status).toBe(400);
  });

  it("exports the filtered requests as CSV, quoted and safe to open in a spreadsheet", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver, `=HYPERLINK("http://evil.example","click"), then "quote"`);
    await approverDm(approver);

    const res = await asAdmin(`/dashboard/export.csv?requester=${requester}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="approvals-\d{4}-\d{2}-\d{2}\.csv"$/);
    const [header, row, end] = (await res.text()).split("\r\n");
    expect(header).toBe(
      `"id","type","status","requester","approvers","level","decided_by","decided_at","created_at","updated_at","error","description","type_title","requester_name","approver_names","decided_by_name","source_name","source_label","source_url","fields"`,
    );
    expect(row).toMatch(new RegExp(`^"${id}","default","pending","${requester}","${approver}","1","","","\\d{4}-`));
    // The formula is neutralised with a leading quote, and the cell is quoted with "" escapes.
    expect(row).toContain(`,"'=HYPERLINK(""http://evil.example"",""click""), then ""quote""",`);
    // Then the names: the requester's, looked up by the workflow; the approver was never looked up, so the id.
    // A request from Slack has no API source or fields: four empty cells at the end.
    expect(row!.endsWith(`,"Approval","${requester.toLowerCase()}","${approver}","","","","",""`)).toBe(true);
    expect(end).toBe("");
  });
});

describe("names, not ids", () => {
  it("shows people by their cached display name with the id on hover, a person never seen by the id, and types by title", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const stranger = await newUser();
    // The approver's name as a workflow cached it earlier (display names are people's own text: escaped).
    await cachedDisplayName(env.KV, approver, async () => "Maria <Lopez>");
    const id = await startRequest(requester, approver, "Rotate the API keys of billing");
    await approverDm(approver);
    expect((await click(approver, id, "approve")).status).toBe(200);
    await waitForStatus(id, "approved");
    // A request for someone no workflow ever looked up.
    const unseen = newRequestId();
    const now = new Date().toISOString();
    await upsertRequest(env.DB, {
      id: unseen,
      type: "expense",
      requester,
      description: "Team lunch",
      approvers: [stranger],
      quorum: 1,
      allowSelf: false,
      createdAt: now,
      expiresAt: now,
    });

    const list = await (await asAdmin(`/dashboard?requester=${requester}`)).text();
    // The stand-in's users.info gives a new member their lowercased id as display name; the workflow cached it.
    const requesterName = `<span class="person" title="${requester}">${requester.toLowerCase()}</span>`;
    const approverName = `<span class="person" title="${approver}">Maria &lt;Lopez&gt;</span>`;
    expect(list).toContain(requesterName);
    expect(list).toContain(approverName);
    expect(list).toContain(`<code class="person">${stranger}</code>`);
    expect(list).toContain('<span title="default">Approval</span>');
    expect(list).toContain('<span title="expense">Expense</span>');
    // The filter form suggests the people on the page by name.
    expect(list).toContain(`<option value="${approver}" label="Maria &lt;Lopez&gt;">`);

    const page = await (await asAdmin(`/dashboard/requests/${id}`)).text();
    const timeline = page.slice(page.indexOf('<ol class="timeline"'), page.indexOf("</ol>"));
    expect(timeline).toContain(`<strong>approved</strong> ${approverName}`);
    expect(page).toContain(`<dt>Requester</dt><dd>${requesterName}</dd>`);
    expect(page).toContain(`by ${approverName} at`);
    const messages = page.slice(page.indexOf('<table><caption id="messages-caption"'));
    expect(messages).toContain(approverName);
    expect(messages).toContain(requesterName);
  });
});

describe("live updates", () => {
  const attr = (html: string, name: string) => new RegExp(`<div id="live"[^>]* ${name}="([^"]*)"`).exec(html)?.[1]?.replace(/&amp;/g, "&");

  it("serves its one script with the hash the CSP and the tag name", async () => {
    const res = await asAdmin("/dashboard/live.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await res.arrayBuffer()));
    expect(`sha256-${btoa(String.fromCharCode(...digest))}`).toBe(LIVE_SCRIPT_HASH);
    const page = await (await asAdmin("/dashboard")).text();
    expect(page).toMatch(new RegExp(`<script src="/dashboard/live\\.js\\?v=[^"]+" integrity="${LIVE_SCRIPT_HASH.replace(/[+/]/g, "\\$&")}" defer="">`));
    expect((await get("/dashboard/live.js")).status).toBe(401);
  });

  it("the list's fragment answers 304 while nothing changed, the new region when something did, and stops when nothing is pending", async () => {
    const requester = await newUser();
    const id = newRequestId();
    const created = new Date().toISOString();
    await upsertRequest(env.DB, {
      id,
      type: "default",
      requester,
      description: "Open port 8443",
      approvers: ["U0SOMEONE"],
      quorum: 1,
      allowSelf: false,
      createdAt: created,
      expiresAt: created,
    });
    const page = await (await asAdmin(`/dashboard?requester=${requester}`)).text();
    const src = attr(page, "data-live-src")!;
    const version = attr(page, "data-version")!;
    expect(src).toBe(`/dashboard/fragment?requester=${requester}`);
    expect(attr(page, "data-live")).toBe("true");
    expect(page).toContain('<p id="live-status" class="live-status" role="status" aria-live="polite"></p>');

    const unchanged = await get(src, { authorization: `Bearer ${TOKEN}`, "if-none-match": JSON.stringify(version) });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe("");

    const decidedAt = new Date(Date.now() + 1000).toISOString();
    expect(await castVote(env.DB, id, "U0SOMEONE", "approve", decidedAt)).toEqual({ ok: true, decisive: true });
    expect(await closeByClaim(env.DB, id, decidedAt)).not.toBeNull();
    const changed = await get(src, { authorization: `Bearer ${TOKEN}`, "if-none-match": JSON.stringify(version) });
    expect(changed.status).toBe(200);
    const fragment = await changed.text();
    expect(fragment.startsWith('<div id="live"')).toBe(true);
    expect(fragment).not.toContain("<html");
    expect(fragment).toMatch(/<span class="status approved">approved<\/span>/);
    // Nothing pending any more: the script stops asking.
    expect(attr(fragment, "data-live")).toBe("false");
    const next = attr(fragment, "data-version")!;
    expect(next).not.toBe(version);
    expect(changed.headers.get("etag")).toBe(JSON.stringify(next));
    expect((await get(src, { authorization: `Bearer ${TOKEN}`, "if-none-match": JSON.stringify(next) })).status).toBe(304);
    expect((await get("/dashboard/fragment?status=bogus", { authorization: `Bearer ${TOKEN}` })).status).toBe(400);
  });

  it("a request's fragment changes with its trail, and stops once it is decided and its workflow is done", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver, "Restart the payments queue");
    await approverDm(approver);
    // Settled: the DM and the receipt recorded (each a step after its post), so the page's version holds.
    await eventually(async () => {
      const r = await requestJson(id);
      return r.messages.length === 2 && r.audit.some((a: { event: string }) => a.event === "notified");
    }, "the DM and the receipt recorded");
    const page = await (await asAdmin(`/dashboard/requests/${id}`)).text();
    expect(attr(page, "data-live-src")).toBe(`/dashboard/requests/${id}/fragment`);
    expect(attr(page, "data-live")).toBe("true");
    const version = attr(page, "data-version")!;
    const fragment = (etag: string) => get(`/dashboard/requests/${id}/fragment`, { authorization: `Bearer ${TOKEN}`, "if-none-match": JSON.stringify(etag) });
    expect((await fragment(version)).status).toBe(304);

    expect((await click(approver, id, "approve")).status).toBe(200);
    await waitForStatus(id, "approved");
    const changed = await fragment(version);
    expect(changed.status).toBe(200);
    const html = await changed.text();
    expect(html).toContain('<span class="status approved">approved</span>');
    expect([...html.matchAll(/<li class="event (\w+)">/g)].map((m) => m[1])).toEqual(["created", "notified", "approved"]);
    expect(attr(html, "data-live")).toBe("false");
    expect((await get(`/dashboard/requests/req-000000000000/fragment`, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
  });
});
