import { loadConfig } from "../config";
import { newRequestId } from "../core/ids";
import { createOnce } from "../core/instances";
import { log } from "../core/log";
import { DEFAULT_TYPE, findType, loadPolicy, resolveLevels } from "../core/policy";
import { claimKey, releaseKey } from "../core/store";
import { isRich, readable, type UserText } from "../core/user-text";
import type { Env } from "../env";
import type { ApprovalParams } from "./approval-params";

export interface NewRequest {
  requester: string;
  /** A policy type name, or undefined for the default type. */
  type: string | undefined;
  /** An approver named by the requester (replaces level 1's approvers): a person, or a user group (S…). */
  approver: string | undefined;
  /** Approvers a Workflow Builder step named (people and user groups; replace level 1's, like `approver`). */
  approvers?: string[];
  /** The Workflow Builder step run that asks (function_executed): completed when the request ends. */
  slackFunction?: { executionId: string };
  /**
   * What needs approving, as user text: the slash command's parsed text
   * (slack/commands.ts), or plain text from the modal or the API (`plainUserText(text)`).
   */
  description: UserText;
  /** A fixed id (derived from a modal view, so a second submit finds the first request). */
  id?: string;
}

export type StartResult =
  | { ok: true; id: string; approvers: string[]; quorum: number; existed: boolean }
  | { ok: false; problem: string; field: "type" | "approver" };

/**
 * Resolves the approver chain from the policy and starts the ApprovalWorkflow instance. Shared
 * by the slash command and the modal, so both apply the same rules.
 */
export async function startRequest(env: Env, r: NewRequest): Promise<StartResult> {
  const config = loadConfig(env);
  const policy = loadPolicy(env);
  const typeName = r.type ?? DEFAULT_TYPE;
  const type = findType(policy, config, typeName);
  if (!type) return { ok: false, problem: `Unknown request type "${typeName}".`, field: "type" };
  const chain = resolveLevels(type, r.requester, r.approvers?.length ? r.approvers : r.approver);
  if (!chain.ok) return { ok: false, problem: chain.problem, field: "approver" };

  const id = r.id ?? newRequestId();
  // A derived id must start one request only, even when two submits arrive at once.
  if (r.id && !(await claimKey(env.DB, `request:${r.id}`))) {
    return { ok: true, id, approvers: asked(chain.levels[0]!), quorum: chain.levels[0]!.quorum, existed: true };
  }
  let created: "created" | "existed";
  try {
    created = await createOnce<ApprovalParams>(env.APPROVAL, id, {
      requestId: id,
      type: typeName,
      title: type.title,
      requester: r.requester,
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
    // Nothing started: give the key back so the same submission can be tried again.
    if (r.id) await releaseKey(env.DB, `request:${r.id}`);
    throw err;
  }
  const first = chain.levels[0]!;
  log("info", created === "created" ? "request created" : "request already exists", { requestId: id, type: typeName, requester: r.requester });
  return { ok: true, id, approvers: asked(first), quorum: first.quorum, existed: created === "existed" };
}

/** Whom level 1 asks, as the requester named them: people, and user groups (S…) for their members. */
const asked = (level: { approvers: string[]; groups?: string[] }) => [...level.approvers, ...(level.groups ?? [])];
