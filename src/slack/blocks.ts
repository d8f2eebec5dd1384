import type { ListedRequest, RequestRow, RequestStatus } from "../core/store";
import type { MessageContent } from "./client";
import { ACTIONS, DESCRIPTION_MAX, VIEWS } from "./payloads";

/** Slack's Block Kit limits: section text 3000 chars (we keep a margin), 50 blocks per message or view. */
const SECTION_TEXT_MAX = 2900;
const MAX_BLOCKS = 50;

/** Keeps a block list within Slack's 50, saying how many were left out. */
export function capBlocks(blocks: unknown[]): unknown[] {
  if (blocks.length <= MAX_BLOCKS) return blocks;
  const kept = blocks.slice(0, MAX_BLOCKS - 1);
  return [...kept, { type: "context", elements: [{ type: "mrkdwn", text: `…and ${blocks.length - kept.length} more` }] }];
}

/**
 * Escapes user text for mrkdwn: Slack treats <...> as links and mentions, so a description such
 * as "<!channel>" must not notify anyone. Slack's own rule: escape &, < and >.
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Shortens mrkdwn to `max` characters without cutting an escape (&amp; &lt; &gt;) in half. */
function truncate(text: string, max = SECTION_TEXT_MAX): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const amp = cut.lastIndexOf("&");
  if (amp > cut.length - 5 && !cut.slice(amp).includes(";")) cut = cut.slice(0, amp);
  return `${cut}…`;
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


function decisionButtons(requestId: string): unknown {
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
  return ephemeral(`You already ${decision === "approve" ? "approved" : "rejected"} this request.`);
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

// ---- Modals

const plain = (text: string) => ({ type: "plain_text", text });

/** The new-request modal opened by `/approval` with no text. */
export function newRequestModal(types: { name: string; title: string }[]): Record<string, unknown> {
  const options = [{ name: "default", title: "General approval" }, ...types].map((t) => ({ text: plain(t.title.slice(0, 75)), value: t.name }));
  return {
    type: "modal",
    callback_id: VIEWS.newRequest,
    title: plain("Ask for approval"),
    submit: plain("Send"),
    close: plain("Cancel"),
    blocks: [
      { type: "input", block_id: "type", label: plain("Type"), element: { type: "static_select", action_id: "type", options, initial_option: options[0] } },
      { type: "input", block_id: "approver", optional: true, label: plain("Approver"), hint: plain("Needed unless the type names its approvers"), element: { type: "users_select", action_id: "approver" } },
      { type: "input", block_id: "description", label: plain("What needs approving?"), element: { type: "plain_text_input", action_id: "description", multiline: true, max_length: DESCRIPTION_MAX } },
      { type: "input", block_id: "amount", optional: true, label: plain("Amount"), element: { type: "plain_text_input", action_id: "amount", max_length: 20 } },
      { type: "input", block_id: "due", optional: true, label: plain("Needed by"), element: { type: "datepicker", action_id: "due" } },
    ],
  };
}

/** The modal a Reject click opens: the reason is required. */
export function rejectReasonModal(requestId: string): Record<string, unknown> {
  return {
    type: "modal",
    callback_id: VIEWS.rejectReason,
    private_metadata: requestId,
    title: plain("Reject request"),
    submit: plain("Reject"),
    close: plain("Back"),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `Why are you rejecting \`${requestId}\`? The requester will see your reason.` } },
      { type: "input", block_id: "reason", label: plain("Reason"), element: { type: "plain_text_input", action_id: "reason", multiline: true, min_length: 3, max_length: 1000 } },
    ],
  };
}

// ---- Status, lists and App Home

const STATUS_EMOJI: Record<RequestStatus, string> = {
  pending: ":hourglass:",
  approved: ":white_check_mark:",
  rejected: ":x:",
  expired: ":hourglass_flowing_sand:",
  cancelled: ":leftwards_arrow_with_hook:",
  failed: ":warning:",
};

function listLine(r: ListedRequest, withRequester: boolean): string {
  const who = withRequester ? ` from ${mention(r.requester)}` : "";
  return `${STATUS_EMOJI[r.status]} \`${r.id}\` ${r.status}${who}: ${truncate(escapeText(r.description), 150)}`;
}

export function statusReply(
  r: Pick<RequestRow, "id" | "type" | "status" | "requester" | "approvers" | "description" | "decided_by" | "created_at" | "action_status" | "action_progress">,
) {
  const lines = [
    `${STATUS_EMOJI[r.status]} *\`${r.id}\`* (${escapeText(r.type)}) is *${r.status}*${r.decided_by ? ` (${mention(r.decided_by)})` : ""}`,
    `>${truncate(escapeText(r.description), 500)}`,
    `Requested by ${mention(r.requester)} ${slackTime(r.created_at)}; approvers: ${r.approvers.map(mention).join(", ")}`,
  ];
  if (r.action_status) lines.push(`Action: ${r.action_status}${r.action_progress !== null ? ` (${r.action_progress}%)` : ""}`);
  return ephemeral(lines.join("\n"));
}

export function listReply(waiting: ListedRequest[], mine: ListedRequest[]) {
  const parts = [
    `*Waiting for your decision* (${waiting.length}):`,
    ...(waiting.length ? waiting.map((r) => listLine(r, true)) : ["nothing"]),
    "",
    `*Your open requests* (${mine.length}):`,
    ...(mine.length ? mine.map((r) => listLine(r, false)) : ["nothing"]),
  ];
  return ephemeral(truncate(parts.join("\n"), 3900));
}

/** The App Home tab: requests waiting for this user (with buttons) and the user's own requests. */
export function homeView(waiting: ListedRequest[], mine: ListedRequest[]): Record<string, unknown> {
  const blocks: unknown[] = [{ type: "header", text: plain(`Waiting for you (${waiting.length})`) }];
  if (waiting.length === 0) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: "Nothing waits for your decision." }] });
  for (const r of waiting) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: listLine(r, true) } }, decisionButtons(r.id));
  }
  blocks.push({ type: "divider" }, { type: "header", text: plain("Your requests") });
  if (mine.length === 0) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: "You have not asked for anything yet. Try `/approval`." }] });
  for (const r of mine) blocks.push({ type: "section", text: { type: "mrkdwn", text: listLine(r, false) } });
  return { type: "home", blocks: capBlocks(blocks) };
}
