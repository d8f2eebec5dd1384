import type { ActionsBlock, Button, KnownBlock, SectionBlock } from "@slack/types";
import type { Fields, Source } from "../core/request-source";
import { plainUserText, type UserText } from "../core/user-text";
import type { MessageContent } from "./client";
import {
  actorText,
  approverMention,
  context,
  escapeText,
  fieldsText,
  foreignText,
  md,
  mention,
  plain,
  slackTime,
  sourceLink,
  sourceText,
  truncate,
  userText,
} from "./mrkdwn";
import { ACTIONS } from "./payloads";

/** The messages the workflows post and update: the approver's DM, its thread, the requester's DMs. */

export interface RequestSummary {
  id: string;
  /** The request type's title from the policy, e.g. "Production deploy". */
  title?: string;
  /** The Slack user who asked; none for a request a pipeline made over the API. */
  requester?: string | undefined;
  /** The requester's display name for notification text, when the lookup worked. */
  requesterName?: string | null;
  /** Who asks when it came from the API (a pipeline): name, link and label, shown as user text. */
  source?: Source | undefined;
  /** Named values shown with the request as Block Kit section fields (user text). */
  fields?: Fields | undefined;
  /** What needs approving, as user text (core/user-text.ts): shown only through `userText`. */
  description: UserText;
  createdAt: string;
}

/** The description in a one-line text (notifications, receipts, outcomes), shortened. */
const inLine = (req: RequestSummary, max = 200) => userText(req.description, "line", max);

/**
 * Who asks, as mrkdwn: the requester's mention, or the API source as text ("github-actions
 * (deploy #123)"), or both ("<@U…> via github-actions (deploy #123)").
 */
export function asker(req: Pick<RequestSummary, "requester" | "source">): string {
  const via = req.source ? sourceText(req.source) : "";
  if (req.requester) return via ? `${mention(req.requester)} via ${via}` : mention(req.requester);
  return via || "A pipeline";
}

/** Who asks for a notification's plain text: a display name reads better than a raw mention. */
const askerForNotification = (req: RequestSummary) =>
  req.requester && req.requesterName ? foreignText(req.requesterName) + (req.source ? ` via ${sourceText(req.source)}` : "") : asker(req);

/** The request's fields as a section of Block Kit fields (none when it has none). */
function fieldsSection(req: RequestSummary): SectionBlock[] {
  const fields = fieldsText(req.fields);
  return fields.length ? [{ type: "section", fields: fields.map((f) => md(f, true)) }] : [];
}

function requestSection(req: RequestSummary): KnownBlock[] {
  const what = req.title && req.title !== "Approval" ? ` (${escapeText(req.title)})` : "";
  const link = req.source ? sourceLink(req.source) : "";
  return [
    // verbatim: nothing in the requester's text is auto-linked or parsed as a mention.
    { type: "section", text: md(truncate(`*${asker(req)} asks for approval${what}:*\n${userText(req.description, "quote")}`), true) },
    ...fieldsSection(req),
    context(`Requested ${slackTime(req.createdAt)} · Request \`${req.id}\`${link ? ` · ${link}` : ""}`, Boolean(link)),
  ];
}

const button = (action_id: string, text: string, value: string, style?: "primary" | "danger"): Button => ({
  type: "button",
  action_id,
  text: plain(text),
  value,
  ...(style ? { style } : {}),
});

export function decisionButtons(requestId: string): ActionsBlock {
  return {
    type: "actions",
    // Unique per request: a view (the App Home) may hold several of these, and Slack refuses
    // duplicate block ids.
    block_id: `decision:${requestId}`,
    elements: [button(ACTIONS.approve, "Approve", requestId, "primary"), button(ACTIONS.reject, "Reject", requestId, "danger")],
  };
}

/**
 * The DM asking an approver to decide. `escalatedFrom` is set on an escalation DM; `note` says why
 * this person is asked when it is not by name (a user group's member, a delegate: approver-notes.ts).
 */
export function approvalRequestMessage(req: RequestSummary, escalatedFrom?: string[], note?: string): MessageContent {
  const intro: KnownBlock[] = escalatedFrom?.length
    ? [{ type: "section", text: md(`:rotating_light: Escalated to you: ${escalatedFrom.map(mention).join(", ")} did not decide in time.`) }]
    : [];
  if (note) intro.push(context(note));
  return {
    // The notification text: a display name reads better than a raw mention in a push notification.
    text: `${escalatedFrom?.length ? "Escalated: " : ""}approval requested by ${askerForNotification(req)}: ${inLine(req)}`,
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
      context(`:hourglass: No decision in time, so this was escalated to ${to}. You can still decide.`),
      decisionButtons(req.id),
    ],
  };
}

/** A reminder, posted in the thread of the approver's request DM. */
export function reminderMessage(req: RequestSummary): MessageContent {
  const line = `:bell: Reminder: ${asker(req)} is still waiting for your decision on \`${req.id}\`.`;
  return { text: line, blocks: [{ type: "section", text: md(line, true) }] };
}

export type Outcome =
  /** `for`: the approver a delegate decided for ("Bob, for Maria"). */
  | { status: "approved"; by: string; approvedBy?: string[]; at: string; for?: string }
  | { status: "rejected"; by: string; at: string; reason?: string; for?: string }
  /** `by`: the requester, or `api:<source name>` for a pipeline's cancel (with its reason). */
  | { status: "cancelled"; by: string; at: string; reason?: string }
  | { status: "expired"; at: string };

export type ActionView = { state: "running"; progress: number | null } | { state: "succeeded" | "failed" | "unconfirmed"; detail: string };

