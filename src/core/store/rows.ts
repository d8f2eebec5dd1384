import { z } from "zod";
import { type UserText, userTextSchema } from "../user-text";

/**
 * One row type per D1 table (migrations/), and the views the service reads, derived from them.
 * The JSON columns of `requests` are parsed and checked here, once, for every read.
 */

export const REQUEST_STATUSES = ["pending", "approved", "rejected", "expired", "cancelled", "failed"] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export type ActionState = "running" | "succeeded" | "failed" | "unconfirmed";
/** What a claim decides: an approver's approval or rejection, or the requester's cancellation. */
export type ClaimDecision = "approve" | "reject" | "cancel";

const levelGroup = z.object({ approvers: z.array(z.string()), quorum: z.number().int().min(1) });
/** One level reached so far, with its own quorum (requests.level_groups). */
export type LevelGroup = z.infer<typeof levelGroup>;

/** The requests table: one row per ApprovalWorkflow instance (id = instance id). */
export interface RequestRow {
  id: string;
  type: string;
  requester: string;
  /** The readable description (core/user-text.ts `readable`): what the API, dashboard, CSV and webhooks show. */
  description: string;
  /** Its segments (mentions, links…) when it has more than text, for Slack; null for plain text. JSON in D1. */
  description_rich: UserText | null;
  /** Everyone who may decide now (all levels reached so far). JSON in D1. */
  approvers: string[];
  /** The levels reached so far, each with its own quorum. JSON in D1. */
  level_groups: LevelGroup[];
  level: number;
  quorum: number;
  allow_self: number;
  status: RequestStatus;
  /**
   * The claim, set once by the deciding click (or the cancel) and never changed: who decided,
   * when, and what. It is the decision; the workflow closes the request with what it says.
   */
  claimed_by: string | null;
  claimed_at: string | null;
  claimed_decision: ClaimDecision | null;
  decided_by: string | null;
  decided_at: string | null;
  error: string | null;
  /** When the chain runs out, as projected when the current wait started. */
  expires_at: string | null;
  /** When the wait the instance is in ends, written by the instance as the wait starts. */
  wait_until: string | null;
  action_status: ActionState | null;
  action_progress: number | null;
  action_detail: string | null;
  /** The workflow version its instance was created with (src/workflows/versions.ts); 1 for rows recorded before versions. */
  workflow_version: number;
  created_at: string;
  updated_at: string;
}

/** A requests row as D1 returns it: the JSON columns as text. */
export type RawRequestRow = Omit<RequestRow, "approvers" | "level_groups" | "description_rich"> & {
  approvers: string;
  level_groups: string;
  description_rich: string | null;
};

const approversColumn = z.array(z.string());
const levelGroupsColumn = z.array(levelGroup);

/** The approvers column, parsed and checked. */
export const parseApprovers = (json: string): string[] => approversColumn.parse(JSON.parse(json));

/** The description_rich column, parsed and checked (null for plain text). */
export const parseDescriptionRich = (json: string | null): UserText | null => (json === null ? null : userTextSchema.parse(JSON.parse(json)));

export function parseRequestRow(raw: RawRequestRow): RequestRow {
  return {
    ...raw,
    description_rich: parseDescriptionRich(raw.description_rich),
    approvers: parseApprovers(raw.approvers),
    level_groups: levelGroupsColumn.parse(JSON.parse(raw.level_groups)),
  };
}

/** A request in a Slack list: the App Home and `/approval list`. */
export type ListedRequest = Pick<RequestRow, "id" | "type" | "requester" | "description" | "description_rich" | "status" | "created_at">;
/** A listed request as D1 returns it. */
export type RawListedRequest = Omit<ListedRequest, "description_rich"> & { description_rich: string | null };
export const parseListedRequest = (raw: RawListedRequest): ListedRequest => ({ ...raw, description_rich: parseDescriptionRich(raw.description_rich) });

/** A request in the dashboard's list and its CSV export. */
export type FilteredRequest = Pick<
  RequestRow,
  "id" | "type" | "requester" | "description" | "approvers" | "level" | "status" | "decided_by" | "decided_at" | "error" | "created_at" | "updated_at"
>;

/** The votes table: one vote per approver and request. */
export interface VoteRow {
  request_id: string;
  user_id: string;
  decision: "approve" | "reject";
  level: number;
  /** A rejection's reason. */
  reason: string | null;
  at: string;
}

/** The messages table: the Slack messages a workflow posted for a request. */
export interface MessageRow {
  request_id: string;
  /** L<level>-<user> for an approver's DM, `requester` for the receipt. */
  role: string;
  user_id: string;
  channel: string;
  ts: string;
}
/** One of a request's Slack messages. */
export type StoredMessage = Omit<MessageRow, "request_id">;

/** The audit table: the append-only trail; event_key makes a replayed write a no-op. */
export interface AuditRow {
  request_id: string;
  event_key: string;
  event: string;
  actor: string | null;
  detail: string | null;
  at: string;
}
/** One entry of a request's trail. */
export type AuditEntry = Pick<AuditRow, "event" | "actor" | "detail" | "at">;

/** The action_calls table: webhook results by idempotency key (result: a CallResult as JSON). */
export interface ActionCallRow {
  idempotency_key: string;
  request_id: string;
  status: number;
  result: string;
  at: string;
}

/** The slack_events table: Events API deliveries handled, by event_id (a retry repeats nothing). */
export interface SlackEventRow {
  event_id: string;
  type: string;
  received_at: string;
}

/** The slack_app_events table: what happened to the app's installation and its bot token. */
export interface SlackAppEventRow {
  id: number;
  /** app_uninstalled, tokens_revoked, token_error (a call's token error, confirmed by auth.test), token_works. */
  event: string;
  /** What it says of the bot token: revoked, works (again), or null (no change). */
  bot_token: "revoked" | "works" | null;
  /** A fingerprint of the bot token it concerns, never the token. */
  token_id: string;
  team_id: string | null;
  enterprise_id: string | null;
  detail: string | null;
  at: string;
}
