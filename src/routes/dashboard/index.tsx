/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { ConfigError, loadConfig } from "../../config";
import { requestId } from "../../core/ids";
import { type InstanceView, instanceStatus } from "../../core/instances";
import {
  countByStatus,
  getAudit,
  getRequest,
  listMessages,
  listRequests,
  listStamp,
  type OverviewFilters,
  overview,
  type RequestRow,
  requestStamp,
} from "../../core/store";
import type { AppEnv, Env } from "../../env";
import { dashboardAccess, isLoopback } from "./auth";
import { requestsCsv } from "./csv";
import { type Filters, validFilters } from "./filters";
import { loadLabels } from "./labels";
import { filterQuery, type LiveState, MessagePage } from "./layout";
import { LIVE_SCRIPT, LIVE_SCRIPT_HASH } from "./live";
import { OverviewPage } from "./overview";
import { CHARTS, type Chart, chartCsv, overviewWindow } from "./overview-data";
import { RequestPage, RequestRegion } from "./request-page";
import { InvalidFilterPage, RequestsPage, RequestsRegion } from "./requests-page";

/**
 * The audit dashboard: requests with filters, one request's full timeline, an overview with
 * charts, and CSV exports. Read-only; protected by API_TOKEN (auth.tsx); open without a token
 * only under local dev. The list and a request's page update themselves while something is
 * pending (live.ts): their `…/fragment` routes answer 304 while the page's stamp is current.
 */
export const dashboardRoutes = new Hono<AppEnv>();

const PAGE_SIZE = 50;
const EXPORT_MAX = 10_000;
const PENDING_LISTED = 50;
const PENDING_EXPORTED = 1000;

