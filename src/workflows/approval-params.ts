import { z } from "zod";
import { duration } from "../core/duration";
import { requestId, userId } from "../core/ids";

const level = z.object({
  approvers: z.array(userId).min(1),
  wait: duration,
  quorum: z.number().int().min(1),
  reminder: duration.nullable(),
});

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
 */
export const approvalParamsSchema = z.object({
  requestId,
  type: z.string(),
  title: z.string(),
  requester: userId,
  description: z.string().min(1).max(4000),
  levels: z.array(level).min(1),
  allowSelf: z.boolean(),
  action: actionSpec.optional(),
  createdAt: z.iso.datetime(),
});
export type ApprovalParams = z.infer<typeof approvalParamsSchema>;

/** The event the click route sends to the instance once a click decides the request. */
export const DECISION_EVENT = "decision";
export const decisionEventSchema = z
  .object({
    /** approve / reject by an approver, cancel by the requester, expire by the maintenance workflow. */
    decision: z.enum(["approve", "reject", "cancel", "expire"]),
    user: userId.optional(),
    at: z.iso.datetime(),
    /** Why it was rejected (required by the reject modal). */
    reason: z.string().max(1000).optional(),
  })
  .refine((e) => e.decision === "expire" || e.user, { message: "user is required", path: ["user"] });
export type DecisionEvent = z.infer<typeof decisionEventSchema>;

/** The event the ActionWorkflow child sends its parent when the action has ended. */
export const ACTION_RESULT_EVENT = "action-result";
export const actionResultSchema = z.object({
  state: z.enum(["succeeded", "failed", "unconfirmed"]),
  detail: z.string().max(500),
});
export type ActionResult = z.infer<typeof actionResultSchema>;

export interface ApprovalOutput {
  status: "approved" | "rejected" | "expired" | "cancelled";
  decidedBy: string | null;
  approvedBy: string[];
  at: string;
  level: number;
  action?: { state: "succeeded" | "failed" | "unconfirmed"; detail: string; via: "event" | "status-check" };
}
