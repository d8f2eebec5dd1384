import { Hono } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { requestId as requestIdSchema } from "../core/ids";
import { type InstanceView, instanceStatus, isAlive } from "../core/instances";
import { log } from "../core/log";
import { getRequest, waitingByVersion, waitingRequests } from "../core/store";
import type { AppEnv } from "../env";
import { ACTION_WAKE_EVENT } from "../workflows/action-params";
import { actionInstanceId } from "../workflows/approval/action-child";
import { DECISION_EVENT, wakeEvent } from "../workflows/approval-params";
import { NEWEST_VERSION, OLDEST_VERSION, WORKFLOW_VERSION } from "../workflows/versions";

/**
 * For operators (docs/runbook.md), behind the API's bearer token: the workflow instances that
 * still wait, by version (code for a version is removed only when none of its instances is left),
 * and a manual wake-up for a stuck one. Mounted on /api by api.ts.
 */
export const instanceRoutes = new Hono<AppEnv>();

/** Asking every listed instance its status costs a subrequest each: fewer rows then. */
const MAX_CHECKED = 50;

const listQuery = z.object({
  status: z.literal("waiting").default("waiting"),
  version: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** 1: ask each listed instance for its status (at most 50 rows). */
  instances: z.enum(["0", "1"]).default("0"),
});

instanceRoutes.get(
  "/instances",
  validator("query", (query, c) => {
    const parsed = listQuery.safeParse(query);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    return c.json({ error: `${issue.path.join(".")}: ${issue.message}` }, 400);
  }),
  async (c) => {
    const q = c.req.valid("query");
    const check = q.instances === "1";
    const limit = check ? Math.min(q.limit, MAX_CHECKED) : q.limit;
    const [versions, rows] = await Promise.all([waitingByVersion(c.env.DB), waitingRequests(c.env.DB, { version: q.version, limit: limit + 1 })]);
    const listed = rows.slice(0, limit);
    const workflows = check ? await Promise.all(listed.map((r) => instanceStatus(c.env.APPROVAL, r.id))) : [];
    return c.json({
      /** The version this code creates, and the versions whose paths it has. */
      code: { version: WORKFLOW_VERSION, newest: NEWEST_VERSION, oldest: OLDEST_VERSION },
      status: q.status,
      versions: versions.map((v) => ({ ...v, ...(v.version > NEWEST_VERSION ? { newerThanCode: true } : {}) })),
      instances: listed.map((r, i) => (check ? { ...r, workflow: workflows[i] ?? null } : r)),
      truncated: rows.length > limit,
    });
  },
);

/**
 * Wakes a stuck request's instance now, as maintenance would: it reads D1 and applies a claim,
 * goes on as after a timeout when its wait is past its deadline, or waits on. When the request's
 * action still runs, its ActionWorkflow child is woken too (the local engine loses a sleeping
 * instance's timer when `wrangler dev` stops; an event brings it back). Harmless to repeat.
 */
instanceRoutes.post("/requests/:id/wake", async (c) => {
  const id = requestIdSchema.safeParse(c.req.param("id"));
  if (!id.success) return c.json({ error: "not a request id (expected req- and 12 letters or digits)" }, 400);
  const [workflow, row] = await Promise.all([instanceStatus(c.env.APPROVAL, id.data), getRequest(c.env.DB, id.data)]);
  if (!workflow) return c.json({ error: "no workflow instance with that id" }, 404);
  const woken = isAlive(workflow.status);
  if (woken) await (await c.env.APPROVAL.get(id.data)).sendEvent({ type: DECISION_EVENT, payload: wakeEvent() });
  let action: { woken: boolean; workflow: InstanceView | null } | undefined;
  if (row?.action_status === "running") {
    const childId = actionInstanceId(id.data);
    const child = await instanceStatus(c.env.ACTION, childId);
    action = { woken: child !== null && isAlive(child.status), workflow: child };
    if (action.woken) await (await c.env.ACTION.get(childId)).sendEvent({ type: ACTION_WAKE_EVENT, payload: wakeEvent() });
  }
  if (!woken && !action?.woken) return c.json({ error: `its instance is ${workflow.status}: nothing to wake`, workflow }, 409);
  log("warn", "instance woken by an operator", { requestId: id.data, status: workflow.status, actionWoken: action?.woken ?? false });
  return c.json({ woken, workflow, ...(action ? { action } : {}) }, 202);
});
