import { z } from "zod";
import { duration } from "../core/duration";
import { apiActor, channelId, requestId, usergroupId, userId } from "../core/ids";
import { fieldsSchema, sourceSchema } from "../core/request-source";
import { storedUserText, type UserText, userTextSchema } from "../core/user-text";
import { versionField, WORKFLOW_VERSION } from "./versions";

const level = z
  .object({
    approvers: z.array(userId),
    /** User groups whose members are asked too, expanded when the level starts. Optional: older instances have none. */
    groups: z.array(usergroupId).optional(),
    wait: duration,
    quorum: z.number().int().min(1),
    reminder: duration.nullable(),
  })
  .refine((l) => l.approvers.length > 0 || (l.groups?.length ?? 0) > 0, "a level needs an approver or a user group");

export const actionSpec = z.object({
  url: z.url(),
  method: z.enum(["POST", "PUT"]),
  secret: z.string(),
  timeout: duration,
});
export type ActionSpec = z.infer<typeof actionSpec>;

/**
 * What the slash command route hands to a new ApprovalWorkflow instance: the request and its
 * approver chain, resolved from the policy at creation (a later policy change cannot alter it).
 * A durable contract with instances already waiting: a field added later is optional or has a
 * default, so the params of an older instance still parse; never `.strict()`, so code rolled back
 * past a new field still reads the params (versions.ts).
 */
export const approvalParamsSchema = z.object({
  /** The workflow version the instance was created with (versions.ts); absent: version 1. */
  v: versionField,
  requestId,
  type: z.string(),
  title: z.string(),
  /**
   * The Slack user who asked. Optional (issue 13): a request made over the API may have none,
   * and then gets no receipt and no outcome DM. Every instance started before has one.
   */
  requester: userId.optional(),
  /** Who asks when it came from the API (a pipeline): optional, older instances have none. */
  source: sourceSchema.optional(),
  /** Named values shown with the request, in every message: optional, older instances have none. */
  fields: fieldsSchema.optional(),
  /** The readable description (core/user-text.ts `readable`). */
  description: z.string().min(1).max(4000),
  /**
   * Its segments, when it has more than text. Optional: instances started before it existed
   * have none, and show `description` as plain text (`requestText`).
   */
  descriptionRich: userTextSchema.optional(),
  levels: z.array(level).min(1),
  allowSelf: z.boolean(),
  action: actionSpec.optional(),
  createdAt: z.iso.datetime(),
  // ---- Issue 14. All optional: instances started before them lack them, and never take their steps.
  /**
   * Resolve each level's approvers when it starts: its user groups' members, and the delegates of
   * the people asked (steps "read group …", "resolve level n"). Absent: the levels' people as given.
   */
  resolveApprovers: z.literal(true).optional(),
  /** The type's approvals channel: the request is posted there too (`both`) or only there (`channel`). */
  channel: z.object({ id: channelId, notify: z.enum(["channel", "both"]) }).optional(),
  /** Started by a Workflow Builder step (function_executed): the step is completed when the request ends. */
  slackFunction: z.object({ executionId: z.string().min(1).max(100) }).optional(),
  // ---- Issue 16. Optional: instances started before it, and requests from the API or a Workflow Builder step, have none.
  /**
   * The requester's name as Slack sent it with the request (slash command `user_name`, a submitted
   * view's `user.name`), for notification text: no users.info call. Absent: looked up as before.
   */
  requesterName: z.string().min(1).max(80).optional(),
});
export type ApprovalParams = z.infer<typeof approvalParamsSchema>;

/** The description as user text, for Slack: the segments, or the readable text of an older instance. */
export const requestText = (p: Pick<ApprovalParams, "description" | "descriptionRich">): UserText => storedUserText(p.description, p.descriptionRich);

/**
 * The event that wakes a waiting ApprovalWorkflow. It decides nothing: the D1 claim is the
 * decision (store.closeByClaim), and a woken workflow reads D1 to see whether there is one. So the
 * payload is informative only (logs, older instances): approve / reject / cancel after the click
 * route's claim, cancel after the API's claim (`user` is then `api:<source name>`, never a Slack
 * user id, with the reason it gave: the claim holds both), wake from the maintenance workflow (an
 * instance past its deadline), expire from maintenance runs of earlier versions (the request
 * already closed in D1).
 */
export const DECISION_EVENT = "decision";
const at = z.iso.datetime();
/** Every event payload carries the version of the code that sent it (`v`); older senders sent none. */
const v = versionField;
export const decisionEventSchema = z.discriminatedUnion("decision", [
  z.object({ v, decision: z.literal("approve"), user: userId, at }),
  /** The reason the reject modal required. */
  z.object({ v, decision: z.literal("reject"), user: userId, at, reason: z.string().max(1000) }),
  z.object({ v, decision: z.literal("cancel"), user: z.union([userId, apiActor]), at, reason: z.string().max(300).optional() }),
  z.object({ v, decision: z.literal("wake"), at }),
  z.object({ v, decision: z.literal("expire"), at }),
]);
export type DecisionEvent = z.infer<typeof decisionEventSchema>;
/**
 * The event that asks a living instance to look at D1 (maintenance, an operator): it applies a
 * claim, goes on as after a timeout if its wait is past its deadline, or waits on.
 */
export const wakeEvent = (): DecisionEvent => ({ v: WORKFLOW_VERSION, decision: "wake", at: new Date().toISOString() });
/** What the click route (or the API's cancel) tells the workflow after its claim (the claim, not this, is what counts). */
export type PersonDecision = Extract<DecisionEvent, { user: string }>;
/** A person's decision event as this code sends it (the click route, the API's cancel): stamped with its version. */
export const decisionEvent = (e: PersonDecision): DecisionEvent => ({ ...e, v: WORKFLOW_VERSION });

/** The event the ActionWorkflow child sends its parent when the action has ended. */
export const ACTION_RESULT_EVENT = "action-result";
export const actionResultSchema = z.object({
  v,
  state: z.enum(["succeeded", "failed", "unconfirmed"]),
  detail: z.string().max(500),
});
export type ActionResult = z.infer<typeof actionResultSchema>;

export interface ApprovalOutput {
  /** How the request ended: as D1 records it. */
  status: "approved" | "rejected" | "expired" | "cancelled" | "failed";
  decidedBy: string | null;
  approvedBy: string[];
  at: string;
  level: number;
  action?: { state: "succeeded" | "failed" | "unconfirmed"; detail: string; via: "event" | "status-check" };
}
