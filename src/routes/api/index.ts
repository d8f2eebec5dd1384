import { type Hook, OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { loadConfig } from "../../config";
import { checkBearer } from "../../core/api-token";
import { instanceStatus } from "../../core/instances";
import { log } from "../../core/log";
import { waitForChange } from "../../core/long-poll";
import { DEFAULT_TYPE, requestTypes } from "../../core/policy";
import { findApiKey, getAudit, getRequest, listMessages, stats, waitingByVersion, waitingRequests } from "../../core/store";
import { plainUserText } from "../../core/user-text";
import type { AppEnv } from "../../env";
import { botTokenProblem, slackAppStatus } from "../../slack/token-guard";
import { cancelRequest } from "../../workflows/cancel-request";
import { type StartResult, startRequest } from "../../workflows/start-request";
import { NEWEST_VERSION, OLDEST_VERSION, WORKFLOW_VERSION } from "../../workflows/versions";
import { wakeRequest } from "../../workflows/wake-request";
import { cancelRequestRoute, createRequestRoute, getRequestRoute, listInstancesRoute, statsRoute, wakeRequestRoute } from "./definitions";
import { canonicalBodyHash } from "./idempotency";
import { requestJson, requestUrl } from "./view";

type Issue = { path: string; message: string };

/**
 * A request that does not match the route's schema: 422 for the JSON body (`issues` names each bad
 * field by its path), 400 for the path, the query and the headers.
 */
const validationProblem: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  const issues: Issue[] = result.error.issues.flatMap((i): Issue[] => {
    const path = i.path.map(String).join(".");
    if (i.code === "unrecognized_keys") return i.keys.map((k) => ({ path: path ? `${path}.${k}` : k, message: "is not a known field" }));
    if (i.code === "invalid_key") return [{ path, message: `name: ${i.issues.map((n) => n.message).join("; ")}` }];
    return [{ path: path || "(body)", message: i.message }];
  });
  const names: Record<string, string> = { json: "invalid request body", query: "invalid query", param: "invalid request id", header: "invalid header" };
  const what = names[result.target] ?? "invalid request";
  const line = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return c.json({ error: `${what}: ${line}`, issues }, result.target === "json" ? 422 : 400);
};

/**
 * JSON API for pipelines, scripts and tools, behind a bearer token (secret API_TOKEN); its OpenAPI
 * document (public) at /api/openapi.json, generated from the schemas the routes validate with.
 */
export const apiRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationProblem }).basePath("/api");

const OPENAPI_PATH = "/api/openapi.json";

apiRoutes.use("*", async (c, next) => {
  if (c.req.path === OPENAPI_PATH) return next(); // documentation, no data: readable without the token
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

/** A request body is a few kilobytes: more is refused unread (413). */
const limitBody: MiddlewareHandler<AppEnv> = bodyLimit({
  maxSize: 64 * 1024,
  onError: (c) => c.json({ error: "the body is larger than 64 KiB" }, 413),
});
apiRoutes.use("/requests", limitBody);
apiRoutes.use("/requests/*", limitBody);

/**
 * JSON can name a key `__proto__`; zod skips such a key (copied into an object it would set the
 * prototype), so a field named so would vanish without a word. Refused by name instead (422).
 */
const noProtoKeys: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "POST" || !c.req.header("content-type")?.includes("json")) return next();
  // Malformed JSON is the validator's to answer; the parsed body is cached for it.
  const body: unknown = await c.req.json().catch(() => undefined);
  const path = protoKeyPath(body);
  return path === null ? next() : c.json(refusal({ path, message: "is not allowed as a name" }), 422);
};
apiRoutes.use("/requests", noProtoKeys);
apiRoutes.use("/requests/*", noProtoKeys);

/**
 * The path of the first own `__proto__` key in parsed JSON, or null. Our bodies are three levels
 * deep at most; deeper nesting is the validator's to refuse (and cannot exhaust the stack here).
 */
function protoKeyPath(value: unknown, path: string[] = []): string | null {
  if (typeof value !== "object" || value === null || path.length > 4) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (key === "__proto__") return [...path, key].join(".");
    const found = protoKeyPath(inner, [...path, key]);
    if (found !== null) return found;
  }
  return null;
}

