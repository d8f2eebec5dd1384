import type { MessageContent } from "./client";
import { escapeText, mention, slackTime, truncate } from "./mrkdwn";
import { ACTIONS } from "./payloads";

/** The messages the workflows post and update: the approver's DM, its thread, the requester's DMs. */

export interface RequestSummary {
  id: string;
  /** The request type's title from the policy, e.g. "Production deploy". */
  title?: string;
  requester: string;
  /** The requester's display name for notification text, when the lookup worked. */
  requesterName?: string | null;
  description: string;
  createdAt: string;
}

function requestSection(req: RequestSummary): unknown[] {
  const what = req.title && req.title !== "Approval" ? ` (${escapeText(req.title)})` : "";
  return [
    {
      type: "section",
      text: { type: "mrkdwn", text: truncate(`*${mention(req.requester)} asks for approval${what}:*\n>${escapeText(req.description).replace(/\n/g, "\n>")}`) },
    },
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: `Requested ${slackTime(req.createdAt)} · Request \`${req.id}\`` }],
    },
  ];
}

export function decisionButtons(requestId: string): unknown {
  return {
    type: "actions",
    // Unique per request: a view (the App Home) may hold several of these, and Slack refuses
    // duplicate block ids.
    block_id: `decision:${requestId}`,
    elements: [
      { type: "button", action_id: ACTIONS.approve, style: "primary", text: { type: "plain_text", text: "Approve" }, value: requestId },
      { type: "button", action_id: ACTIONS.reject, style: "danger", text: { type: "plain_text", text: "Reject" }, value: requestId },
    ],
  };
}

/** The DM asking an approver to decide. `escalatedFrom` is set on an escalation DM. */
export function approvalRequestMessage(req: RequestSummary, escalatedFrom?: string[]): MessageContent {
  const intro = escalatedFrom?.length
    ? [
        {
          type: "section",
          text: { type: "mrkdwn", text: `:rotating_light: Escalated to you: ${escalatedFrom.map(mention).join(", ")} did not decide in time.` },
        },
      ]
    : [];
  return {
    // The notification text: a display name reads better than a raw mention in a push notification.
    text: `${escalatedFrom?.length ? "Escalated: " : ""}approval requested by ${req.requesterName ? escapeText(req.requesterName) : mention(req.requester)}: ${truncate(escapeText(req.description), 200)}`,
    blocks: [...intro, ...requestSection(req), decisionButtons(req.id)],
  };
}

/** The first approver's DM after escalation: still decidable, says who else was asked. */
export function escalatedNoticeMessage(req: RequestSummary, escalatedTo: string[]): MessageContent {
  const to = escalatedTo.map(mention).join(", ");
  return {
    text: `Escalated to ${to}; you can still decide.`,
    blocks: [
      ...requestSection(req),
      { type: "context", elements: [{ type: "mrkdwn", text: `:hourglass: No decision in time, so this was escalated to ${to}. You can still decide.` }] },
      decisionButtons(req.id),
    ],
  };
}

/** A reminder, posted in the thread of the approver's request DM. */
export function reminderMessage(req: RequestSummary): MessageContent {
  const line = `:bell: Reminder: ${mention(req.requester)} is still waiting for your decision on \`${req.id}\`.`;
  return { text: line, blocks: [{ type: "section", text: { type: "mrkdwn", text: line } }] };
}

export type Outcome =
  | { status: "approved"; by: string; approvedBy?: string[]; at: string }
  | { status: "rejected"; by: string; at: string; reason?: string }
  | { status: "cancelled"; by: string; at: string }
  | { status: "expired"; at: string };

export type ActionView = { state: "running"; progress: number | null } | { state: "succeeded" | "failed" | "unconfirmed"; detail: string };

function actionLine(a: ActionView): string {
  switch (a.state) {
    case "running":
      return `:gear: Running the action…${a.progress === null ? "" : ` ${Math.round(a.progress)}%`}`;
    case "succeeded":
      return `:rocket: Action done${a.detail ? `: ${escapeText(a.detail)}` : ""}`;
    case "failed":
      return `:warning: Action failed: ${escapeText(a.detail)}`;
    case "unconfirmed":
      return `:grey_question: Action not confirmed: ${escapeText(a.detail)}`;
  }
}

