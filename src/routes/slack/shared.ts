import type { Context } from "hono";
import { log } from "../../core/log";
import type { AppEnv } from "../../env";
import { answerPerson } from "../../slack/answer";
import { botClient, workflowTokenClient } from "../../slack/bot-client";
import { refreshHomes } from "../../slack/home";
import type { ReplyTarget } from "../../slack/interactions";
import { decisionRecordedReply } from "../../slack/replies";
import type { Modal } from "../../slack/views";
import type { PersonDecision } from "../../workflows/approval-params";
import { sendDecision } from "../../workflows/send-decision";

/** What Slack's routes share: the context, the Slack client, answering after the ack, and waking a workflow after a claim. */

export type Ctx = Context<AppEnv>;
export const slackClient = (c: Ctx) => botClient(c.env, { timeoutMs: 2500 });

/** Answers the person after the route has answered Slack (answer.ts: response_url, or their App Home). */
export function answerLater(c: Ctx, to: ReplyTarget, body: { text: string }, requestId?: string) {
  c.executionCtx.waitUntil(
    answerPerson(c.env, to, body, requestId).catch((err) =>
      log("warn", "answer not delivered", { ...(requestId ? { requestId } : {}), error: (err as Error).message }),
    ),
  );
}

/**
 * Opens a modal after the route has answered Slack (the trigger_id stays valid for 3 s from the
 * user's action); if Slack refuses, the user gets `fallback` instead.
 * @see https://docs.slack.dev/surfaces/modals
 */
export function openModalAfterAck(c: Ctx, triggerId: string, view: Modal, to: ReplyTarget, fallback: { text: string }, workflowToken?: string | null) {
  // A Workflow Builder step's click: its interactivity_pointer is the trigger, opened with its workflow token (as Slack's SDKs do).
  const client = workflowToken ? workflowTokenClient(c.env, workflowToken, { timeoutMs: 2500 }) : slackClient(c);
  c.executionCtx.waitUntil(
    client.call("views.open", { trigger_id: triggerId, view }).catch((err) => {
      log("warn", "views.open failed", { error: (err as Error).message });
      return answerPerson(c.env, to, fallback);
    }),
  );
}

/** The App Homes of those a delegation concerns, after the answer (for those who use it). */
export function refreshHomesLater(c: Ctx, users: string[]) {
  c.executionCtx.waitUntil(
    refreshHomes(c.env.KV, c.env.DB, slackClient(c), users).catch((err) => log("warn", "homes not refreshed", { error: (err as Error).message })),
  );
}

/**
 * Wakes the workflow after a claim, once Slack has its answer (docs/architecture.md, "Click
 * path"): the claim, made before the answer, is the decision, so what the clicker is shown is
 * already true; the event only wakes the workflow. Slack's advice is the same: acknowledge first,
 * then do the work. `then`: what to tell the clicker once the event is sent (a Home-tab click);
 * if it cannot be sent, they are told the decision is recorded instead.
 * @see https://docs.slack.dev/tools/bolt-js/concepts/acknowledge ("call ack() right away … you only have 3 seconds")
 */
export function forwardAfterAnswer(c: Ctx, id: string, event: PersonDecision, to: ReplyTarget, then?: { text: string }) {
  c.executionCtx.waitUntil(
    // One timer tick first: the answer leaves before the event is sent. On the local runtime the
    // woken instance replays on the same thread, and sending at once held the answer back
    // (a decisive click's answer, p50: 110 ms sending first, 22 ms after the tick).
    new Promise((tick) => setTimeout(tick, 0))
      .then(() => forward(c, id, event))
      .then((problem) => {
        const answer = problem ?? then;
        return answer ? answerPerson(c.env, to, answer, id) : undefined;
      })
      .catch((err) => log("warn", "answer not delivered", { requestId: id, error: (err as Error).message })),
  );
}

/** Sends the `decision` event (workflows/send-decision.ts); null, or what to tell the person if it was not sent. */
async function forward(c: Ctx, id: string, event: PersonDecision): Promise<{ text: string } | null> {
  return (await sendDecision(c.env, id, event)) ? null : decisionRecordedReply(event.decision);
}