// ---- POST /api/requests

apiRoutes.openapi(createRequestRoute, async (c) => {
  const body = c.req.valid("json");
  const key = c.req.valid("header")["Idempotency-Key"];
  const bodyHash = key ? await canonicalBodyHash(body) : undefined;
  // A retry with a key answers from what the key started, before anything that may have changed
  // since (the policy, Slack's token): a gate re-attaching after a policy edit gets its request.
  if (key) {
    const prior = await findApiKey(c.env.DB, key);
    if (prior && prior.bodyHash !== bodyHash) {
      return c.json(refusal({ path: "Idempotency-Key", message: `Idempotency-Key "${key}" was used with a different body` }), 422);
    }
    const row = prior && (await getRequest(c.env.DB, prior.requestId));
    // A closed request is answered as it is (its instance may be long gone: never started again);
    // a pending one only if its instance exists, else startRequest below makes sure it does.
    if (row && (row.status !== "pending" || (await instanceStatus(c.env.APPROVAL, row.id)))) {
      return c.json({ id: row.id, status: row.status, url: requestUrl(c.req.url, row.id) }, 200);
    }
  }
  // Only the policy's own types (a name such as "constructor" is not one).
  if (body.type !== undefined && body.type !== DEFAULT_TYPE && !requestTypes(c.env).some((t) => t.name === body.type)) {
    const known = requestTypes(c.env).map((t) => t.name);
    return c.json(
      refusal({ path: "type", message: `unknown request type "${body.type}"${known.length ? ` (the policy has: ${known.join(", ")})` : ""}` }),
      422,
    );
  }
  // Nobody could be asked while Slack refuses the bot token: say so rather than start a request.
  const tokenProblem = await botTokenProblem(c.env);
  if (tokenProblem) return c.json({ error: `Slack cannot be reached: ${tokenProblem.message}` }, 503);
  const started = await startRequest(c.env, {
    requester: body.requester,
    type: body.type,
    approver: undefined,
    approvers: body.approvers,
    description: plainUserText(body.description),
    // A named requester without a source still reads "<@U…> via API": the API never speaks as a person.
    source: body.source ?? (body.requester ? { name: "API" } : undefined),
    fields: body.fields,
    idempotency: key && bodyHash ? { key, bodyHash } : undefined,
  });
  if (!started.ok) return c.json(refusal(policyIssue(started, body.type ?? DEFAULT_TYPE)), 422);
  const url = requestUrl(c.req.url, started.id);
  if (started.existed) {
    const row = await getRequest(c.env.DB, started.id);
    return c.json({ id: started.id, status: row?.status ?? "pending", url }, 200);
  }
  c.header("Location", `/api/requests/${started.id}`);
  return c.json({ id: started.id, status: "pending" as const, url }, 201);
});

const refusal = (issue: Issue) => ({ error: `${issue.path}: ${issue.message}`, issues: [issue] });

/** What the policy said, as an issue of the field it concerns. */
function policyIssue(r: Exclude<StartResult, { ok: true }>, type: string): Issue {
  if (r.field === "type") return { path: "type", message: `unknown request type "${type}"` };
  if (r.field === "idempotency") return { path: "Idempotency-Key", message: r.problem };
  switch (r.code) {
    case "policy_approvers":
      return { path: "approvers", message: `the policy names the approvers of type "${type}": leave out approvers` };
    case "no_approver":
      return { path: "approvers", message: `type "${type}" leaves the approver to the requester: name at least one in approvers` };
    case "own_request":
      return { path: "approvers", message: "the requester cannot approve their own request, and nobody else is listed" };
  }
}

// ---- GET /api/requests/:id?wait=&after=

async function readRequest(c: Context<AppEnv>, id: string) {
  const [row, audit, messages, workflow] = await Promise.all([
    getRequest(c.env.DB, id),
    getAudit(c.env.DB, id),
    listMessages(c.env.DB, id),
    instanceStatus(c.env.APPROVAL, id),
  ]);
  const url = requestUrl(c.req.url, id);
  if (row) return requestJson(row, audit, messages, workflow, url);
  // Created a moment ago: the workflow has not recorded it yet.
  if (workflow) return { id, status: "pending" as const, url, audit: [], messages: [], workflow };
  return null;
}

