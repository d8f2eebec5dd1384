import { z } from "zod";
import { requestId, userId } from "../core/ids";
import { fieldsSchema, sourceSchema } from "../core/request-source";
import { userTextSchema } from "../core/user-text";
import { actionSpec } from "./approval-params";
import { versionField } from "./versions";

/** What ApprovalWorkflow hands its ActionWorkflow child; checked when the child starts. */
export const actionParamsSchema = z.object({
  /** Its parent's workflow version (versions.ts): one request runs one version; absent: version 1. */
  v: versionField,
  requestId,
  /** The parent ApprovalWorkflow instance, told the result by event. */
  parentId: z.string().min(1),
  action: actionSpec,
  /** The description's segments, for the Slack messages (the body has the readable text). Optional: older children have none. */
  descriptionRich: userTextSchema.optional(),
  /** The JSON body sent to the receiver (signed). */
  body: z.object({
    requestId,
    type: z.string(),
    title: z.string(),
    description: z.string(),
    /** Optional: a request made over the API may have no Slack requester (older children all have one). */
    requester: userId.optional(),
    /** Who asked over the API, and the request's fields (optional, added with the pipeline API). */
    source: sourceSchema.optional(),
    fields: fieldsSchema.optional(),
    approvedBy: z.array(userId).min(1),
    approvedAt: z.iso.datetime(),
  }),
});
export type ActionParams = z.infer<typeof actionParamsSchema>;

/**
 * An event an ActionWorkflow never waits for: delivering one makes the local engine resume an
 * instance whose sleep it lost when `wrangler dev` stopped (production keeps sleeps across
 * deploys, and only stores the event). Sent by the manual wake-up (routes/instances.ts).
 */
export const ACTION_WAKE_EVENT = "wake";
