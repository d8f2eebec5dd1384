import { z } from "zod";
import { requestId, userId } from "../core/ids";
import { actionSpec } from "./approval-params";

/** What ApprovalWorkflow hands its ActionWorkflow child; checked when the child starts. */
export const actionParamsSchema = z.object({
  requestId,
  /** The parent ApprovalWorkflow instance, told the result by event. */
  parentId: z.string().min(1),
  action: actionSpec,
  /** The JSON body sent to the receiver (signed). */
  body: z.object({
    requestId,
    type: z.string(),
    title: z.string(),
    description: z.string(),
    requester: userId,
    approvedBy: z.array(userId).min(1),
    approvedAt: z.iso.datetime(),
  }),
});
export type ActionParams = z.infer<typeof actionParamsSchema>;
