// What GET /api/requests/:id answers, for the tests that read it over HTTP. Built from the store's
// row types (pure, no Workers types); api-request.check.ts holds it to the route's real answer.
import type { AuditEntry, RequestRow, StoredMessage } from "../../src/core/store/rows";

/** A request as the API shows it (src/routes/api/view.ts requestJson): the row without the claim, with its trail. */
export type ApiRequest = Omit<RequestRow, "claimed_by" | "claimed_decision" | "cancel_reason"> & {
  reason: string | null;
  url: string;
  messages: StoredMessage[];
  audit: AuditEntry[];
  /** The workflow instance (InstanceView in src/core/instances.ts, here without the Workflows types); null once it is gone. */
  workflow: { status: string; error?: string; output?: unknown } | null;
};