function outcomeLine(outcome: Outcome): string {
  switch (outcome.status) {
    case "approved": {
      const by = outcome.approvedBy && outcome.approvedBy.length > 1 ? outcome.approvedBy.map(mention).join(", ") : mention(outcome.by);
      return `:white_check_mark: *Approved* by ${by} ${slackTime(outcome.at)}`;
    }
    case "rejected":
      return `:x: *Rejected* by ${mention(outcome.by)} ${slackTime(outcome.at)}${outcome.reason ? `\n>${truncate(escapeText(outcome.reason), 1500).replace(/\n/g, "\n>")}` : ""}`;
    case "cancelled":
      return `:leftwards_arrow_with_hook: *Cancelled* by ${mention(outcome.by)} ${slackTime(outcome.at)}`;
    case "expired":
      return `:hourglass_flowing_sand: *Expired* ${slackTime(outcome.at)}: nobody decided in time`;
  }
}

/** An approver's DM once the request is over: the buttons are replaced by the outcome (and the action's state). */
export function decidedMessage(req: RequestSummary, outcome: Outcome, action?: ActionView): MessageContent {
  const blocks = [...requestSection(req), { type: "section", text: { type: "mrkdwn", text: truncate(outcomeLine(outcome)) } }];
  if (action) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: truncate(actionLine(action)) }] } as never);
  return { text: truncate(outcomeLine(outcome).replace(/\*/g, "")), blocks };
}

/** A thread reply recording one change of the request (escalated, decided, action progress). */
export function historyReply(line: string): MessageContent {
  return { text: line, blocks: [{ type: "context", elements: [{ type: "mrkdwn", text: truncate(line) }] }] };
}

export function actionHistoryLine(a: ActionView): string {
  return actionLine(a);
}

/** The DM telling the requester how their request ended. */
export function requesterOutcomeMessage(req: RequestSummary, outcome: Outcome): MessageContent {
  const what = `your request \`${req.id}\` (${truncate(escapeText(req.description), 200)})`;
  let line: string;
  if (outcome.status === "expired") line = `:hourglass_flowing_sand: Nobody decided ${what} in time, so it expired.`;
  else if (outcome.status === "cancelled") line = `:leftwards_arrow_with_hook: You cancelled ${what}.`;
  else {
    line = `${outcome.status === "approved" ? ":white_check_mark:" : ":x:"} ${mention(outcome.by)} *${outcome.status}* ${what}.`;
    if (outcome.status === "rejected" && outcome.reason) line += `\nReason: ${escapeText(outcome.reason)}`;
  }
  return { text: line.replace(/\*/g, ""), blocks: [{ type: "section", text: { type: "mrkdwn", text: truncate(line) } }] };
}

/** The requester's receipt DM: who was asked, and a Cancel button while the request is pending. */
export function requesterReceiptMessage(req: RequestSummary, approvers: string[], outcome?: Outcome): MessageContent {
  const line = `:inbox_tray: Your request \`${req.id}\` (${truncate(escapeText(req.description), 200)}) is with ${approvers.map(mention).join(", ")}.`;
  const blocks: unknown[] = [{ type: "section", text: { type: "mrkdwn", text: truncate(line) } }];
  if (outcome) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: truncate(outcomeLine(outcome)) }] });
  else {
    blocks.push({
      type: "actions",
      block_id: "cancel",
      elements: [
        {
          type: "button",
          action_id: ACTIONS.cancel,
          text: { type: "plain_text", text: "Cancel request" },
          value: req.id,
          confirm: {
            title: { type: "plain_text", text: "Cancel this request?" },
            text: { type: "mrkdwn", text: "The approvers will see it was cancelled." },
            confirm: { type: "plain_text", text: "Cancel it" },
            deny: { type: "plain_text", text: "Keep it" },
          },
        },
      ],
    });
  }
  return { text: line, blocks };
}

/** The requester's DM when their request could not be processed. */
export function requesterFailureMessage(req: RequestSummary, error: string): MessageContent {
  const line = `:warning: Your request \`${req.id}\` could not be processed: ${escapeText(error)}`;
  return { text: line, blocks: [{ type: "section", text: { type: "mrkdwn", text: truncate(line) } }] };
}