apiRoutes.openapi(getRequestRoute, async (c) => {
  const { id } = c.req.valid("param");
  const { wait, after } = c.req.valid("query");
  let request = await readRequest(c, id);
  if (!request) return c.json({ error: "request not found" }, 404);
  const news = after !== undefined && request.audit.length > after;
  if (wait > 0 && request.status === "pending" && !news) {
    const waited = await waitForChange(c.env.DB, id, { waitMs: wait * 1000, after, signal: c.req.raw.signal });
    log("info", "long poll", { requestId: id, wait, changed: waited.changed, waitedMs: waited.waitedMs, reads: waited.reads, rowsRead: waited.rowsRead });
    request = (await readRequest(c, id)) ?? request;
  }
  return c.json(request, 200);
});

// ---- POST /api/requests/:id/cancel

apiRoutes.openapi(cancelRequestRoute, async (c) => {
  const { id } = c.req.valid("param");
  const cancelled = await cancelRequest(c.env, id, c.req.valid("json").reason ?? null);
  if (cancelled.ok) return c.json({ id, status: "cancelled" as const }, 200);
  switch (cancelled.problem) {
    case "unknown":
      return c.json({ error: "request not found" }, 404);
    case "closed":
      return c.json({ error: `already ${cancelled.status}`, status: cancelled.status }, 409);
    case "starting":
      return c.json({ error: "the request is still starting; try again" }, 503);
  }
});

// ---- GET /api/stats

/** Counts by status and type, escalations, decision latency and action outcomes, from D1; and whether Slack's bot token works. */
apiRoutes.openapi(statsRoute, async (c) => c.json({ ...(await stats(c.env.DB)), slack: await slackAppStatus(c.env) }, 200));

// ---- GET /api/instances (operators: docs/runbook.md)

/** Asking every listed instance its status costs a call each: fewer rows then. */
const MAX_CHECKED = 50;

apiRoutes.openapi(listInstancesRoute, async (c) => {
  const q = c.req.valid("query");
  const check = q.instances === "1";
  const limit = check ? Math.min(q.limit, MAX_CHECKED) : q.limit;
  const [versions, rows] = await Promise.all([waitingByVersion(c.env.DB), waitingRequests(c.env.DB, { version: q.version, limit: limit + 1 })]);
  const listed = rows.slice(0, limit);
  const workflows = check ? await Promise.all(listed.map((r) => instanceStatus(c.env.APPROVAL, r.id))) : [];
  return c.json(
    {
      code: { version: WORKFLOW_VERSION, newest: NEWEST_VERSION, oldest: OLDEST_VERSION },
      status: q.status,
      versions: versions.map((v) => ({ ...v, ...(v.version > NEWEST_VERSION ? { newerThanCode: true as const } : {}) })),
      instances: listed.map((r, i) => (check ? { ...r, workflow: workflows[i] ?? null } : r)),
      truncated: rows.length > limit,
    },
    200,
  );
});

// ---- POST /api/requests/:id/wake

apiRoutes.openapi(wakeRequestRoute, async (c) => {
  const { id } = c.req.valid("param");
  const woken = await wakeRequest(c.env, id);
  if (woken.ok) {
    const { ok: _, ...answer } = woken;
    return c.json(answer, 202);
  }
  if (woken.problem === "unknown") return c.json({ error: "no workflow instance with that id" }, 404);
  return c.json({ error: `its instance is ${woken.workflow.status}: nothing to wake`, workflow: woken.workflow }, 409);
});

// ---- GET /api/openapi.json

apiRoutes.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "The service's API_TOKEN secret.",
});

apiRoutes.doc31("/openapi.json", (c) => ({
  openapi: "3.1.0",
  info: {
    title: "Slack approvals API",
    version: "1.0.0",
    description:
      "Ask for approvals from pipelines and scripts, wait for the decision (long poll) and cancel; for operators, the waiting workflow instances by version and a wake-up. Every route but this document needs Authorization: Bearer <API_TOKEN>.",
  },
  servers: [{ url: new URL(c.req.url).origin }],
}));
