import { approverMention, mention } from "./mrkdwn";

/**
 * Why a person is asked when it is not by name: a member of a user group, a delegate ("Bob, for
 * Maria"), or everyone in an approvals channel. One context line in the request's message.
 */

/** A user group's member's DM. */
export const groupMemberNote = (groups: string[]) => `:busts_in_silhouette: You are asked as a member of ${groups.map(approverMention).join(", ")}.`;

/** A delegate's DM: whom they decide for, and until when the delegation holds. */
export const delegateNote = (principals: { principal: string; lastDay: string }[]) =>
  `:handshake: You decide for ${principals.map((p) => `${mention(p.principal)} (delegated to you until ${p.lastDay})`).join(", ")}.`;

/** The approvals channel's post: who may decide there (anyone else's click is refused). */
export function channelNote(who: string[], quorum: number, delegates: { delegate: string; principal: string }[]): string {
  const also = delegates.map((d) => `${mention(d.delegate)} for ${mention(d.principal)}`);
  const need = quorum > 1 ? ` (${quorum} approvals needed)` : "";
  return `:ballot_box_with_ballot: Who can decide here: ${[...who.map(approverMention), ...also].join(", ")}${need}. Only they can use the buttons.`;
}
