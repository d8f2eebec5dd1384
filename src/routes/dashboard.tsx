/** @jsxImportSource hono/jsx */
import { Hono, type Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { Child, FC } from "hono/jsx";
import { z } from "zod";
import { ConfigError, loadConfig } from "../config";
import { checkToken, clientAddress, sameSecret, type TokenCheck } from "../core/api-token";
import { requestId as requestIdSchema, userId } from "../core/ids";
import { instanceStatus } from "../core/instances";
import { countByStatus, getAudit, getRequest, listMessages, listRequests, REQUEST_STATUSES, type AuditEntry, type StoredMessage } from "../core/store";
import type { AppEnv } from "../env";

/**
 * The audit dashboard: requests with filters, one request's full timeline, and a CSV export.
 * Server-rendered with Hono JSX (which escapes every value), no scripts, read-only SQL on the
 * requests, messages and audit tables. Protected by API_TOKEN (bearer, or a cookie set from
 * ?token=); open without a token only when served on a loopback host (wrangler dev).
 */
export const dashboardRoutes = new Hono<AppEnv>();

const COOKIE = "approvals_dashboard";
const STATUSES = REQUEST_STATUSES;
const PAGE_SIZE = 50;
const EXPORT_MAX = 10_000;

// ---- access

const SESSION_SECONDS = 8 * 3600;

/**
 * The cookie holds `<expiry>.<HMAC(API_TOKEN, "session|" + expiry)>`, never the token itself; the
 * server checks the expiry, so a copied cookie stops working after 8 hours.
 */
async function sessionValue(token: string, expires: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(token), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`session|${expires}`));
  return `${expires}.${Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function validSession(cookie: string, token: string): Promise<boolean> {
  const expires = Number(cookie.split(".")[0]);
  if (!Number.isInteger(expires) || expires < Math.floor(Date.now() / 1000)) return false;
  return sameSecret(cookie, await sessionValue(token, expires));
}

/**
 * wrangler dev serves on 127.0.0.1 / localhost. A loopback host alone is not proof of local dev
 * (another Worker could call this one through a service binding with such a URL), so the open
 * door also needs LOCAL_DEV=true, which only `npm run dev` and the tests set.
 */
const isLoopback = (host: string) => host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);

dashboardRoutes.use("*", async (c, next) => {
  c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cache-Control", "no-store");
  const url = new URL(c.req.url);
  if (c.env.LOCAL_DEV === "true" && isLoopback(url.hostname)) return next();

  let token: string | undefined;
  try {
    token = loadConfig(c.env).API_TOKEN;
  } catch (err) {
    if (err instanceof ConfigError) return c.html(<Message title="Dashboard unavailable" text={err.message} />, 503);
    throw err;
  }
  if (!token) return c.html(<Message title="Dashboard off" text="Set the API_TOKEN secret to use the dashboard." />, 503);

  const client = clientAddress(c.req.raw.headers);
  if (c.req.method === "POST" && url.pathname === "/dashboard/sign-in") {
    // The token travels in a POST body, never in an address (addresses end up in logs and history).
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const given = typeof form.token === "string" ? form.token : "";
    const check = given ? await checkToken(c.env.KV, client, given, token) : null;
    if (check?.locked) return paused(c, check);
    if (!check?.ok) return denied(c, "That token is not right.");
    const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    setCookie(c, COOKIE, await sessionValue(token, expires), { httpOnly: true, secure: url.protocol === "https:", sameSite: "Strict", path: "/dashboard", maxAge: SESSION_SECONDS });
    const next = typeof form.next === "string" && /^\/dashboard(\/[\w./-]*)?(\?[\w=&%.:-]*)?$/.test(form.next) ? form.next : "/dashboard";
    return c.redirect(next, 303);
  }
  // A signed-in session is not a guess: it is never throttled, whoever shares the address.
  const cookie = getCookie(c, COOKIE);
  if (cookie && (await validSession(cookie, token))) return next();
  const bearer = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
  const check = bearer ? await checkToken(c.env.KV, client, bearer, token) : null;
  if (check?.ok) return next();
  if (check?.locked) return paused(c, check);
  return denied(c);
});

function paused(c: Context<AppEnv>, check: Extract<TokenCheck, { locked: true }>) {
  c.header("Retry-After", String(check.retryAfter));
  return c.html(<Message title="Sign-in paused" text={`Too many wrong tokens from this address. Try again in ${Math.ceil(check.retryAfter / 60)} minutes.`} />, 429);
}

function denied(c: Context<AppEnv>, problem?: string) {
  c.header("WWW-Authenticate", 'Bearer realm="dashboard"');
  const here = new URL(c.req.url);
  const next = here.pathname === "/dashboard/sign-in" ? "/dashboard" : `${here.pathname}${here.search}`;
  return c.html(
    <Layout title="Sign in">
      <h1>Sign in to the dashboard</h1>
      {problem && <p class="error">{problem}</p>}
      <form method="post" action="/dashboard/sign-in" class="filters">
        <input type="hidden" name="next" value={next} />
        <label>
          API token
          <input type="password" name="token" autocomplete="current-password" required />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <p class="note">The API_TOKEN secret. It sets a cookie for this browser for 8 hours; scripts can send Authorization: Bearer … instead.</p>
    </Layout>,
    401,
  );
}

// ---- filters

const dateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date like 2026-05-01").refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "not a date");
const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v);
const filterSchema = z.object({
  status: z.preprocess(blankToUndefined, z.enum(STATUSES).optional()),
  type: z.preprocess(blankToUndefined, z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "a request type such as deploy").optional()),
  requester: z.preprocess(blankToUndefined, userId.optional()),
  approver: z.preprocess(blankToUndefined, userId.optional()),
  from: z.preprocess(blankToUndefined, dateOnly.optional()),
  to: z.preprocess(blankToUndefined, dateOnly.optional()),
});
type Filters = z.infer<typeof filterSchema>;

function parseFilters(c: Context<AppEnv>): { ok: true; filters: Filters } | { ok: false; problem: string; raw: Record<string, string> } {
  const raw = c.req.query();
  const parsed = filterSchema.safeParse(raw);
  if (parsed.success) return { ok: true, filters: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, problem: `${issue.path.join(".")}: ${issue.message}`, raw };
}

// ---- pages

dashboardRoutes.get("/", async (c) => {
  const parsed = parseFilters(c);
  if (!parsed.ok) {
    return c.html(
      <Layout title="Requests">
        <FilterForm values={parsed.raw} />
        <p class="problem">Invalid filter: {parsed.problem}</p>
      </Layout>,
      400,
    );
  }
  const f = parsed.filters;
  const [rows, counts] = await Promise.all([listRequests(c.env.DB, f, PAGE_SIZE + 1), countByStatus(c.env.DB, f)]);
  const shown = rows.slice(0, PAGE_SIZE);
  const query = new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]).toString();
  const total = f.status ? counts[f.status] ?? 0 : Object.values(counts).reduce((a, b) => a + b, 0);
  return c.html(
    <Layout title="Requests">
      <FilterForm values={f} />
      <ul class="counts" aria-label="Requests by status">
        {STATUSES.map((s) => (
          <li>
            <a href={`/dashboard?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(query)), status: s })}`} class={`count ${s}${f.status === s ? " selected" : ""}`}>
              <strong>{counts[s] ?? 0}</strong> {s}
            </a>
          </li>
        ))}
      </ul>
      <p class="summary">
        {shown.length === 0 ? "No requests match." : `Showing ${shown.length === total ? "all" : `the newest ${shown.length} of`} ${total} matching request${total === 1 ? "" : "s"}.`}{" "}
        <a href={`/dashboard/export.csv${query ? `?${query}` : ""}`} class="export">
          Export CSV
        </a>
      </p>
      {shown.length > 0 && (
        <table class="requests">
          <thead>
            <tr>
              <th>Request</th>
              <th>Status</th>
              <th>Type</th>
              <th>Requester</th>
              <th>Approvers</th>
              <th>What</th>
              <th>Created (UTC)</th>
              <th>Decided</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr>
                <td>
                  <a href={`/dashboard/requests/${r.id}`}>
                    <code>{r.id}</code>
                  </a>
                </td>
                <td>
                  <Status status={r.status} />
                </td>
                <td>{r.type}</td>
                <td>
                  <code>{r.requester}</code>
                </td>
                <td>
                  {r.approvers.map((a, i) => (
                    <>
                      {i > 0 && ", "}
                      <code>{a}</code>
                    </>
                  ))}
                  {r.level > 1 && <span class="note"> (escalated)</span>}
                </td>
                <td class="what">{shorten(r.description, 90)}</td>
                <td class="time">{time(r.created_at)}</td>
                <td class="time">{r.decided_by ? <code>{r.decided_by}</code> : r.status === "pending" ? "—" : r.error ? shorten(r.error, 40) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>,
  );
});

dashboardRoutes.get("/export.csv", async (c) => {
  const parsed = parseFilters(c);
  if (!parsed.ok) return c.text(`Invalid filter: ${parsed.problem}\n`, 400);
  const rows = await listRequests(c.env.DB, parsed.filters, EXPORT_MAX);
  const header = ["id", "type", "status", "requester", "approvers", "level", "decided_by", "decided_at", "created_at", "updated_at", "error", "description"];
  const lines = [header.join(",")];
  for (const r of rows) {
    lines.push([r.id, r.type, r.status, r.requester, r.approvers.join(" "), String(r.level), r.decided_by, r.decided_at, r.created_at, r.updated_at, r.error, r.description].map(csvCell).join(","));
  }
  c.header("Content-Type", "text/csv; charset=utf-8");
  c.header("Content-Disposition", `attachment; filename="approvals-${new Date().toISOString().slice(0, 10)}.csv"`);
  return c.body(`${lines.join("\r\n")}\r\n`);
});

dashboardRoutes.get("/requests/:id", async (c) => {
  const id = requestIdSchema.safeParse(c.req.param("id"));
  if (!id.success) return c.html(<Message title="Not a request id" text="Request ids look like req- and 12 letters or digits." />, 400);
  const [row, audit, messages, workflow] = await Promise.all([getRequest(c.env.DB, id.data), getAudit(c.env.DB, id.data), listMessages(c.env.DB, id.data), instanceStatus(c.env.APPROVAL, id.data)]);
  if (!row) return c.html(<Message title="Request not found" text={`No request ${id.data} is recorded.`} />, 404);
  return c.html(
    <Layout title={`Request ${row.id}`}>
      <p>
        <a href="/dashboard">← All requests</a>
      </p>
      <section class="request">
        <h2>
          <code>{row.id}</code> <Status status={row.status} />
        </h2>
        <blockquote>{row.description}</blockquote>
        <dl>
          <dt>Requester</dt>
          <dd>
            <code>{row.requester}</code>
          </dd>
          <dt>Approvers</dt>
          <dd>
            {row.approvers.map((a, i) => (
              <>
                {i > 0 && ", "}
                <code>{a}</code>
              </>
            ))}{" "}
            (level {row.level})
          </dd>
          <dt>Decided</dt>
          <dd>{row.decided_by ? <>by <code>{row.decided_by}</code> at {time(row.decided_at)}</> : row.decided_at ? time(row.decided_at) : "not yet"}</dd>
          {row.error && (
            <>
              <dt>Error</dt>
              <dd class="problem">{row.error}</dd>
            </>
          )}
          <dt>Created</dt>
          <dd>{time(row.created_at)}</dd>
          <dt>Updated</dt>
          <dd>{time(row.updated_at)}</dd>
          <dt>Workflow</dt>
          <dd>{workflow ? `${workflow.status}${workflow.error ? ` (${workflow.error})` : ""}` : "no instance (cleaned up)"}</dd>
        </dl>
      </section>
      <h2>Timeline</h2>
      <Timeline audit={audit} />
      <h2>Slack messages</h2>
      <Messages messages={messages} />
    </Layout>,
  );
});

// ---- helpers and components

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const time = (iso: string | null) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "");

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet. */
export function csvCell(value: string | null | undefined): string {
  let v = value ?? "";
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const Status: FC<{ status: string }> = ({ status }) => <span class={`status ${status}`}>{status}</span>;

const Timeline: FC<{ audit: AuditEntry[] }> = ({ audit }) =>
  audit.length === 0 ? (
    <p>No audit entries yet.</p>
  ) : (
    <ol class="timeline">
      {audit.map((e) => (
        <li class={`event ${e.event}`}>
          <span class="at">{time(e.at)}</span>
          <strong>{e.event}</strong>
          {e.actor && (
            <>
              {" "}
              <code>{e.actor}</code>
            </>
          )}
          {e.detail && <div class="detail">{e.detail}</div>}
        </li>
      ))}
    </ol>
  );

const Messages: FC<{ messages: StoredMessage[] }> = ({ messages }) =>
  messages.length === 0 ? (
    <p>None recorded.</p>
  ) : (
    <table>
      <thead>
        <tr>
          <th>Role</th>
          <th>User</th>
          <th>Channel</th>
          <th>ts</th>
        </tr>
      </thead>
      <tbody>
        {messages.map((m) => (
          <tr>
            <td>{m.role}</td>
            <td>
              <code>{m.user_id}</code>
            </td>
            <td>
              <code>{m.channel}</code>
            </td>
            <td>
              <code>{m.ts}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

const FilterForm: FC<{ values: Partial<Record<keyof Filters, string | undefined>> }> = ({ values }) => (
  <form class="filters" method="get" action="/dashboard">
    <label>
      Status
      <select name="status">
        <option value="">any</option>
        {STATUSES.map((s) => (
          <option value={s} selected={values.status === s}>
            {s}
          </option>
        ))}
      </select>
    </label>
    <label>
      Type
      <input name="type" value={values.type ?? ""} placeholder="deploy" size={10} />
    </label>
    <label>
      Requester
      <input name="requester" value={values.requester ?? ""} placeholder="U0123ABCD" size={12} />
    </label>
    <label>
      Approver
      <input name="approver" value={values.approver ?? ""} placeholder="U0123ABCD" size={12} />
    </label>
    <label>
      From
      <input type="date" name="from" value={values.from ?? ""} />
    </label>
    <label>
      To
      <input type="date" name="to" value={values.to ?? ""} />
    </label>
    <button type="submit">Filter</button>
    <a href="/dashboard" class="reset">
      Reset
    </a>
  </form>
);

const Message: FC<{ title: string; text: string }> = ({ title, text }) => (
  <Layout title={title}>
    <p>{text}</p>
  </Layout>
);

const Layout: FC<{ title: string; children?: Child }> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · Approvals dashboard`}</title>
      <link rel="icon" href="data:," />
      {/* A constant of this file, never user text: it must not be HTML-escaped (quotes in font names). */}
      <style dangerouslySetInnerHTML={{ __html: CSS }} />
    </head>
    <body>
      <header>
        <a href="/dashboard" class="brand">
          Approvals · audit dashboard
        </a>
      </header>
      <main>
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

