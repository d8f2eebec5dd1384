import type { MessageContent } from "./client";

/** Slack's Block Kit limits (section text 3000 chars; we keep a margin). */
const SECTION_TEXT_MAX = 2900;

/**
 * Escapes user text for mrkdwn: Slack treats <...> as links and mentions, so a description such
 * as "<!channel>" must not notify anyone. Slack's own rule: escape &, < and >.
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function truncate(text: string, max = SECTION_TEXT_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const mention = (user: string) => `<@${user}>`;

/** A time shown in each reader's own time zone, with a UTC fallback for old clients. */
export function slackTime(iso: string): string {
  const unix = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${unix}^{date_short_pretty} at {time}|${iso.replace("T", " ").slice(0, 16)} UTC>`;
}

export interface RequestSummary {
  id: string;
  requester: string;
  description: string;
  createdAt: string;
}

function requestSection(req: RequestSummary): unknown[] {
  return [
    {
      type: "section",
      text: { type: "mrkdwn", text: truncate(`*${mention(req.requester)} asks for approval:*\n>${escapeText(req.description).replace(/\n/g, "\n>")}`) },
    },
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: `Requested ${slackTime(req.createdAt)} · Request \`${req.id}\`` }],
    },
  ];
}

/** Action ids of the decision buttons; the button value carries only the request id. */
export const APPROVE_ACTION = "approval_approve";
export const REJECT_ACTION = "approval_reject";

function decisionButtons(requestId: string): unknown {
  return {
    type: "actions",
    block_id: "decision",
    elements: [
      { type: "button", action_id: APPROVE_ACTION, style: "primary", text: { type: "plain_text", text: "Approve" }, value: requestId },
      { type: "button", action_id: REJECT_ACTION, style: "danger", text: { type: "plain_text", text: "Reject" }, value: requestId },
    ],
  };
}

/** The DM asking an approver to decide. `escalatedFrom` is set on an escalation DM. */
export function approvalRequestMessage(req: RequestSummary, escalatedFrom?: string): MessageContent {
  const intro = escalatedFrom
    ? [{ type: "section", text: { type: "mrkdwn", text: `:rotating_light: Escalated to you: ${mention(escalatedFrom)} did not decide in time.` } }]
    : [];
  return {
    text: `${escalatedFrom ? "Escalated: " : ""}approval requested by ${mention(req.requester)}: ${truncate(escapeText(req.description), 200)}`,
    blocks: [...intro, ...requestSection(req), decisionButtons(req.id)],
  };
}

/** The first approver's DM after escalation: still decidable, says who else was asked. */
export function escalatedNoticeMessage(req: RequestSummary, escalatedTo: string): MessageContent {
  return {
    text: `Escalated to ${mention(escalatedTo)}; you can still decide.`,
    blocks: [
      ...requestSection(req),
      { type: "context", elements: [{ type: "mrkdwn", text: `:hourglass: No decision in time, so this was escalated to ${mention(escalatedTo)}. You can still decide.` }] },
      decisionButtons(req.id),
    ],
  };
}

export type Outcome = { status: "approved" | "rejected"; by: string; at: string } | { status: "expired"; at: string };

function outcomeLine(outcome: Outcome): string {
  switch (outcome.status) {
    case "approved":
      return `:white_check_mark: *Approved* by ${mention(outcome.by)} ${slackTime(outcome.at)}`;
    case "rejected":
      return `:x: *Rejected* by ${mention(outcome.by)} ${slackTime(outcome.at)}`;
    case "expired":
      return `:hourglass_flowing_sand: *Expired* ${slackTime(outcome.at)}: nobody decided in time`;
  }
}

/** An approver's DM once the request is over: the buttons are replaced by the outcome. */
export function decidedMessage(req: RequestSummary, outcome: Outcome): MessageContent {
  return {
    text: outcomeLine(outcome).replace(/\*/g, ""),
    blocks: [...requestSection(req), { type: "section", text: { type: "mrkdwn", text: outcomeLine(outcome) } }],
  };
}

/** The DM telling the requester how their request ended. */
export function requesterOutcomeMessage(req: RequestSummary, outcome: Outcome): MessageContent {
  const what = `your request \`${req.id}\` (${truncate(escapeText(req.description), 200)})`;
  const line =
    outcome.status === "expired"
      ? `:hourglass_flowing_sand: Nobody decided ${what} in time, so it expired.`
      : `${outcome.status === "approved" ? ":white_check_mark:" : ":x:"} ${mention(outcome.by)} *${outcome.status}* ${what}.`;
  return { text: line.replace(/\*/g, ""), blocks: [{ type: "section", text: { type: "mrkdwn", text: truncate(line) } }] };
}

/** The requester's DM when their request could not be processed. */
export function requesterFailureMessage(req: RequestSummary, error: string): MessageContent {
  const line = `:warning: Your request \`${req.id}\` could not be processed: ${escapeText(error)}`;
  return { text: line, blocks: [{ type: "section", text: { type: "mrkdwn", text: truncate(line) } }] };
}

// ---- Ephemeral answers of the routes (the body of a slash command response or a response_url post)

export function ephemeral(text: string): { response_type: "ephemeral"; text: string } {
  return { response_type: "ephemeral", text };
}

export const USAGE =
  "Ask for an approval with `/approval @approver what needs approving`, for example:\n" +
  "`/approval @maria Deploy billing-api v2.3 to production`";

export function requestCreatedReply(id: string, approver: string) {
  return ephemeral(`:inbox_tray: Request \`${id}\` sent to ${mention(approver)}. You'll get a DM when it is decided.`);
}

export function notYourDecisionReply() {
  return ephemeral(":no_entry: You can't decide this request: you are not one of its approvers.");
}

export function alreadyDecidedReply(status: string, by: string | null) {
  if (status === "expired") return ephemeral(":hourglass_flowing_sand: This request has already expired.");
  if (status === "failed") return ephemeral(":warning: This request failed and can no longer be decided.");
  return ephemeral(`This request has already been decided${by ? ` by ${mention(by)}` : ""}.`);
}

export function unknownRequestReply() {
  return ephemeral(":grey_question: This request no longer exists.");
}

export function tryAgainReply() {
  return ephemeral(":warning: Your click could not be recorded just now. Please try again.");
}
