import type { ListedRequest, RequestRow } from "../core/store";
import { storedUserText } from "../core/user-text";
import { asker } from "./blocks";
import { actorText, approverMention, escapeText, fieldsLine, listLine, mention, STATUS_EMOJI, slackTime, sourceLink, truncate, userText } from "./mrkdwn";

/** The routes' ephemeral answers: the body of a slash command's response or of a response_url post. */

export function ephemeral(text: string): { response_type: "ephemeral"; text: string } {
  return { response_type: "ephemeral", text };
}

export const USAGE =
  "Ask for an approval with `/approval @approver what needs approving`, for example:\n" + "`/approval @maria Deploy billing-api v2.3 to production`";

/** The usage, listing the policy's request types when there are any. */
export function usage(types: { name: string; title: string }[]): string {
  if (types.length === 0) return USAGE;
  const list = types.map((t) => `\`${t.name}\` (${escapeText(t.title)})`).join(", ");
  return `${USAGE}\nOr with a request type: \`/approval <type> [@approver] what needs approving\`. Types: ${list}.`;
}

export function requestCreatedReply(id: string, approvers: string[], quorum = 1) {
  // A user group (S…) stands for its members, each of whom is asked.
  const who = approvers.map(approverMention).join(", ");
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

/** The clicker's seat has voted: the principal themselves, or a delegate for them. */
export function seatTakenReply(seat: string, by: string, decision: string, clicker: string) {
  const did = decision === "approve" ? "approved" : "rejected";
  if (by === clicker) return alreadyVotedReply(decision);
  return ephemeral(
    seat === clicker
      ? `${mention(by)} already ${did} this request for you.`
      : `${mention(by)} already ${did} this request for ${mention(seat)}: their vote counts once.`,
  );
}

/** A delegate whose delegation ended (or was replaced) after the request reached them. */
export function delegationEndedReply(principal: string) {
  return ephemeral(`:no_entry: ${mention(principal)}'s delegation to you has ended, so you can no longer decide for them.`);
}

export function ownRequestReply() {
  return ephemeral(":no_entry: You can't decide your own request.");
}

export function alreadyDecidedReply(status: string, by: string | null) {
  if (status === "expired") return ephemeral(":hourglass_flowing_sand: This request has already expired.");
  if (status === "failed") return ephemeral(":warning: This request failed and can no longer be decided.");
  return ephemeral(`This request has already been decided${by ? ` by ${actorText(by)}` : ""}.`);
}

export function unknownRequestReply() {
  return ephemeral(":grey_question: This request no longer exists.");
}

export function unsupportedButtonReply() {
  return ephemeral(":grey_question: This button is no longer supported. `/approval list` shows what waits for your decision.");
}

/** A Home-tab click that decided a request (in a DM the message itself shows the outcome). */
export function decidedByYouReply() {
  return ephemeral(":white_check_mark: Your approval decided this request; everyone involved is being told.");
}

/** A claimed decision whose workflow could not be told at once: it stands, and is applied shortly. */
export function decisionRecordedReply(decision: "approve" | "reject" | "cancel") {
  const what = { approve: "approval", reject: "rejection", cancel: "cancellation" }[decision];
  return ephemeral(`:hourglass_flowing_sand: Your ${what} is recorded and decides this request; the messages will show it within a few minutes.`);
}

export function tryAgainReply() {
  return ephemeral(":warning: Your click could not be recorded just now. Please try again.");
}

export function statusReply(
  r: Pick<
    RequestRow,
    | "id"
    | "type"
    | "status"
    | "requester"
    | "source"
    | "fields"
    | "approvers"
    | "description"
    | "description_rich"
    | "decided_by"
    | "created_at"
    | "action_status"
    | "action_progress"
  >,
) {
  const lines = [
    `${STATUS_EMOJI[r.status]} *\`${r.id}\`* (${escapeText(r.type)}) is *${r.status}*${r.decided_by ? ` (${actorText(r.decided_by)})` : ""}`,
    // The description in a quote of its own: its lines cannot pass for the status's.
    userText(storedUserText(r.description, r.description_rich), "quote", 500),
    ...(r.fields ? [fieldsLine(r.fields, 1000)] : []),
    `Requested by ${asker({ requester: r.requester ?? undefined, source: r.source ?? undefined })}${r.source?.url ? ` (${sourceLink(r.source)})` : ""} ${slackTime(r.created_at)}; approvers: ${r.approvers.map(mention).join(", ")}`,
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