function actionLine(a: ActionView): string {
  switch (a.state) {
    case "running":
      return `:gear: Running the action…${a.progress === null ? "" : ` ${Math.round(a.progress)}%`}`;
    case "succeeded":
      return `:rocket: Action done${a.detail ? `: ${foreignText(a.detail, 1000)}` : ""}`;
    case "failed":
      return `:warning: Action failed: ${foreignText(a.detail, 1000)}`;
    case "unconfirmed":
      return `:grey_question: Action not confirmed: ${foreignText(a.detail, 1000)}`;
  }
}

/** The reject reason (typed in the modal): in a quote of its own, so it cannot lay out lines. */
const reasonQuote = (reason: string) => userText(plainUserText(reason), "quote", 1500);

/** Who decided: "@Bob, for @Maria" when a delegate decided. */
const decider = (o: { by: string; for?: string }) => `${mention(o.by)}${o.for ? `, for ${mention(o.for)}` : ""}`;

function outcomeLine(outcome: Outcome): string {
  switch (outcome.status) {
    case "approved": {
      const by = outcome.approvedBy && outcome.approvedBy.length > 1 ? outcome.approvedBy.map(mention).join(", ") : decider(outcome);
      return `:white_check_mark: *Approved* by ${by} ${slackTime(outcome.at)}`;
    }
    case "rejected":
      return `:x: *Rejected* by ${decider(outcome)} ${slackTime(outcome.at)}${outcome.reason ? `\n${reasonQuote(outcome.reason)}` : ""}`;
    case "cancelled":
      return `:leftwards_arrow_with_hook: *Cancelled* by ${actorText(outcome.by)} ${slackTime(outcome.at)}${outcome.reason ? `\n${reasonQuote(outcome.reason)}` : ""}`;
    case "expired":
      return `:hourglass_flowing_sand: *Expired* ${slackTime(outcome.at)}: nobody decided in time`;
  }
}

/** An approver's DM once the request is over: the buttons are replaced by the outcome (and the action's state). */
export function decidedMessage(req: RequestSummary, outcome: Outcome, action?: ActionView): MessageContent {
  const blocks: KnownBlock[] = [...requestSection(req), { type: "section", text: md(truncate(outcomeLine(outcome)), true) }];
  if (action) blocks.push(context(truncate(actionLine(action)), true));
  return { text: truncate(outcomeLine(outcome).replace(/\*/g, "")), blocks };
}

/** A thread reply recording one change of the request (escalated, decided, action progress). */
export function historyReply(line: string): MessageContent {
  return { text: line, blocks: [context(truncate(line), true)] };
}

export function actionHistoryLine(a: ActionView): string {
  return actionLine(a);
}

/** The DM telling the requester how their request ended (with the state of its action, when there is one to tell). */
export function requesterOutcomeMessage(req: RequestSummary, outcome: Outcome, action?: ActionView): MessageContent {
  const what = `your request \`${req.id}\` (${inLine(req)})`;
  let line: string;
  if (outcome.status === "expired") line = `:hourglass_flowing_sand: Nobody decided ${what} in time, so it expired.`;
  else if (outcome.status === "cancelled") {
    line =
      outcome.by === req.requester
        ? `:leftwards_arrow_with_hook: You cancelled ${what}.`
        : `:leftwards_arrow_with_hook: ${actorText(outcome.by)} cancelled ${what}.${outcome.reason ? `\nReason:\n${reasonQuote(outcome.reason)}` : ""}`;
  } else {
    line = `${outcome.status === "approved" ? ":white_check_mark:" : ":x:"} ${decider(outcome)} *${outcome.status}* ${what}.`;
    if (outcome.status === "rejected" && outcome.reason) line += `\nReason:\n${reasonQuote(outcome.reason)}`;
  }
  const blocks: KnownBlock[] = [{ type: "section", text: md(truncate(line), true) }];
  if (action) blocks.push(context(truncate(actionLine(action)), true));
  return { text: truncate((action ? `${line}\n${actionLine(action)}` : line).replace(/\*/g, "")), blocks };
}

/** The requester's receipt DM: who was asked, and a Cancel button while the request is pending. */
export function requesterReceiptMessage(req: RequestSummary, approvers: string[], outcome?: Outcome): MessageContent {
  const line = `:inbox_tray: Your request \`${req.id}\` (${inLine(req)}) is with ${approvers.map(approverMention).join(", ")}.`;
  const blocks: KnownBlock[] = [{ type: "section", text: md(truncate(line), true) }];
  if (outcome) blocks.push(context(truncate(outcomeLine(outcome)), true));
  else {
    blocks.push({
      type: "actions",
      block_id: "cancel",
      elements: [
        {
          ...button(ACTIONS.cancel, "Cancel request", req.id),
          confirm: {
            title: plain("Cancel this request?"),
            text: md("The approvers will see it was cancelled."),
            confirm: plain("Cancel it"),
            deny: plain("Keep it"),
          },
        },
      ],
    });
  }
  return { text: line, blocks };
}

/** The requester's DM when their request could not be processed. */
/** To the requester: level 1's approvers whose DM could not be posted (the others were asked). */
export function unreachableApproversMessage(req: RequestSummary, users: string[]): MessageContent {
  const line = `:warning: ${users.map(mention).join(", ")} could not be reached by DM about your request \`${req.id}\` (${inLine(req)}), so only the others were asked.`;
  return { text: truncate(line), blocks: [{ type: "section", text: md(truncate(line), true) }] };
}

export function requesterFailureMessage(req: RequestSummary, error: string): MessageContent {
  const line = `:warning: Your request \`${req.id}\` could not be processed: ${foreignText(error, 1000)}`;
  return { text: line, blocks: [{ type: "section", text: md(truncate(line), true) }] };
}