const CSS = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d1c1d; font-size: 15px; }
body { margin: 0; background: #f7f7f8; }
header { background: #3f0e40; padding: 12px 24px; }
.brand { color: #fff; font-weight: 700; text-decoration: none; }
main { max-width: 1200px; margin: 0 auto; padding: 8px 24px 40px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
a { color: #1264a3; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; background: #fff; border: 1px solid #e2e2e2; border-radius: 8px; padding: 12px; }
.filters label { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: #616061; }
.filters input, .filters select { font: inherit; padding: 5px 8px; border: 1px solid #bbb; border-radius: 4px; }
.filters button { font: inherit; padding: 6px 16px; border: 0; border-radius: 4px; background: #007a5a; color: #fff; font-weight: 700; }
.reset { font-size: 13px; align-self: center; }
.counts { list-style: none; display: flex; gap: 8px; padding: 0; margin: 16px 0 4px; flex-wrap: wrap; }
.count { display: inline-block; padding: 6px 12px; border-radius: 16px; background: #fff; border: 1px solid #e2e2e2; text-decoration: none; color: inherit; }
.count.selected { border-color: #1264a3; box-shadow: 0 0 0 1px #1264a3; }
.summary { color: #616061; }
.export { margin-left: 8px; font-weight: 700; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #e2e2e2; border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #eee; vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #616061; background: #fafafa; }
td.what { max-width: 360px; overflow-wrap: anywhere; }
td.time { white-space: nowrap; font-size: 13px; }
.note { color: #616061; font-size: 12px; }
.status { display: inline-block; font-size: 12px; font-weight: 700; padding: 2px 8px; border-radius: 10px; background: #eee; }
.status.pending { background: #fef3d0; color: #8a6100; }
.status.approved { background: #daf2e6; color: #006644; }
.status.rejected { background: #fde2ea; color: #a0003b; }
.status.expired { background: #ececec; color: #555; }
.status.failed { background: #fde2e2; color: #9b1c1c; }
.request { background: #fff; border: 1px solid #e2e2e2; border-radius: 8px; padding: 4px 20px 12px; }
blockquote { margin: 8px 0 16px; padding-left: 12px; border-left: 4px solid #ddd; white-space: pre-wrap; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: 120px 1fr; gap: 6px 12px; margin: 0; }
dt { color: #616061; }
dd { margin: 0; }
.problem { color: #a0003b; }
.timeline { list-style: none; padding: 0 0 0 16px; border-left: 3px solid #ddd; margin: 0; }
.timeline li { position: relative; padding: 6px 0 10px 12px; }
.timeline li::before { content: ""; position: absolute; left: -24px; top: 10px; width: 11px; height: 11px; border-radius: 50%; background: #1264a3; border: 2px solid #f7f7f8; }
.timeline li.approved::before { background: #007a5a; }
.timeline li.rejected::before, .timeline li.failed::before { background: #e01e5a; }
.timeline li.escalated::before { background: #ecb22e; }
.timeline .at { display: inline-block; min-width: 170px; color: #616061; font-size: 13px; font-family: ui-monospace, Menlo, Consolas, monospace; }
.timeline .detail { color: #616061; font-size: 13px; margin-top: 2px; white-space: pre-wrap; overflow-wrap: anywhere; }
`;
