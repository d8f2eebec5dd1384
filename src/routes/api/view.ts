import type { InstanceView } from "../../core/instances";
import type { AuditEntry, RequestRow, StoredMessage } from "../../core/store";

/** The dashboard page of a request, for API answers (`url`). */
export const requestUrl = (requestUrlOfCall: string, id: string) => `${new URL(requestUrlOfCall).origin}/dashboard/requests/${id}`;

/**
 * The reason a request ended with: a rejection's reason or a cancel's, which the closing audit
 * entry holds (the cancel's is also on the row, written with its claim).
 */
export function closingReason(row: Pick<RequestRow, "status" | "cancel_reason">, audit: AuditEntry[]): string | null {
  if (row.status !== "rejected" && row.status !== "cancelled") return null;
  const closing = [...audit].reverse().find((e) => e.event === row.status);
  return closing?.detail ?? (row.status === "cancelled" ? row.cancel_reason : null);
}

/**
 * GET /api/requests/:id's answer: the row without the claim (who is deciding right now, and what,
 * is not the caller's business until the workflow has closed the request with it), with its reason, page, messages, trail and instance.
 */
export function requestJson(row: RequestRow, audit: AuditEntry[], messages: StoredMessage[], workflow: InstanceView | null, url: string) {
  const { claimed_by: _by, claimed_decision: _decision, cancel_reason: _reason, ...request } = row;
  return { ...request, reason: closingReason(row, audit), url, audit, messages, workflow };
}
