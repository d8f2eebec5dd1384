import { z } from "zod";
import { requestId, userId } from "../slack/payloads";

/** What the slash command route hands to a new ApprovalWorkflow instance. */
export const approvalParamsSchema = z.object({
  requestId,
  requester: userId,
  approver: userId,
  description: z.string().min(1).max(4000),
  createdAt: z.iso.datetime(),
});
export type ApprovalParams = z.infer<typeof approvalParamsSchema>;

/** The event the click route sends to the instance; the route has already checked the clicker. */
export const DECISION_EVENT = "decision";
export const decisionEventSchema = z.object({
  decision: z.enum(["approve", "reject"]),
  user: userId,
  at: z.iso.datetime(),
});
export type DecisionEvent = z.infer<typeof decisionEventSchema>;

export interface ApprovalOutput {
  status: "approved" | "rejected" | "expired";
  decidedBy: string | null;
  at: string;
  level: number;
}
