import type { ListedRequest } from "../core/store";
import { decisionButtons } from "./blocks";
import { capBlocks, listLine, plain } from "./mrkdwn";
import { DESCRIPTION_MAX, VIEWS } from "./payloads";

/** Views: the modals the routes open, and the App Home tab. */

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
      {
        type: "input",
        block_id: "reason",
        label: plain("Reason"),
        element: { type: "plain_text_input", action_id: "reason", multiline: true, min_length: 3, max_length: 1000 },
      },
    ],
  };
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
