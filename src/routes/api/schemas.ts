import { z } from "zod";
import { requestId, userId } from "../../core/ids";
import { MAX_WAIT_SECONDS } from "../../core/long-poll";
import { fieldsSchema, sourceSchema } from "../../core/request-source";
import { REQUEST_STATUSES } from "../../core/store";
import { userTextSchema } from "../../core/user-text";

/**
 * The pipeline API's schemas: what the routes validate with (through @hono/zod-openapi) and,
 * from the same objects, the OpenAPI document served at /api/openapi.json. Documentation goes in
 * zod's own `.meta()` (which @hono/zod-openapi reads), not its `.openapi()` patch of zod's
 * prototype, so it works whichever copy of zod a bundler gives the schemas of core/.
 */

export const errorSchema = z
  .object({
    error: z.string().meta({ description: "What went wrong, on one line." }),
    issues: z
      .array(z.object({ path: z.string().meta({ example: "fields.Environment" }), message: z.string() }))
      .optional()
      .meta({ description: "Each bad field, by its path in the body (or the header or query parameter's name)." }),
  })
  .meta({ id: "Error" });

export const requestIdParam = z.object({
  id: requestId.meta({ param: { name: "id", in: "path" }, example: "req-abc123def456", description: "A request id: req- and 12 letters or digits." }),
});

/** An Idempotency-Key: 1 to 200 printable ASCII characters. */
export const idempotencyHeader = z.object({
  "Idempotency-Key": z
    .string()
    .regex(/^[\x20-\x7e]{1,200}$/, "must be 1 to 200 printable ASCII characters")
    .optional()
    .meta({
      param: { name: "Idempotency-Key", in: "header" },
      description:
        "Makes a retry safe: the same key with the same body answers 200 with the first request; with another body, 422. Kept as long as the audit trail (AUDIT_RETENTION).",
      example: "acme/billing/123/1/deploy/gate/0123456789abcdef",
    }),
});

export const createRequestBody = z
  .strictObject({
    type: z.string().min(1).max(50).optional().meta({ description: "A request type of the policy; the default type when left out.", example: "deploy" }),
    approvers: z
      .array(userId)
      .min(1)
      .max(10)
      .optional()
      .meta({
        description: "Slack user ids to ask, only for a type whose policy leaves level 1 to the requester; any one of them decides.",
        example: ["U0123ABCD"],
      }),
    description: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(2000, "at most 2000 characters")
      .meta({ description: "What needs approving, as plain text.", example: "Deploy billing-api v2.3 to production" }),
    requester: userId.optional().meta({ description: "The Slack user asking, if any: they get the receipt and the outcome by DM.", example: "U0REQUESTER" }),
    source: sourceSchema.optional().meta({
      description: "Who asks: shown as e.g. “github-actions (deploy #123) asks for approval”, with the link (http(s) only).",
      example: { name: "github-actions", url: "https://github.com/acme/billing/actions/runs/123", label: "deploy #123" },
    }),
    fields: fieldsSchema.optional().meta({
      description: "Up to 10 named values shown with the request (names up to 30 characters, values up to 300).",
      example: { Environment: "production", Version: "v2.3" },
    }),
  })
  .meta({ id: "NewRequest" });
export type CreateRequestBody = z.infer<typeof createRequestBody>;

export const createdSchema = z
  .object({
    id: requestId,
    status: z.enum(REQUEST_STATUSES),
    url: z.url().meta({ description: "The request's page on the dashboard." }),
  })
  .meta({ id: "CreatedRequest" });

export const waitQuery = z.object({
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .default(0)
    .meta({
      param: { name: "wait", in: "query" },
      description: `Long poll: wait up to this many seconds (0 to ${MAX_WAIT_SECONDS}) for the request to be decided, then answer (still pending when nothing happened).`,
      example: 50,
    }),
  after: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .meta({
      param: { name: "after", in: "query" },
      description: "Also answer as soon as the audit trail has more than this many entries (the entries the client has seen).",
      example: 2,
    }),
});

const auditEntry = z.object({ event: z.string(), actor: z.string().nullable(), detail: z.string().nullable(), at: z.string() }).meta({ id: "AuditEntry" });
const slackMessage = z.object({ role: z.string(), user_id: z.string(), channel: z.string(), ts: z.string() }).meta({ id: "SlackMessage" });
const instanceView = z.object({ status: z.string(), error: z.string().optional(), output: z.unknown().optional() });
const workflowView = instanceView.nullable().meta({ description: "The workflow instance's status; null once the instance is gone." });

export const requestView = z
  .object({
    id: requestId,
    status: z.enum(REQUEST_STATUSES),
    type: z.string(),
    description: z.string().meta({ description: "The readable description (README, “How user text is handled”)." }),
    description_rich: userTextSchema.nullable(),
    requester: userId.nullable().meta({ description: "The Slack user who asked; null for a request made over the API without one." }),
    source: sourceSchema.nullable(),
    fields: fieldsSchema.nullable(),
    approvers: z.array(userId).meta({ description: "Who may decide now (all levels reached so far)." }),
    level_groups: z.array(z.object({ approvers: z.array(z.string()), quorum: z.number().int() })),
    level: z.number().int(),
    quorum: z.number().int(),
    allow_self: z.number().int(),
    decided_by: z.string().nullable().meta({ description: "A Slack user id, or api:<source name> for a cancel over the API." }),
    decided_at: z.string().nullable(),
    claimed_at: z.string().nullable().meta({ description: "When the deciding click (or cancel) was recorded; the outcome follows in a moment." }),
    reason: z.string().nullable().meta({ description: "The rejection's reason, or the reason given with a cancel." }),
    error: z.string().nullable(),
    expires_at: z.string().nullable().meta({ description: "When the approver chain runs out, as projected when the current wait started." }),
    wait_until: z.string().nullable().meta({ description: "When the current wait ends (recorded as it starts, after the DMs went out)." }),
    action_status: z.enum(["running", "succeeded", "failed", "unconfirmed"]).nullable(),
    action_progress: z.number().nullable(),
    action_detail: z.string().nullable(),
    workflow_version: z
      .number()
      .int()
      .meta({ description: "The workflow version its instance was created with (docs/architecture.md, “Changing a workflow while instances wait”)." }),
    created_at: z.string(),
    updated_at: z.string(),
    url: z.url(),
    audit: z.array(auditEntry).meta({ description: "The trail: created, notified, reminded, escalated, voted, the outcome, action-…" }),
    messages: z.array(slackMessage),
    workflow: workflowView,
  })
  .meta({ id: "Request" });

