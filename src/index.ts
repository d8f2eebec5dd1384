import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { ConfigError, loadConfig } from "./config";
import { createOnce } from "./core/instances";
import { log } from "./core/log";
import { PolicyError } from "./core/policy";
import type { AppEnv, Env } from "./env";
import { apiRoutes } from "./routes/api";
import { dashboardRoutes } from "./routes/dashboard";
import { slackRoutes } from "./routes/slack";
import type { MaintenanceParams } from "./workflows/maintenance";
import { WORKFLOW_VERSION } from "./workflows/versions";

export { ActionWorkflow } from "./workflows/action";
export { ApprovalWorkflow } from "./workflows/approval";
export { MaintenanceWorkflow } from "./workflows/maintenance";

const app = new Hono<AppEnv>();

// Settings that do not validate: the detail goes to the log, here, for every surface; each surface
// then answers its callers without it (ConfigError's message names no setting).
app.use("*", async (c, next) => {
  try {
    loadConfig(c.env);
  } catch (err) {
    if (err instanceof ConfigError) log("error", "invalid configuration", { path: c.req.path, detail: err.detail });
  }
  await next();
});

app.get("/", (c) =>
  c.text(
    "Slack approval service: POST /slack/commands, POST /slack/interactions, POST /api/requests, GET /api/requests/:id, POST /api/requests/:id/cancel, GET /api/stats, GET /api/openapi.json\n",
  ),
);
app.route("/slack", slackRoutes);
app.route("/", apiRoutes); // its routes are under /api (its base path)
app.route("/dashboard", dashboardRoutes);

app.notFound((c) => c.json({ error: "not found" }, 404));
app.onError((err, c) => {
  // Settings that do not validate (logged above): a 503 that names nothing. A policy that does not
  // validate (POLICY_JSON) is the same kind of problem, and its message names paths: logged here.
  if (err instanceof ConfigError) return c.json({ error: err.message }, 503);
  if (err instanceof PolicyError) {
    log("error", "invalid policy", { path: c.req.path, detail: err.message });
    return c.json({ error: "service unavailable: its configuration is invalid" }, 503);
  }
  // A request Hono's own parsing refused (e.g. malformed JSON): its status, with a short reason.
  if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
  // Never echo internals (or anything secret) to the caller; the log has the details.
  log("error", "unhandled error", { path: c.req.path, error: err.message, name: err.name });
  return c.json({ error: "internal error" }, 500);
});

/** The cron trigger starts one maintenance run per scheduled minute (a repeat start is a no-op). */
async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const id = `maintenance-${Math.floor(controller.scheduledTime / 60_000)}`;
  await createOnce<MaintenanceParams>(env.MAINTENANCE, id, { v: WORKFLOW_VERSION, startedAt: new Date(controller.scheduledTime).toISOString() });
}

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Env>;
