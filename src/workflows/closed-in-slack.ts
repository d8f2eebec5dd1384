import type { WorkflowStep } from "cloudflare:workers";
import { loadConfig } from "../config";
import { instanceStatus } from "../core/instances";
import { log } from "../core/log";
import { findType, loadPolicy } from "../core/policy";
import * as store from "../core/store";
import { storedUserText } from "../core/user-text";
import type { Env } from "../env";
import {
  type ActionView,
  decidedMessage,
  type Outcome,
  type RequestSummary,
  requesterFailureMessage,
  requesterOutcomeMessage,
  requesterReceiptMessage,
} from "../slack/blocks";
import { botClient } from "../slack/bot-client";
import type { MessageContent } from "../slack/client";
import { MAINTENANCE_STEPS as STEP } from "./step-names";
import { D1_STEP, OPTIONAL_SLACK_STEP, optionalSlackStep } from "./steps";

/** How every note maintenance writes on a request it closes begins (requests.error): what this file shows. */
export const MAINTENANCE_NOTE = "closed by maintenance";

/** What a closed request's Slack messages should now say: how it ended (and its action's fate), or why it failed. */
type Ending = { kind: "outcome"; outcome: Outcome; action?: ActionView } | { kind: "failed"; error: string };

/** An approved request's action that maintenance closed: its instance stopped before it ran. */
const ACTION_NOT_RUN: ActionView = { state: "failed", detail: "not run: its workflow stopped before the action. Run it by hand if it is still wanted." };

/**
 * A request maintenance closed because its instance died: its messages still offered buttons,
 * and its requester had not been told. Now they show how it ended, as the workflow would have
 * shown it: the approvers' messages updated (no buttons), the receipt too, the requester told
 * (not when they cancelled it themselves), and an approval's action marked as not run. Only what
 * maintenance closed (its note in D1), so a retried close shows it too; the requester's DM is
 * looked for before it is posted, so it is sent once. Best effort, one step per message, with
 * few retries (a Slack outage must not hold up the rest of the run): D1 has the truth.
 */
export async function showClosedInSlack(env: Env, step: WorkflowStep, id: string): Promise<void> {
  const view = await step.do(STEP.readClosed(id), D1_STEP, () => closedView(env, id));
  if (!view) return;
  const { summary, ending, messages, requester } = view;
  const slack = botClient(env, { paced: true });
  const skipped = (name: string) => (error: string) => log("warn", `${name} failed, continuing without it`, { requestId: id, step: name, error });
  const slackStep = (name: string, fn: () => Promise<unknown>) =>
    optionalSlackStep(step, name, () => fn().then(() => true), skipped(name), OPTIONAL_SLACK_STEP);
  for (const m of messages) {
    const content =
      ending.kind === "failed"
        ? requesterFailureMessage(summary, ending.error)
        : m.role === "requester"
          ? requesterReceiptMessage(summary, view.approvers, ending.outcome)
          : decidedMessage(summary, ending.outcome, ending.action);
    await slackStep(STEP.showClosed(id, m.role), () => slack.updateMessage(m, content));
  }
  if (!requester || (ending.kind === "outcome" && ending.outcome.status === "cancelled" && ending.outcome.by === requester)) return;
  const told: MessageContent =
    ending.kind === "failed" ? requesterFailureMessage(summary, ending.error) : requesterOutcomeMessage(summary, ending.outcome, ending.action);
  // Into the receipt's DM when there is one (the same conversation), else to the user id; under
  // the key the workflow's own outcome DM uses, so one it sent (or an earlier try) is found.
  const dm = messages.find((m) => m.role === "requester")?.channel ?? requester;
  const key = `${id}:${ending.kind === "failed" ? "failed" : "outcome"}`;
  await slackStep(STEP.tellRequester(id), async () => (await slack.findPosted(dm, key)) ?? slack.postMessage(dm, told, key));
}

/** The closed request as its messages should show it, read from D1; null unless maintenance closed it. */
async function closedView(env: Env, id: string) {
  const row = await store.getRequest(env.DB, id);
  if (!row || row.status === "pending" || !row.error?.startsWith(MAINTENANCE_NOTE)) return null;
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
  const ending = await endingOf(env, row, Boolean(type?.action));
  // The receipt names level 1's people (the workflow's names its user groups as the request did).
  return {
    summary,
    ending,
    messages: await store.listMessages(env.DB, id),
    requester: row.requester,
    approvers: row.level_groups[0]?.approvers ?? row.approvers,
  };
}

async function endingOf(env: Env, row: store.RequestRow, hasAction: boolean): Promise<Ending> {
  // "closed by maintenance: its workflow instance errored: …": people read why, not who closed it.
  if (row.status === "failed")
    return { kind: "failed", error: (row.error ?? "").slice(MAINTENANCE_NOTE.length).replace(/^:\s*/, "") || "its workflow stopped" };
  const claim = await store.claimOutcome(env.DB, row.id);
  if (!claim) return { kind: "outcome", outcome: { status: "expired", at: row.decided_at ?? row.updated_at } };
  const { by, at } = claim;
  const reason = claim.reason ? { reason: claim.reason } : {};
  if (claim.status === "cancelled") return { kind: "outcome", outcome: { status: "cancelled", by, at, ...reason } };
  // A delegate's decision reads "Bob, for Maria", as the workflow shows it.
  const seat = await store.voteSeat(env.DB, row.id, by);
  const forWhom = seat && seat !== by ? { for: seat } : {};
  if (claim.status === "rejected") return { kind: "outcome", outcome: { status: "rejected", by, at, ...reason, ...forWhom } };
  const approvedBy = await store.approvalsOf(env.DB, row.id);
  return { kind: "outcome", outcome: { status: "approved", by, at, approvedBy, ...forWhom }, ...(hasAction ? { action: ACTION_NOT_RUN } : {}) };
}
