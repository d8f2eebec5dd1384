import type { HomeView, KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { DelegationRow, ListedRequest } from "../core/store";
import { decisionButtons } from "./blocks";
import { homeDelegationBlocks } from "./delegation-views";
import { capBlocks, context, fieldsLine, listLine, md, plain, slackTime } from "./mrkdwn";
import { DESCRIPTION_MAX, VIEWS } from "./payloads";

/** Views: the modals the routes open, and the App Home tab. Typed with @slack/types, so a malformed block fails the typecheck. */

/** A modal whose blocks are all blocks Slack knows. */
export type Modal = ModalView & { blocks: KnownBlock[] };
/** A Home tab whose blocks are all blocks Slack knows. */
export type Home = HomeView & { blocks: KnownBlock[] };

/** The new-request modal opened by `/approval` with no text. */
export function newRequestModal(types: { name: string; title: string }[]): Modal {
  const options: PlainTextOption[] = [{ name: "default", title: "General approval" }, ...types].map((t) => ({
    text: plain(t.title.slice(0, 75)),
    value: t.name,
  }));
  return {
    type: "modal",
    callback_id: VIEWS.newRequest,
    title: plain("Ask for approval"),
    submit: plain("Send"),
    close: plain("Cancel"),
    blocks: [
      { type: "input", block_id: "type", label: plain("Type"), element: { type: "static_select", action_id: "type", options, initial_option: options[0]! } },
      {
        type: "input",
        block_id: "approver",
        optional: true,
        label: plain("Approver"),
        hint: plain("Needed unless the type names its approvers"),
        element: { type: "users_select", action_id: "approver" },
      },
      {
        type: "input",
        block_id: "description",
        label: plain("What needs approving?"),
        element: { type: "plain_text_input", action_id: "description", multiline: true, max_length: DESCRIPTION_MAX },
      },
      { type: "input", block_id: "amount", optional: true, label: plain("Amount"), element: { type: "plain_text_input", action_id: "amount", max_length: 20 } },
      { type: "input", block_id: "due", optional: true, label: plain("Needed by"), element: { type: "datepicker", action_id: "due" } },
    ],
  };
}

/** The modal a Reject click opens: the reason is required. */
export function rejectReasonModal(requestId: string): Modal {
  return {
    type: "modal",
    callback_id: VIEWS.rejectReason,
    private_metadata: requestId,
    title: plain("Reject request"),
    submit: plain("Reject"),
    close: plain("Back"),
    blocks: [
      { type: "section", text: md(`Why are you rejecting \`${requestId}\`? The requester will see your reason.`) },
      {
        type: "input",
        block_id: "reason",
        label: plain("Reason"),
        element: { type: "plain_text_input", action_id: "reason", multiline: true, min_length: 3, max_length: 1000 },
      },
    ],
  };
}

/** The answer to a user's last click in their App Home (mrkdwn), and when they clicked. */
export interface HomeNotice {
  text: string;
  at: string;
}

/**
 * The App Home tab: requests waiting for this user (with buttons) and the user's own requests.
 * `notice`: the answer to the user's last click in this tab (a Home click has no response_url),
 * shown at the top.
 */
export function homeView(
  waiting: ListedRequest[],
  mine: ListedRequest[],
  notice?: HomeNotice,
  delegation?: { mine: DelegationRow | null; covering: DelegationRow[] },
): Home {
  const blocks: KnownBlock[] = [];
  if (notice) {
    blocks.push({ type: "section", block_id: "notice", text: md(notice.text, true) }, context(`Your last click here, ${slackTime(notice.at)}`), {
      type: "divider",
    });
  }
  blocks.push({ type: "header", text: plain(`Waiting for you (${waiting.length})`) });
  if (waiting.length === 0) blocks.push(context("Nothing waits for your decision."));
  for (const r of waiting) {
    blocks.push({ type: "section", text: md(listLine(r, true), true) });
    if (r.fields) blocks.push(context(fieldsLine(r.fields, 2900), true));
    blocks.push(decisionButtons(r.id));
  }
  blocks.push({ type: "divider" }, { type: "header", text: plain("Your requests") });
  if (mine.length === 0) blocks.push(context("You have not asked for anything yet. Try `/approval`."));
  for (const r of mine) blocks.push({ type: "section", text: md(listLine(r, false), true) });
  // The delegation goes before the lists when it is set (capBlocks keeps the first 50 blocks).
  if (delegation) blocks.splice(notice ? 3 : 0, 0, ...homeDelegationBlocks(delegation), { type: "divider" });
  return { type: "home", blocks: capBlocks(blocks) };
}
