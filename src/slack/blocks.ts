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
export function approvalRequestMessage(req: RequestSummary, escalatedFrom?: string[]): MessageContent {
  const intro = escalatedFrom?.length
    ? [{ type: "section", text: { type: "mrkdwn", text: `:rotating_light: Escalated to you: ${escalatedFrom.map(mention).join(", ")} did not decide in time.` } }]
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
  | { status: "rejected"; by: string; at: string }
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
      return `:x: *Rejected* by ${mention(outcome.by)} ${slackTime(outcome.at)}`;
    case "expired":
      return `:hourglass_flowing_sand: *Expired* ${slackTime(outcome.at)}: nobody decided in time`;
  }
}

/** An approver's DM once the request is over: the buttons are replaced by the outcome (and the action's state). */
export function decidedMessage(req: RequestSummary, outcome: Outcome, action?: ActionView): MessageContent {
  const blocks = [...requestSection(req), { type: "section", text: { type: "mrkdwn", text: outcomeLine(outcome) } }];
  if (action) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: actionLine(action) }] } as never);
  return { text: outcomeLine(outcome).replace(/\*/g, ""), blocks };
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

/** The usage, listing the policy's request types when there are any. */
export function usage(types: { name: string; title: string }[]): string {
  if (types.length === 0) return USAGE;
  const list = types.map((t) => `\`${t.name}\` (${escapeText(t.title)})`).join(", ");
  return `${USAGE}\nOr with a request type: \`/approval <type> [@approver] what needs approving\`. Types: ${list}.`;
}

export function requestCreatedReply(id: string, approvers: string[], quorum = 1) {
  const who = approvers.map(mention).join(", ");
  const need = quorum > 1 ? ` (${quorum} approvals needed)` : "";
  return ephemeral(`:inbox_tray: Request \`${id}\` sent to ${who}${need}. You'll get a DM when it is decided.`);
}

export function notYourDecisionReply() {
  return ephemeral(":no_entry: You can't decide this request: you are not one of its approvers.");
}

export function voteRecordedReply(approvals: number, quorum: number) {
  return ephemeral(`:ballot_box_with_ballot: Your approval is recorded: ${approvals} of ${quorum} needed.`);
}

export function alreadyVotedReply(decision: string) {
  return ephemeral(`You already voted (${decision === "approve" ? "approve" : "reject"}) on this request; waiting for the other approvers.`);
}

export function ownRequestReply() {
  return ephemeral(":no_entry: You can't decide your own request.");
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
