import { createRoute } from "@hono/zod-openapi";
import {
  cancelBody,
  cancelledSchema,
  conflictSchema,
  createdSchema,
  createRequestBody,
  errorSchema,
  idempotencyHeader,
  instancesQuery,
  instancesSchema,
  nothingToWakeSchema,
  requestIdParam,
  requestView,
  startingRequestView,
  statsSchema,
  waitQuery,
  wokenSchema,
} from "./schemas";

/**
 * The API's routes as data: path, method, what each validates and what it answers. The routes
 * (index.ts) are registered from these, and the OpenAPI document is generated from them, so the
 * document cannot say anything the routes do not check.
 */

const json = <T>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });
const error = (description: string) => json(errorSchema, description);
/** The answers every route behind the token can give. */
const guarded = {
  401: error("No token, or a wrong one (WWW-Authenticate: Bearer)."),
  429: error("Too many wrong tokens from this address: wait Retry-After seconds."),
  503: error("The API is off (no API_TOKEN is set), a setting is invalid, or Slack or the workflow cannot be reached just now: try again."),
};
const security = [{ bearer: [] }];

export const createRequestRoute = createRoute({
  method: "post",
  path: "/requests",
  summary: "Ask for an approval",
  description:
    "Starts a request: the policy decides who approves, exactly as for a request made in Slack. Without a Slack `requester`, the `source` asks (no receipt or outcome DM).",
  security,
  request: {
    headers: idempotencyHeader,
    body: { required: true, content: { "application/json": { schema: createRequestBody } } },
  },
  responses: {
    201: { ...json(createdSchema, "Created: the request waits for its approvers."), headers: { Location: { schema: { type: "string" } } } },
    200: json(createdSchema, "The same Idempotency-Key and body as an earlier call: that call's request."),
    400: error("The body is not JSON, or the Idempotency-Key header is malformed."),
    413: error("The body is larger than 64 KiB."),
    415: error("The body is not application/json."),
    422: error(
      "A field is invalid (`issues` names each), the policy refuses it (unknown type, approvers the policy sets, nobody to approve), or the Idempotency-Key was used with another body.",
    ),
    ...guarded,
  },
});

export const getRequestRoute = createRoute({
  method: "get",
  path: "/requests/{id}",
  summary: "Read a request, or wait for its decision",
  description:
    "With `wait`, a long poll: answers as soon as the request is no longer pending (or its audit trail has more than `after` entries), else when the wait ends, still pending.",
  security,
  request: { params: requestIdParam, query: waitQuery },
  responses: {
    200: json(requestView.or(startingRequestView), "The request, its Slack messages, its audit trail and its workflow instance."),
    400: error("Not a request id, or a bad `wait` or `after`."),
    404: error("No such request."),
    ...guarded,
  },
});

export const cancelRequestRoute = createRoute({
  method: "post",
  path: "/requests/{id}/cancel",
  summary: "Cancel a pending request",
  description:
    "The pipeline was aborted: the request is cancelled (a claim like the requester's Cancel button: it decides, and is never given back), every message updated; the audit and Slack name the source, e.g. “Cancelled by github-actions (API)”. The answer comes once the request shows as cancelled, or after 10 s (then it shows so within minutes: the cancel is recorded either way).",
  security,
  request: {
    params: requestIdParam,
    body: { required: false, content: { "application/json": { schema: cancelBody } } },
  },
  responses: {
    200: json(cancelledSchema, "Cancelled."),
    400: error("Not a request id, or the body is not JSON."),
    404: error("No such request."),
    409: json(conflictSchema, "No longer pending: decided, expired or failed (`status` says which)."),
    413: error("The body is larger than 64 KiB."),
    415: error("The body is not application/json."),
    422: error("A field is invalid."),
    ...guarded,
  },
});

export const statsRoute = createRoute({
  method: "get",
  path: "/stats",
  summary: "Counts and the Slack app's state",
  description: "Counts by status and type, escalations, decision latency, action outcomes, and whether Slack's bot token works.",
  security,
  responses: { 200: json(statsSchema, "The counts."), ...guarded },
});

export const listInstancesRoute = createRoute({
  method: "get",
  path: "/instances",
  summary: "Waiting workflow instances, by version",
  description:
    "For operators (docs/runbook.md): how many instances of each workflow version have not finished (from D1: pending requests and running actions), and the oldest of them. The code of a version is removed only when none of its instances is left; a version newer than the code means a rollback.",
  security,
  request: { query: instancesQuery },
  responses: {
    200: json(instancesSchema, "The versions and the instances."),
    400: error("A bad `status`, `version`, `limit` or `instances`."),
    ...guarded,
  },
});

export const wakeRequestRoute = createRoute({
  method: "post",
  path: "/requests/{id}/wake",
  summary: "Wake a stuck request's instance",
  description:
    "As the maintenance run would: the instance reads D1, applies a claim, goes on as after a timeout when its wait is past its deadline, or waits on; a running action's child is woken too. Decides nothing, so it is harmless to repeat.",
  security,
  request: { params: requestIdParam },
  responses: {
    202: json(wokenSchema, "Woken."),
    400: error("Not a request id."),
    404: error("No workflow instance with that id."),
    409: json(nothingToWakeSchema, "Its instance (and its action's) has finished: nothing to wake."),
    ...guarded,
  },
});
