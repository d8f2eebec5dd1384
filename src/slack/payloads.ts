import { z } from "zod";
import { userId } from "../core/ids";

/** A slash command, as Slack posts it (application/x-www-form-urlencoded). */
export const slashCommandSchema = z.object({
  command: z.string().startsWith("/"),
  // No cap of its own: Slack escapes & < > (a typed "&" arrives as "&amp;"), so the text Slack
  // sends can be several times what was typed; the body limit bounds it, and the description's
  // own limit (after decoding) answers the person with the usage instead of an error.
  text: z.string().default(""),
  user_id: userId,
  user_name: z.string().optional(),
  channel_id: z.string().min(1),
  team_id: z.string().min(1),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
});
export type SlashCommand = z.infer<typeof slashCommandSchema>;

export const DESCRIPTION_MAX = 2000;

/**
 * The name Slack sends with a person's request: a slash command's `user_name`, a submitted view's
 * `user.name` (`user.username` in some payloads). Deprecated by Slack in favour of the id, still
 * sent; it only names the requester in notification text (escaped as user text), so one that is
 * missing, blank or longer than a Slack display name (80) is simply not used.
 * @see https://api.slack.com/changelog/2017-09-the-one-about-usernames
 * @see https://github.com/slackapi/bolt-js/blob/main/src/types/command/index.ts (user_name)
 * @see https://github.com/slackapi/java-slack-sdk/blob/main/slack-app-backend/src/test/java/test_locally/app_backend/views/ViewSubmissionPayloadTest.java (user.name, user.username)
 */
export function senderName(...candidates: unknown[]): string | undefined {
  for (const c of candidates) {
    const name = typeof c === "string" ? c.trim() : "";
    if (name && name.length <= 80) return name;
  }
  return undefined;
}

/** Action ids of our buttons (Block Kit action_id): approve and reject (approvers), cancel (requester). */
export const ACTIONS = { approve: "approval_approve", reject: "approval_reject", cancel: "approval_cancel" } as const;
/** Our action ids, and what each asks for. */
export const ACTION_OF = { [ACTIONS.approve]: "approve", [ACTIONS.reject]: "reject", [ACTIONS.cancel]: "cancel" } as const;
export const actionIdSchema = z.enum([ACTIONS.approve, ACTIONS.reject, ACTIONS.cancel]);
/** Callback ids of our modals. */
export const VIEWS = { newRequest: "approval_new", rejectReason: "approval_reject_reason", delegate: "approval_delegate" } as const;
/** The App Home's delegation buttons: end mine, or open the modal to set one. */
export const DELEGATION_ACTIONS = { end: "approval_delegate_end", set: "approval_delegate_set" } as const;

/**
 * Interaction payloads are read liberally: each is an object with a `type`, and only the fields
 * the service uses are read, each optional where Slack leaves it out (a Home-tab or workflow-step
 * click has no response_url, a click may have no container, an org-wide install has `team: null`
 * and W… users, a submitted view may have `state: {}`). What a payload asks is decided in
 * interactions.ts; a type the service does not use is acked, never refused.
 * @see https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
 * @see https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload
 */
export const interactionSchema = z.object({ type: z.string() }).loose();
export type Interaction = z.infer<typeof interactionSchema>;

const user = z.object({ id: z.string() }).loose();

/** A click on a button or a menu (type block_actions), in a message, a modal or the App Home. */
export const blockActionsSchema = z.object({
  type: z.literal("block_actions"),
  user,
  container: z.object({ type: z.string().optional() }).loose().nullish(),
  /** The view clicked in (the App Home: type "home"), when the click was in one. */
  view: z.object({ id: z.string().optional(), type: z.string().optional() }).loose().nullish(),
  response_url: z.url().nullish(),
  trigger_id: z.string().nullish(),
  /** Set on clicks in a Workflow Builder custom step's message (no trigger_id, no response_url): see functions.ts. */
  function_data: z.unknown().optional(),
  /** The conversation clicked in, when the click was in a message. */
  channel: z.object({ id: z.string() }).loose().nullish(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(2000).nullish() }).loose()),
});
export type BlockActions = z.infer<typeof blockActionsSchema>;

/** One input's state in a submitted view: whichever of these its element type carries. */
const inputValue = z
  .object({
    value: z.unknown().optional(),
    selected_user: z.unknown().optional(),
    selected_option: z.object({ value: z.unknown().optional() }).loose().nullish(),
    selected_date: z.unknown().optional(),
    selected_users: z.unknown().optional(),
  })
  .loose();

const view = z
  .object({
    id: z.string().min(1).max(64),
    callback_id: z.string().nullish(),
    private_metadata: z.string().max(3000).nullish(),
    /** `{}` when the view has no inputs Slack reports (no `values`). */
    state: z
      .object({ values: z.record(z.string(), z.record(z.string(), inputValue)).optional() })
      .loose()
      .nullish(),
  })
  .loose();

/** A modal submitted (type view_submission). */
export const viewSubmissionSchema = z.object({ type: z.literal("view_submission"), user, view, trigger_id: z.string().nullish() });
export type ViewSubmission = z.infer<typeof viewSubmissionSchema>;

/** The value of input `blockId` in a submitted view (text, selected user/option or date), trimmed; blank is undefined. */
export function viewValue(v: ViewSubmission["view"], blockId: string): string | undefined {
  const input = Object.values(v.state?.values?.[blockId] ?? {})[0];
  const value = [input?.value, input?.selected_user, input?.selected_option?.value, input?.selected_date].find((x) => typeof x === "string");
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** Turns a zod error into one short line for a 400 answer. */
export function describeZodError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "invalid payload";
  const path = first.path.length ? `${first.path.join(".")}: ` : "";
  return `${path}${first.message}`;
}
