import { loadConfig } from "../config";
import { newRequestId } from "../core/ids";
import { createOnce } from "../core/instances";
import { log } from "../core/log";
import { DEFAULT_TYPE, findType, loadPolicy, resolveLevels } from "../core/policy";
import { claimKey, releaseKey } from "../core/store";
import { isRich, readable, type UserText } from "../core/user-text";
import type { Env } from "../env";
import type { ApprovalParams } from "./approval-params";
import { WORKFLOW_VERSION } from "./versions";

export interface NewRequest {
  requester: string;
  /** A policy type name, or undefined for the default type. */
  type: string | undefined;
  /** An approver named by the requester (replaces level 1's approvers). */
  approver: string | undefined;
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
  const chain = resolveLevels(type, r.requester, r.approver);
  if (!chain.ok) return { ok: false, problem: chain.problem, field: "approver" };

  const id = r.id ?? newRequestId();
  // A derived id must start one request only, even when two submits arrive at once.
  if (r.id && !(await claimKey(env.DB, `request:${r.id}`))) {
    return { ok: true, id, approvers: chain.levels[0]!.approvers, quorum: chain.levels[0]!.quorum, existed: true };
  }
  let created: "created" | "existed";
  try {
    created = await createOnce<ApprovalParams>(env.APPROVAL, id, {
      v: WORKFLOW_VERSION,
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
    });
  } catch (err) {
    // Nothing started: give the key back so the same submission can be tried again.
    if (r.id) await releaseKey(env.DB, `request:${r.id}`);
    throw err;
  }
  const first = chain.levels[0]!;
  log("info", created === "created" ? "request created" : "request already exists", { requestId: id, type: typeName, requester: r.requester });
  return { ok: true, id, approvers: first.approvers, quorum: first.quorum, existed: created === "existed" };
}