/** A request created a moment ago: its workflow has not recorded it yet. */
export const startingRequestView = z
  .object({
    id: requestId,
    status: z.literal("pending"),
    url: z.url(),
    audit: z.array(auditEntry).max(0),
    messages: z.array(slackMessage).max(0),
    workflow: workflowView,
  })
  .meta({ id: "StartingRequest" });

export const cancelBody = z
  .strictObject({
    reason: z.string().trim().min(1).max(300, "at most 300 characters").optional().meta({ example: "pipeline aborted" }),
  })
  .meta({ id: "Cancel" });

export const cancelledSchema = z.object({ id: requestId, status: z.literal("cancelled") }).meta({ id: "Cancelled" });
export const conflictSchema = z
  .object({ error: z.string().meta({ example: "already approved" }), status: z.enum(REQUEST_STATUSES) })
  .meta({ id: "NoLongerPending" });

export const statsSchema = z
  .object({
    byStatus: z.record(z.string(), z.number()),
    byType: z.record(z.string(), z.record(z.string(), z.number())),
    escalated: z.number(),
    decisionLatencySeconds: z.object({ count: z.number(), average: z.number().nullable(), max: z.number().nullable() }),
    actions: z.record(z.string(), z.number()),
    slack: z.object({
      botToken: z.enum(["works", "revoked"]),
      problem: z.string().nullable(),
      since: z.string().nullable(),
      events: z.array(z.object({ event: z.string(), bot_token: z.string().nullable(), at: z.string() }).loose()),
    }),
  })
  .meta({ id: "Stats" });

// ---- Operators (docs/runbook.md): waiting instances by version, and a wake-up

export const instancesQuery = z.object({
  status: z
    .literal("waiting")
    .default("waiting")
    .meta({
      param: { name: "status", in: "query" },
      description: "Only `waiting`: instances that have not finished (a pending request, or an action running).",
    }),
  version: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ param: { name: "version", in: "query" }, description: "List only the instances of this workflow version.", example: 1 }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(100)
    .meta({ param: { name: "limit", in: "query" }, description: "How many instances to list, oldest first (1 to 500).", example: 100 }),
  instances: z
    .enum(["0", "1"])
    .default("0")
    .meta({
      param: { name: "instances", in: "query" },
      description: "1: ask each listed instance for its status too (a call each, so at most 50 are listed).",
      example: "0",
    }),
});

export const instancesSchema = z
  .object({
    code: z
      .object({
        version: z.number().int().meta({ description: "The version this code creates instances with." }),
        newest: z.number().int().meta({ description: "The newest version whose path this code has." }),
        oldest: z.number().int().meta({ description: "The oldest version whose path this code still has." }),
      })
      .meta({ description: "The deployed code's versions." }),
    status: z.literal("waiting"),
    versions: z
      .array(
        z.object({
          version: z.number().int(),
          waiting: z.number().int().meta({ description: "How many instances of this version have not finished." }),
          oldestCreatedAt: z.string(),
          newerThanCode: z.literal(true).optional().meta({ description: "Created by newer code than this (a rollback): they run this code's newest path." }),
        }),
      )
      .meta({ description: "Every version with instances that have not finished, lowest first (all of them, whatever `version` and `limit` say)." }),
    instances: z.array(
      z
        .object({
          id: requestId,
          type: z.string(),
          version: z.number().int(),
          status: z.enum(REQUEST_STATUSES),
          level: z.number().int(),
          waitUntil: z.string().nullable().meta({ description: "When the wait it is in ends, as the instance recorded it." }),
          actionStatus: z.enum(["running", "succeeded", "failed", "unconfirmed"]).nullable(),
          createdAt: z.string(),
          workflow: workflowView.optional().meta({ description: "With instances=1: the instance's own status (null: gone)." }),
        })
        .meta({ id: "WaitingInstance" }),
    ),
    truncated: z.boolean().meta({ description: "More instances wait than were listed." }),
  })
  .meta({ id: "WaitingInstances" });

const actionWoken = z.object({ woken: z.boolean(), workflow: workflowView }).meta({ description: "The running action's child, when the request has one." });

export const wokenSchema = z
  .object({
    woken: z.boolean().meta({ description: "The request's instance was sent a wake-up." }),
    workflow: instanceView.meta({ description: "The instance's status before the wake-up." }),
    action: actionWoken.optional(),
  })
  .meta({ id: "Woken" });

export const nothingToWakeSchema = z
  .object({ error: z.string().meta({ example: "its instance is complete: nothing to wake" }), workflow: instanceView })
  .meta({ id: "NothingToWake" });
