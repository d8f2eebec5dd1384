import type { WorkflowStep } from "cloudflare:workers";
import { loadConfig } from "../config";
import { instanceStatus } from "../core/instances";
import { log } from "../core/log";
import { findType, loadPolicy } from "../core/policy";
import * as store from "../core/store";
import { storedUserText } from "../core/user-text";
import type { Env } from "../env";
import { decidedMessage, type Outcome, type RequestSummary, requesterFailureMessage, requesterOutcomeMessage, requesterReceiptMessage } from "../slack/blocks";
import { botClient } from "../slack/bot-client";
import type { MessageContent } from "../slack/client";
import { MAINTENANCE_STEPS as STEP } from "./step-names";
import { D1_STEP, optionalSlackStep, postOnce } from "./steps";

/** What a closed request's Slack messages should now say: how it ended, or why it failed. */
type Ending = { kind: "outcome"; outcome: Outcome } | { kind: "failed"; error: string };

/**
 * A request maintenance closed because its instance died: its messages still offered buttons,
 * and its requester had not been told. Now they show how it ended, as the workflow would have
 * shown it: the approvers' messages updated (no buttons), the receipt too, the requester told
 * (not when they cancelled it themselves). Best effort, one step per message: D1 has the truth.
 */
export async function showClosedInSlack(env: Env, step: WorkflowStep, id: string): Promise<void> {
  const view = await step.do(STEP.readClosed(id), D1_STEP, () => closedView(env, id));
  if (!view) return;
  const { summary, ending, messages, requester } = view;
  const slack = botClient(env, { paced: true });
  const skipped = (name: string) => (error: string) => log("warn", `${name} failed, continuing without it`, { requestId: id, step: name, error });
  for (const m of messages) {
    const content =
      ending.kind === "failed"
        ? requesterFailureMessage(summary, ending.error)
        : m.role === "requester"
          ? requesterReceiptMessage(summary, view.approvers, ending.outcome)
          : decidedMessage(summary, ending.outcome);
    await optionalSlackStep(step, STEP.showClosed(id, m.role), () => slack.updateMessage(m, content).then(() => true), skipped(STEP.showClosed(id, m.role)));
  }
  if (!requester || (ending.kind === "outcome" && ending.outcome.status === "cancelled" && ending.outcome.by === requester)) return;
  const told: MessageContent = ending.kind === "failed" ? requesterFailureMessage(summary, ending.error) : requesterOutcomeMessage(summary, ending.outcome);
  // Into the receipt's DM when there is one (the same conversation), else to the user id.
  const dm = messages.find((m) => m.role === "requester")?.channel ?? requester;
  const key = `${id}:${ending.kind === "failed" ? "failed" : "outcome"}`;
  await optionalSlackStep(step, STEP.tellRequester(id), (attempt) => postOnce(slack, attempt, dm, told, key).then(() => true), skipped(STEP.tellRequester(id)));
}

/** The closed request as its messages show it, read from D1; null while it is pending or gone. */
async function closedView(env: Env, id: string) {
  const row = await store.getRequest(env.DB, id);
  if (!row || row.status === "pending") return null;
  // An instance that completed showed its own ending; D1 set back to an earlier point (a restore:
  // docs/runbook.md) only makes its request look overdue. Slack keeps what the instance left.
  if ((await instanceStatus(env.APPROVAL, id))?.status === "complete") return null;
  const type = findType(loadPolicy(env), loadConfig(env), row.type);
  const summary: RequestSummary = {
    id: row.id,
    title: type?.title ?? row.type,
    requester: row.requester ?? undefined,
    source: row.source ?? undefined,
    fields: row.fields ?? undefined,
    description: storedUserText(row.description, row.description_rich),
    createdAt: row.created_at,
  };
  const ending = await endingOf(env, row);
  return {
    summary,
    ending,
    messages: await store.listMessages(env.DB, id),
    requester: row.requester,
    approvers: row.level_groups[0]?.approvers ?? row.approvers,
  };
}

async function endingOf(env: Env, row: store.RequestRow): Promise<Ending> {
  if (row.status === "failed") return { kind: "failed", error: row.error ?? "its workflow instance stopped" };
  const claim = await store.claimOutcome(env.DB, row.id);
  if (claim?.status === "approved") return { kind: "outcome", outcome: { status: "approved", by: claim.by, at: claim.at } };
  if (claim?.status === "rejected")
    return { kind: "outcome", outcome: { status: "rejected", by: claim.by, at: claim.at, ...(claim.reason ? { reason: claim.reason } : {}) } };
  if (claim?.status === "cancelled")
    return { kind: "outcome", outcome: { status: "cancelled", by: claim.by, at: claim.at, ...(claim.reason ? { reason: claim.reason } : {}) } };
  return { kind: "outcome", outcome: { status: "expired", at: row.decided_at ?? row.updated_at } };
}
