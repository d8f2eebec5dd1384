import { Hono } from "hono";
import { log } from "./core/log";
import type { Env } from "./env";
import { apiRoutes } from "./routes/api";
import type { AppEnv } from "./routes/app-env";
import { dashboardRoutes } from "./routes/dashboard";
import { slackRoutes } from "./routes/slack";

export { ApprovalWorkflow } from "./workflows/approval";

const app = new Hono<AppEnv>();

app.get("/", (c) => c.text("Slack approval service: POST /slack/commands, POST /slack/interactions, GET /api/requests/:id\n"));
app.route("/slack", slackRoutes);
app.route("/api", apiRoutes);
app.route("/dashboard", dashboardRoutes);

app.notFound((c) => c.json({ error: "not found" }, 404));
app.onError((err, c) => {
  // Never echo internals (or anything secret) to the caller; the log has the details.
  log("error", "unhandled error", { path: c.req.path, error: err.message, name: err.name });
  return c.json({ error: "internal error" }, 500);
});

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