dashboardRoutes.use(
  "*",
  secureHeaders({
    // Nothing from elsewhere, no frames; one inline style sheet, one script allowed by its hash
    // (live.ts), which may fetch from this origin only.
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: [`'${LIVE_SCRIPT_HASH}'`],
      styleSrc: ["'unsafe-inline'"],
      imgSrc: ["data:"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    referrerPolicy: "no-referrer",
  }),
  async (c, next) => {
    c.header("Cache-Control", "no-store");
    await next();
  },
  dashboardAccess,
);

// Settings that do not validate: a page that says so (the rest of the app answers JSON).
dashboardRoutes.onError((err, c) => {
  if (err instanceof ConfigError) return c.html(<MessagePage title="Dashboard unavailable" text={err.message} />, 503);
  throw err;
});

/** The live-update script; its URL carries its hash, so a changed script is never an old cached one. */
dashboardRoutes.get("/live.js", (c) => {
  c.header("Content-Type", "text/javascript; charset=utf-8");
  c.header("Cache-Control", "private, max-age=86400");
  return c.body(LIVE_SCRIPT);
});

/** The Slack stand-in's page, for the empty state, when `npm run dev` runs one (LOCAL_DEV and a loopback Slack). */
function standinPage(env: Env): string | undefined {
  if (env.LOCAL_DEV !== "true") return undefined;
  const slack = new URL(loadConfig(env).SLACK_API_URL);
  return slack.protocol === "http:" && isLoopback(slack.hostname) ? `${slack.origin}/` : undefined;
}

/** True when the browser's copy (If-None-Match) is the current version: answer 304 without rendering. */
function current(c: Context<AppEnv>, version: string): boolean {
  c.header("ETag", JSON.stringify(version));
  return c.req.header("if-none-match") === JSON.stringify(version);
}

const invalidListFilter = validFilters(async (c, problem, raw) =>
  c.html(<InvalidFilterPage values={raw} problem={problem} labels={await loadLabels(c.env, [])} />, 400),
);

async function listProps(c: Context<AppEnv>, filters: Filters) {
  // The stamp first: data newer than its stamp costs one extra refresh, never a missed one.
  const stamp = await listStamp(c.env.DB, filters);
  const [rows, counts] = await Promise.all([listRequests(c.env.DB, filters, PAGE_SIZE + 1), countByStatus(c.env.DB, filters)]);
  const shown = rows.slice(0, PAGE_SIZE);
  const labels = await loadLabels(
    c.env,
    shown.flatMap((r) => [r.requester, r.decided_by, ...r.approvers]),
  );
  const pending = counts.pending ?? 0;
  const unfiltered = filterQuery(filters) === "";
  const live: LiveState = {
    src: `/dashboard/fragment${unfiltered ? "" : `?${filterQuery(filters)}`}`,
    version: stamp.stamp,
    // An empty dashboard waits for its first request (a newcomer is making one).
    live: stamp.live || (unfiltered && shown.length === 0),
    summary: `${pending} pending.`,
  };
  return { filters, rows: shown, counts, labels, live, standin: standinPage(c.env) };
}

dashboardRoutes.get("/", invalidListFilter, async (c) => c.html(<RequestsPage {...(await listProps(c, c.req.valid("query")))} />));

/** The list's live region alone, or 304 while its stamp is unchanged. */
dashboardRoutes.get("/fragment", invalidListFilter, async (c) => {
  const filters = c.req.valid("query");
  if (current(c, (await listStamp(c.env.DB, filters)).stamp)) return c.body(null, 304);
  const props = await listProps(c, filters);
  current(c, props.live.version);
  return c.html(<RequestsRegion {...props} />);
});

dashboardRoutes.get(
  "/export.csv",
  validFilters((c, problem) => c.text(`Invalid filter: ${problem}\n`, 400)),
  async (c) => {
    const rows = await listRequests(c.env.DB, c.req.valid("query"), EXPORT_MAX);
    const labels = await loadLabels(
      c.env,
      rows.flatMap((r) => [r.requester, r.decided_by, ...r.approvers]),
    );
    c.header("Content-Type", "text/csv; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="approvals-${new Date().toISOString().slice(0, 10)}.csv"`);
    return c.body(requestsCsv(rows, labels));
  },
);

/** The overview's window from the filters, or the page (or CSV) that says what is wrong with it. */
function overviewFilters(f: Filters): OverviewFilters | { problem: string } {
  const w = overviewWindow(f, new Date().toISOString().slice(0, 10));
  if ("problem" in w) return w;
  return { type: f.type, requester: f.requester, approver: f.approver, from: w.from, to: w.to };
}

const invalidOverview = async (c: Context<AppEnv>, problem: string, raw: Record<string, string>) =>
  c.html(<InvalidFilterPage values={raw} problem={problem} action="/dashboard/overview" labels={await loadLabels(c.env, [])} />, 400);

dashboardRoutes.get("/overview", validFilters(invalidOverview), async (c) => {
  const filters = c.req.valid("query");
  const window = overviewFilters(filters);
  if ("problem" in window) return invalidOverview(c, window.problem, c.req.query());
  const data = await overview(c.env.DB, window, PENDING_LISTED);
  const labels = await loadLabels(
    c.env,
    data.pending.rows.flatMap((r) => [r.requester, r.claimed_by, ...r.waiting_for]),
  );
  return c.html(<OverviewPage filters={filters} window={window} overview={data} labels={labels} now={Date.now()} standin={standinPage(c.env)} />);
});

/** One chart's numbers as CSV: /dashboard/overview.csv?chart=per-day (or decision-time, decision-percentiles, types, pending, actions) and the filters. */
dashboardRoutes.get(
  "/overview.csv",
  validFilters((c, problem) => c.text(`Invalid filter: ${problem}\n`, 400)),
  async (c) => {
    const chart = c.req.query("chart") as Chart;
    if (!CHARTS.includes(chart)) return c.text(`Invalid chart: expected one of ${CHARTS.join(", ")}\n`, 400);
    const window = overviewFilters(c.req.valid("query"));
    if ("problem" in window) return c.text(`Invalid filter: ${window.problem}\n`, 400);
    const data = await overview(c.env.DB, window, PENDING_EXPORTED);
    const labels = await loadLabels(
      c.env,
      data.pending.rows.flatMap((r) => [r.requester, ...r.waiting_for]),
    );
    c.header("Content-Type", "text/csv; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="approvals-${chart}-${window.from}-${window.to}.csv"`);
    return c.body(chartCsv(chart, data, window, labels, Date.now()));
  },
);

/** A request's page data; null when the id is not a request's. The stamp is read first, as for the list. */
async function requestProps(c: Context<AppEnv>, id: string) {
  const [stamp, workflow] = await Promise.all([requestStamp(c.env.DB, id), instanceStatus(c.env.APPROVAL, id)]);
  if (!stamp) return null;
  const [row, audit, messages] = await Promise.all([getRequest(c.env.DB, id), getAudit(c.env.DB, id), listMessages(c.env.DB, id)]);
  if (!row) return null;
  // Names for everyone the timeline mentions: a group's members and a delegation's principal too.
  const named = audit.flatMap((e) =>
    e.event === "group-expanded" ? (e.detail ?? "").split(",") : (/([UW][A-Z0-9]{2,})/.exec(e.detail ?? "")?.slice(1) ?? []),
  );
  const labels = await loadLabels(c.env, [
    row.requester,
    row.decided_by,
    ...row.approvers,
    ...audit.map((e) => e.actor),
    ...messages.map((m) => m.user_id),
    ...named,
  ]);
  return { row, audit, messages, workflow, labels, live: requestLive(row, stamp, workflow) };
}

const ACTIVE: InstanceView["status"][] = ["queued", "running", "waiting", "waitingForPause"];

function requestLive(row: RequestRow, stamp: { stamp: string; live: boolean }, workflow: InstanceView | null): LiveState {
  return {
    src: `/dashboard/requests/${row.id}/fragment`,
    version: `${stamp.stamp}.${workflow?.status ?? "gone"}`,
    // The workflow may still be finishing (the action, the last messages) after the decision.
    live: stamp.live || (workflow !== null && ACTIVE.includes(workflow.status)),
    summary: row.status === "pending" ? "Still pending." : `Now ${row.status}.`,
  };
}

const notARequestId = (c: Context<AppEnv>) => c.html(<MessagePage title="Not a request id" text="Request ids look like req- and 12 letters or digits." />, 400);
const noSuchRequest = (c: Context<AppEnv>, id: string) => c.html(<MessagePage title="Request not found" text={`No request ${id} is recorded.`} />, 404);

dashboardRoutes.get("/requests/:id", async (c) => {
  const id = requestId.safeParse(c.req.param("id"));
  if (!id.success) return notARequestId(c);
  const props = await requestProps(c, id.data);
  if (!props) return noSuchRequest(c, id.data);
  return c.html(<RequestPage {...props} />);
});

/** The request page's live region alone, or 304 while its stamp (and its instance's status) is unchanged. */
dashboardRoutes.get("/requests/:id/fragment", async (c) => {
  const id = requestId.safeParse(c.req.param("id"));
  if (!id.success) return notARequestId(c);
  const [stamp, workflow] = await Promise.all([requestStamp(c.env.DB, id.data), instanceStatus(c.env.APPROVAL, id.data)]);
  if (!stamp) return noSuchRequest(c, id.data);
  if (current(c, `${stamp.stamp}.${workflow?.status ?? "gone"}`)) return c.body(null, 304);
  const props = await requestProps(c, id.data);
  if (!props) return noSuchRequest(c, id.data);
  current(c, props.live.version);
  return c.html(<RequestRegion {...props} />);
});
