import { Hono } from "hono";
import { loadConfig } from "../config";
import { checkBearer } from "../core/api-token";
import { requestId as requestIdSchema } from "../core/ids";
import { instanceStatus } from "../core/instances";
import { getAudit, getRequest, listMessages, stats } from "../core/store";
import type { AppEnv } from "../env";
import { slackAppStatus } from "../slack/token-guard";
import { instanceRoutes } from "./instances";

/** JSON API for tools and dashboards, behind a bearer token (secret API_TOKEN). */
export const apiRoutes = new Hono<AppEnv>();

apiRoutes.use("*", async (c, next) => {
  const token = loadConfig(c.env).API_TOKEN;
  // No setting names for callers who are not signed in (the README says what turns the API on).
  if (!token) return c.json({ error: "the API is disabled" }, 503);
  const check = await checkBearer(c.env.KV, c.req.raw.headers, token);
  if (check?.ok) return next();
  if (check?.locked) {
    c.header("Retry-After", String(check.retryAfter));
    return c.json({ error: check.message }, 429);
  }
  c.header("WWW-Authenticate", 'Bearer realm="api"');
  return c.json({ error: "missing or invalid bearer token" }, 401);
});

apiRoutes.get("/requests/:id", async (c) => {
  const id = requestIdSchema.safeParse(c.req.param("id"));
  if (!id.success) return c.json({ error: "not a request id (expected req- and 12 letters or digits)" }, 400);
  const [row, audit, messages, workflow] = await Promise.all([
    getRequest(c.env.DB, id.data),
    getAudit(c.env.DB, id.data),
    listMessages(c.env.DB, id.data),
    instanceStatus(c.env.APPROVAL, id.data),
  ]);
  if (!row && !workflow) return c.json({ error: "request not found" }, 404);
  if (!row) {
    // Created a moment ago: the workflow has not recorded it yet.
    return c.json({ id: id.data, status: "pending", workflow, audit: [] });
  }
  const { claimed_by: _claimed, claimed_decision: _decision, ...request } = row;
  return c.json({ ...request, messages, audit, workflow });
});

/** Counts by status and type, escalations, decision latency and action outcomes, from D1; and whether Slack's bot token works. */
apiRoutes.get("/stats", async (c) => c.json({ ...(await stats(c.env.DB)), slack: await slackAppStatus(c.env) }));

/** Operators: waiting instances by version, and a manual wake-up (instances.ts). */
apiRoutes.route("/", instanceRoutes);
