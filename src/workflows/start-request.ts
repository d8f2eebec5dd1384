import { loadConfig } from "../config";
import { newRequestId } from "../core/ids";
import { createOnce } from "../core/instances";
import { log } from "../core/log";
import { type ChainProblem, DEFAULT_TYPE, findType, loadPolicy, resolveLevels } from "../core/policy";
import type { Fields, Source } from "../core/request-source";
import { claimKey, releaseKey, useApiKey } from "../core/store";
import { isRich, readable, type UserText } from "../core/user-text";
import type { Env } from "../env";
import type { ApprovalParams } from "./approval-params";
import { WORKFLOW_VERSION } from "./versions";

export interface NewRequest {
  /** The Slack user who asks; undefined for a request made over the API without one. */
  requester: string | undefined;
  /** Their name as Slack sent it with the request (slack/payloads.ts `senderName`), when it did. */
  requesterName?: string | undefined;
  /** A policy type name, or undefined for the default type. */
  type: string | undefined;
  /** An approver named by the requester (replaces level 1's approvers): a person, or a user group (S…). */
  approver: string | undefined;
  /**
   * Approvers named over the API (people) or by a Workflow Builder step (people and user groups):
   * replace level 1's approvers, like `approver`; any one of them decides.
   */
  approvers?: string[] | undefined;
  /** The Workflow Builder step run that asks (function_executed): completed when the request ends. */
  slackFunction?: { executionId: string };
  /**
   * What needs approving, as user text: the slash command's parsed text
   * (slack/commands.ts), or plain text from the modal or the API (`plainUserText(text)`).
   */
  description: UserText;
  /** Who asks when it comes from the API (a pipeline). */
  source?: Source | undefined;
  /** Named values shown with the request. */
  fields?: Fields | undefined;
  /** A fixed id (derived from a modal view, so a second submit finds the first request). */
  id?: string;
  /**
   * An API Idempotency-Key with the hash of the request's canonical body: the first use starts the
   * request, a later use with the same body finds it (and starts it if the first use could not),
   * a later use with another body is refused.
   */
  idempotency?: { key: string; bodyHash: string } | undefined;
}

export type StartResult =
  | { ok: true; id: string; approvers: string[]; quorum: number; existed: boolean }
  | { ok: false; problem: string; field: "type" }
  | { ok: false; problem: string; field: "approver"; code: ChainProblem }
  | { ok: false; problem: string; field: "idempotency" };

/**
 * Resolves the approver chain from the policy and starts the ApprovalWorkflow instance. Shared
 * by the slash command, the modal and the API, so all apply the same rules.
 */
export async function startRequest(env: Env, r: NewRequest): Promise<StartResult> {
  const config = loadConfig(env);
  const policy = loadPolicy(env);
  const typeName = r.type ?? DEFAULT_TYPE;
  const type = findType(policy, config, typeName);
  if (!type) return { ok: false, problem: `Unknown request type "${typeName}".`, field: "type" };
  const chain = resolveLevels(type, r.requester, r.approvers?.length ? r.approvers : r.approver);
  if (!chain.ok) return { ok: false, problem: chain.problem, field: "approver", code: chain.code };
  const first = chain.levels[0]!;

  let id = r.id ?? newRequestId();
  // A derived id must start one request only, even when two submits arrive at once.
  if (r.id && !(await claimKey(env.DB, `request:${r.id}`))) {
    return { ok: true, id, approvers: asked(first), quorum: first.quorum, existed: true };
  }
  let replayed = false;
  if (r.idempotency) {
    const use = await useApiKey(env.DB, r.idempotency.key, id, r.idempotency.bodyHash);
    if (!use.first) {
      if (use.bodyHash !== r.idempotency.bodyHash) {
        return { ok: false, field: "idempotency", problem: `Idempotency-Key "${r.idempotency.key}" was used with a different body` };
      }
      // The same request again: make sure it exists (the first call may have died before creating it).
      id = use.requestId;
      replayed = true;
    }
  }
  let created: "created" | "existed";
  try {
    created = await createOnce<ApprovalParams>(env.APPROVAL, id, {
      v: WORKFLOW_VERSION,
      requestId: id,
      type: typeName,
      title: type.title,
      ...(r.requester ? { requester: r.requester } : {}),
      ...(r.requester && r.requesterName ? { requesterName: r.requesterName } : {}),
      ...(r.source ? { source: r.source } : {}),
      ...(r.fields && Object.keys(r.fields).length ? { fields: r.fields } : {}),
      description: readable(r.description),
      ...(isRich(r.description) ? { descriptionRich: r.description } : {}),
      levels: chain.levels,
      allowSelf: type.allowSelfApproval,
      ...(type.action ? { action: type.action } : {}),
      createdAt: new Date().toISOString(),
      // Issue 14: groups and delegates resolved as each level starts; the approvals channel; the step.
      resolveApprovers: true,
      ...(type.channel && type.notify !== "dm" ? { channel: { id: type.channel, notify: type.notify ?? "both" } } : {}),
      ...(r.slackFunction ? { slackFunction: r.slackFunction } : {}),
    });
  } catch (err) {
    // Nothing started: give the key back so the same submission can be tried again. (An API key
    // stays: a retry with it creates the same request id.)
    if (r.id) await releaseKey(env.DB, `request:${r.id}`);
    throw err;
  }
  const existed = replayed || created === "existed";
  log("info", existed ? "request already exists" : "request created", {
    requestId: id,
    type: typeName,
    requester: r.requester ?? null,
    source: r.source?.name ?? null,
  });
  return { ok: true, id, approvers: asked(first), quorum: first.quorum, existed };
}

/** Whom level 1 asks, as the requester named them: people, and user groups (S…) for their members. */
const asked = (level: { approvers: string[]; groups?: string[] }) => [...level.approvers, ...(level.groups ?? [])];
