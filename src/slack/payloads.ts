import { z } from "zod";
import { channelId, userId } from "../core/ids";

/** A slash command, as Slack posts it (application/x-www-form-urlencoded). */
export const slashCommandSchema = z.object({
  command: z.string().startsWith("/"),
  text: z.string().max(4000).default(""),
  user_id: userId,
  user_name: z.string().optional(),
  channel_id: z.string().min(1),
  team_id: z.string().min(1),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
});
export type SlashCommand = z.infer<typeof slashCommandSchema>;

export const DESCRIPTION_MAX = 2000;

/** Action ids of our buttons (Block Kit action_id): approve and reject (approvers), cancel (requester). */
export const ACTIONS = { approve: "approval_approve", reject: "approval_reject", cancel: "approval_cancel" } as const;
/** Our action ids, and what each asks for. */
export const ACTION_OF = { [ACTIONS.approve]: "approve", [ACTIONS.reject]: "reject", [ACTIONS.cancel]: "cancel" } as const;
export const actionIdSchema = z.enum([ACTIONS.approve, ACTIONS.reject, ACTIONS.cancel]);
/** Callback ids of our modals. */
export const VIEWS = { newRequest: "approval_new", rejectReason: "approval_reject_reason" } as const;

const blockAction = z.object({
  action_id: z.string(),
  value: z.string().max(2000).optional(),
  action_ts: z.string().optional(),
});

/** An interactive message click (type block_actions). Other fields Slack sends are ignored. */
export const blockActionsSchema = z.object({
  type: z.literal("block_actions"),
  user: z.object({ id: userId, name: z.string().optional(), username: z.string().optional() }),
  team: z.object({ id: z.string() }).nullable().optional(),
  channel: z.object({ id: channelId }).optional(),
  container: z.object({ type: z.string(), channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
  actions: z.array(blockAction).min(1),
});
export type BlockActions = z.infer<typeof blockActionsSchema>;

/** One input's state in a submitted view: whichever of these its element type carries. */
const inputValue = z.object({
  type: z.string(),
  value: z.string().nullable().optional(),
  selected_user: z.string().nullable().optional(),
  selected_option: z.object({ value: z.string() }).nullable().optional(),
  selected_date: z.string().nullable().optional(),
});

const view = z.object({
  id: z.string().min(1).max(64),
  callback_id: z.string(),
  private_metadata: z.string().max(3000).optional(),
  state: z.object({ values: z.record(z.string(), z.record(z.string(), inputValue)) }).optional(),
});

/** A modal submitted (type view_submission). */
export const viewSubmissionSchema = z.object({
  type: z.literal("view_submission"),
  user: z.object({ id: userId }),
  view,
  trigger_id: z.string().optional(),
});
export type ViewSubmission = z.infer<typeof viewSubmissionSchema>;

const viewClosedSchema = z.object({ type: z.literal("view_closed"), user: z.object({ id: userId }), view });

/** Every interaction payload the route accepts. */
export const interactionSchema = z.discriminatedUnion("type", [blockActionsSchema, viewSubmissionSchema, viewClosedSchema]);
export type Interaction = z.infer<typeof interactionSchema>;

/** The value of input `blockId` in a submitted view (text, selected user/option or date). */
export function viewValue(v: ViewSubmission["view"], blockId: string): string | undefined {
  const input = Object.values(v.state?.values[blockId] ?? {})[0];
  const value = input?.value ?? input?.selected_user ?? input?.selected_option?.value ?? input?.selected_date ?? undefined;
  return value === null || value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** Events API bodies: the URL check when the app is set up, and event callbacks. */
export const eventsSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("url_verification"), challenge: z.string().min(1).max(200) }),
  z.object({
    type: z.literal("event_callback"),
    event_id: z.string().optional(),
    event: z.object({ type: z.string(), user: z.string().optional(), tab: z.string().optional() }).loose(),
  }),
]);
export type SlackEvents = z.infer<typeof eventsSchema>;

/** Turns a zod error into one short line for a 400 answer. */
export function describeZodError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "invalid payload";
  const path = first.path.length ? `${first.path.join(".")}: ` : "";
  return `${path}${first.message}`;
}
