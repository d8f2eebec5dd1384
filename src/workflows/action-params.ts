import type { ActionSpec } from "./approval-params";

/** What ApprovalWorkflow hands its ActionWorkflow child. */
export interface ActionParams {
  requestId: string;
  /** The parent ApprovalWorkflow instance, told the result by event. */
  parentId: string;
  action: ActionSpec;
  /** The JSON body sent to the receiver (signed). */
  body: {
    requestId: string;
    type: string;
    title: string;
    description: string;
    requester: string;
    approvedBy: string[];
    approvedAt: string;
  };
}
