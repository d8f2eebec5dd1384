import type { KnownBlock } from "@slack/types";
import type { DelegationRow } from "../core/store";
import { context, md, mention, plain } from "./mrkdwn";
import { DELEGATION_ACTIONS, VIEWS } from "./payloads";
import { ephemeral } from "./replies";
import type { Modal } from "./views";

/** Delegation in Slack: the command's answers, the App Home's section, the modal that sets one. */

const lastDay = (until: string) => new Date(Date.parse(until) - 1).toISOString().slice(0, 10);

export const DELEGATE_USAGE =
  "Delegate your approvals while you are away: `/approval delegate @bob until 2026-12-24` (through that day, UTC); `/approval delegate off` ends it; `/approval delegate` shows it.";

export function delegationSetReply(d: DelegationRow, replaced: DelegationRow | null, waiting: number) {
  const lines = [
    `:handshake: From now on, requests that would go to you also go to ${mention(d.delegate)}, who can decide them, until ${lastDay(d.until)} (UTC).`,
    replaced ? `It replaces your delegation to ${mention(replaced.delegate)}.` : "",
    waiting
      ? `${waiting} request${waiting === 1 ? "" : "s"} already waiting for you stay${waiting === 1 ? "s" : ""} with you (delegations apply to levels that start from now on).`
      : "",
    "`/approval delegate off` ends it.",
  ];
  return ephemeral(lines.filter(Boolean).join("\n"));
}

export function delegationEndedByYouReply(d: DelegationRow | null) {
  return ephemeral(
    d ? `:white_check_mark: Your delegation to ${mention(d.delegate)} has ended: requests come to you alone again.` : "You have no delegation to end.",
  );
}

export function delegationStateReply(state: { mine: DelegationRow | null; covering: DelegationRow[] }) {
  const lines = [
    state.mine
      ? `:handshake: Requests for you also go to ${mention(state.mine.delegate)} until ${lastDay(state.mine.until)} (UTC).`
      : "You have no delegation.",
    ...state.covering.map((d) => `You decide for ${mention(d.principal)} until ${lastDay(d.until)} (UTC).`),
    DELEGATE_USAGE,
  ];
  return ephemeral(lines.join("\n"));
}

/** The App Home's delegation section: mine (with End), whom I stand in for, and Set. */
export function homeDelegationBlocks(state: { mine: DelegationRow | null; covering: DelegationRow[] }): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: "header", text: plain("Delegation") }];
  if (state.mine) {
    blocks.push({
      type: "section",
      block_id: "delegation",
      text: md(`:handshake: Requests for you also go to ${mention(state.mine.delegate)} until ${lastDay(state.mine.until)} (UTC).`),
      accessory: { type: "button", action_id: DELEGATION_ACTIONS.end, text: plain("End delegation"), value: state.mine.id, style: "danger" },
    });
  } else {
    blocks.push({
      type: "section",
      block_id: "delegation",
      text: md("While you are away, someone else can decide the requests that come to you."),
      accessory: { type: "button", action_id: DELEGATION_ACTIONS.set, text: plain("Set a delegation"), value: "set" },
    });
  }
  for (const d of state.covering) blocks.push(context(`You decide for ${mention(d.principal)} until ${lastDay(d.until)} (UTC).`));
  return blocks;
}

/** The modal the App Home's "Set a delegation" opens. */
export function delegationModal(): Modal {
  return {
    type: "modal",
    callback_id: VIEWS.delegate,
    title: plain("Delegate approvals"),
    submit: plain("Delegate"),
    close: plain("Cancel"),
    blocks: [
      { type: "section", text: md("Requests that would go to you also go to this person, who can decide them, through the last day (UTC).") },
      { type: "input", block_id: "delegate", label: plain("Who decides for you"), element: { type: "users_select", action_id: "delegate" } },
      { type: "input", block_id: "until", label: plain("Last day"), element: { type: "datepicker", action_id: "until" } },
    ],
  };
}
