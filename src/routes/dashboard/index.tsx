/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { ConfigError } from "../../config";
import { requestId } from "../../core/ids";
import { instanceStatus } from "../../core/instances";
import { countByStatus, getAudit, getRequest, listMessages, listRequests } from "../../core/store";
import type { AppEnv } from "../../env";
import { dashboardAccess } from "./auth";
import { requestsCsv } from "./csv";
import { validFilters } from "./filters";
import { InvalidFilterPage, MessagePage, RequestPage, RequestsPage } from "./views";

/**
 * The audit dashboard: requests with filters, one request's full timeline, and a CSV export.
 * Read-only; protected by API_TOKEN (auth.tsx); open without a token only under local dev.
 */
export const dashboardRoutes = new Hono<AppEnv>();

const PAGE_SIZE = 50;
const EXPORT_MAX = 10_000;

dashboardRoutes.use(
  "*",
  secureHeaders({
    // No scripts, no frames, nothing from elsewhere: the pages are HTML with one inline style sheet.
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: ["'unsafe-inline'"],
      imgSrc: ["data:"],
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

dashboardRoutes.get(
  "/",
  validFilters((c, problem, raw) => c.html(<InvalidFilterPage values={raw} problem={problem} />, 400)),
  async (c) => {
    const filters = c.req.valid("query");
    const [rows, counts] = await Promise.all([listRequests(c.env.DB, filters, PAGE_SIZE + 1), countByStatus(c.env.DB, filters)]);
    return c.html(<RequestsPage filters={filters} rows={rows.slice(0, PAGE_SIZE)} counts={counts} />);
  },
);

dashboardRoutes.get(
  "/export.csv",
  validFilters((c, problem) => c.text(`Invalid filter: ${problem}\n`, 400)),
  async (c) => {
    const rows = await listRequests(c.env.DB, c.req.valid("query"), EXPORT_MAX);
    c.header("Content-Type", "text/csv; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="approvals-${new Date().toISOString().slice(0, 10)}.csv"`);
    return c.body(requestsCsv(rows));
  },
);

dashboardRoutes.get("/requests/:id", async (c) => {
  const id = requestId.safeParse(c.req.param("id"));
  if (!id.success) return c.html(<MessagePage title="Not a request id" text="Request ids look like req- and 12 letters or digits." />, 400);
  const [row, audit, messages, workflow] = await Promise.all([
    getRequest(c.env.DB, id.data),
    getAudit(c.env.DB, id.data),
    listMessages(c.env.DB, id.data),
    instanceStatus(c.env.APPROVAL, id.data),
  ]);
  if (!row) return c.html(<MessagePage title="Request not found" text={`No request ${id.data} is recorded.`} />, 404);
  return c.html(<RequestPage row={row} audit={audit} messages={messages} workflow={workflow} />);
});
