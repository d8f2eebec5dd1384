import { z } from "zod";
import { type Fields, fieldsSchema, type Source, sourceSchema } from "../request-source";
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

const requestDelegation = z.object({ id: z.string(), principal: z.string(), delegate: z.string(), until: z.string(), level: z.number().int() });
/** A delegation a request's level was given when it started (requests.delegations). */
export type RequestDelegation = z.infer<typeof requestDelegation>;

/** The requests table: one row per ApprovalWorkflow instance (id = instance id). */
export interface RequestRow {
  id: string;
  type: string;
  /** The Slack user who asked, or null for a request made over the API without one ('' in D1). */
  requester: string | null;
  /** Who asks when it came from the API (a pipeline): name, link and label. JSON in D1. */
  source: Source | null;
  /** Named values shown with the request (API requests). JSON in D1. */
  fields: Fields | null;
  /** The readable description (core/user-text.ts `readable`): what the API, dashboard, CSV and webhooks show. */
  description: string;
  /** Its segments (mentions, links…) when it has more than text, for Slack; null for plain text. JSON in D1. */
  description_rich: UserText | null;
  /** Everyone who may decide now (all levels reached so far). JSON in D1. */
  approvers: string[];
  /** The levels reached so far, each with its own quorum. JSON in D1. */
  level_groups: LevelGroup[];
  /** Delegates who may decide for an approver while the delegation holds (listed in `approvers` too). JSON in D1. */
  delegations: RequestDelegation[];
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
  /** The reason given with a cancel over the API (written with its claim, migration 0005). */
  cancel_reason: string | null;
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

/** A requests row as D1 returns it: the JSON columns as text, no requester as ''. */
export type RawRequestRow = Omit<RequestRow, "requester" | "source" | "fields" | "approvers" | "level_groups" | "description_rich" | "delegations"> & {
  requester: string;
  source: string | null;
  fields: string | null;
  approvers: string;
  level_groups: string;
  description_rich: string | null;
  /** Absent from rows read by a version before migration 0006. */
  delegations?: string;
};

const approversColumn = z.array(z.string());
const levelGroupsColumn = z.array(levelGroup);
const delegationsColumn = z.array(requestDelegation);

/** The approvers column, parsed and checked. */
export const parseApprovers = (json: string): string[] => approversColumn.parse(JSON.parse(json));

/** The description_rich column, parsed and checked (null for plain text). */
export const parseDescriptionRich = (json: string | null): UserText | null => (json === null ? null : userTextSchema.parse(JSON.parse(json)));

/** The requester column: '' stands for "no Slack requester" (the column is NOT NULL). */
export const parseRequester = (requester: string): string | null => requester || null;
/** The source column, parsed and checked (null when a person in Slack asked). */
export const parseSource = (json: string | null): Source | null => (json === null ? null : sourceSchema.parse(JSON.parse(json)));
export const parseFields = (json: string | null): Fields | null => (json === null ? null : fieldsSchema.parse(JSON.parse(json)));

export function parseRequestRow(raw: RawRequestRow): RequestRow {
  return {
    ...raw,
    requester: parseRequester(raw.requester),
    source: parseSource(raw.source),
    fields: parseFields(raw.fields),
    description_rich: parseDescriptionRich(raw.description_rich),
    approvers: parseApprovers(raw.approvers),
    level_groups: levelGroupsColumn.parse(JSON.parse(raw.level_groups)),
    delegations: delegationsColumn.parse(JSON.parse(raw.delegations ?? "[]")),
  };
}

/** A request in a Slack list: the App Home and `/approval list`. */
export type ListedRequest = Pick<RequestRow, "id" | "type" | "requester" | "source" | "fields" | "description" | "description_rich" | "status" | "created_at">;
/** A listed request as D1 returns it. */
export type RawListedRequest = Omit<ListedRequest, "requester" | "source" | "fields" | "description_rich"> & {
  requester: string;
  source: string | null;
  fields: string | null;
  description_rich: string | null;
};
export const parseListedRequest = (raw: RawListedRequest): ListedRequest => ({
  ...raw,
  requester: parseRequester(raw.requester),
  source: parseSource(raw.source),
  fields: parseFields(raw.fields),
  description_rich: parseDescriptionRich(raw.description_rich),
});

/** A request in the dashboard's list and its CSV export. */
export type FilteredRequest = Pick<
  RequestRow,
  | "id"
  | "type"
  | "requester"
  | "source"
  | "fields"
  | "description"
  | "approvers"
  | "level"
  | "status"
  | "decided_by"
  | "decided_at"
  | "error"
  | "created_at"
  | "updated_at"
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
  /** The principal whose seat a delegate's vote fills; null: the voter's own. */
  seat: string | null;
}

/** The delegations table: while one holds, requests that would go to `principal` also go to `delegate`. */
export interface DelegationRow {
  id: string;
  principal: string;
  delegate: string;
  /** Exclusive end, ISO. */
  until: string;
  created_at: string;
  ended_at: string | null;
}

/** The function_runs table: a Workflow Builder step run and how it was completed. */
export interface FunctionRunRow {
  execution_id: string;
  request_id: string;
  workflow_execution_id: string | null;
  /** The freshest workflow token (xwfp-), NULL once the step is completed. Never shown or logged. */
  token: string | null;
  token_at: string | null;
  completed_at: string | null;
  completion: "success" | "error" | null;
  via: string | null;
  detail: string | null;
  created_at: string;
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

/** The idempotency_keys table: keys of things that must happen once; an API key also holds its request and body hash. */
export interface IdempotencyKeyRow {
  key: string;
  created_at: string;
  request_id: string | null;
  body_hash: string | null;
}

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
