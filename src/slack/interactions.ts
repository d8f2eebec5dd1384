import { z } from "zod";
import { channelId, requestId, SLACK_USER_ID } from "../core/ids";
import { type FunctionContext, functionContext } from "./functions";
import {
  ACTION_OF,
  actionIdSchema,
  blockActionsSchema,
  DELEGATION_ACTIONS,
  DESCRIPTION_MAX,
  describeZodError,
  type Interaction,
  senderName,
  VIEWS,
  viewSubmissionSchema,
  viewValue,
} from "./payloads";

/**
 * What each interaction payload asks the service to do, decided once at the edge
 * (slack/validators.ts), so a route is a switch over typed cases. Nothing Slack may send is
 * refused (Slack shows the person an error for a non-2xx answer): a payload that is not one of
 * ours (an old button after an upgrade, a view, a shortcut, an options request, a legacy
 * attachment button, a workflow step's click) is acked and logged, and an outdated button of ours
 * is answered "no longer supported".
 */

/** Field errors of a modal, as Slack shows them next to each input (`response_action: "errors"`). */
export type FieldErrors = Record<string, string>;
type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/**
 * Where an answer to the person who clicked can go: the click's response_url (a message), their
 * App Home (a Home-tab click has no response_url: the Home is republished with the answer), or
 * nowhere (a click in a modal or a workflow step).
 * @see https://github.com/slackapi/bolt-js/blob/9a45c3c/src/App.ts (respond() only when there is a response_url)
 */
export type ReplyTarget =
  | { via: "response_url"; url: string }
  | { via: "home"; user: string }
  /** A click in a message that has no response_url (a Workflow Builder step's message): chat.postEphemeral there. */
  | { via: "ephemeral"; channel: string; user: string }
  | { via: "none" };

export type ClassifiedInteraction =
  | {
      kind: "click";
      action: "approve" | "reject" | "cancel";
      requestId: string;
      user: string;
      reply: ReplyTarget;
      triggerId: string | undefined;
      /** Set when the click came through our Workflow Builder step's message (a newer workflow token). */
      fn?: FunctionContext;
    }
  /** The App Home's delegation buttons. */
  | { kind: "delegation_click"; action: "end" | "set"; user: string; reply: ReplyTarget; triggerId: string | undefined }
  /** The delegation modal submitted. */
  | { kind: "delegation_submit"; user: string; values: Checked<{ delegate: string; until: string }> }
  /** A button the service no longer knows (or an outdated one of ours): the person is told. */
  | { kind: "unsupported_click"; actionId: string; user: string; reply: ReplyTarget }
  | { kind: "reject_reason"; requestId: string; user: string; reason: Checked<{ reason: string }>; fn?: FunctionContext }
  /** `userName`: the submitter's name as Slack sent it (payloads.ts `senderName`), when it did. */
  | { kind: "new_request"; user: string; userName?: string; viewId: string; request: Checked<NewRequestValues> }
  /** block_suggestion: the options of an external select (none of ours has any). */
  | { kind: "options"; actionId: string | null }
  /** Acked (200, empty: a submitted view closes) and logged. */
  | { kind: "ignored"; type: string; detail: string };

export function classifyInteraction(payload: Interaction): ClassifiedInteraction {
  switch (payload.type) {
    case "block_actions":
      return classifyClick(payload);
    case "view_submission":
      return classifySubmission(payload);
    case "block_suggestion": {
      const actionId = typeof payload.action_id === "string" ? payload.action_id : null;
      return { kind: "options", actionId };
    }
    default:
      // view_closed, shortcut, message_action, interactive_message, and whatever Slack adds.
      return { kind: "ignored", type: payload.type, detail: detailOf(payload) };
  }
}

/** A short description of a payload for the log: its ids, never its texts. */
function detailOf(payload: Interaction): string {
  const p = payload as Record<string, unknown>;
  const view = p.view as { callback_id?: unknown } | undefined;
  const id =
    p.callback_id ??
    view?.callback_id ??
    p.action_id ??
    (Array.isArray(p.actions)
      ? ((p.actions[0] as { action_id?: unknown; name?: unknown })?.action_id ?? (p.actions[0] as { name?: unknown })?.name)
      : undefined);
  return typeof id === "string" ? id.slice(0, 100) : "";
}

function classifyClick(payload: Interaction): ClassifiedInteraction {
  const parsed = blockActionsSchema.safeParse(payload);
  if (!parsed.success) return { kind: "ignored", type: payload.type, detail: `unread: ${describeZodError(parsed.error)}` };
  const p = parsed.data;
  const action = p.actions[0];
  if (!action) return { kind: "ignored", type: p.type, detail: "no action" };
  // A workflow step's click (function_data, no trigger_id or response_url): ours only for our step.
  // Read from the payload as Slack sent it (the schema above keeps only what clicks share).
  const fn = functionContext(payload);
  if (fn === "foreign") return { kind: "ignored", type: p.type, detail: `workflow step ${action.action_id}` };
  if (!SLACK_USER_ID.test(p.user.id)) return { kind: "ignored", type: p.type, detail: `not a user: ${action.action_id}` };
  const user = p.user.id;
  const channel = channelId.safeParse(p.channel?.id);
  // A Home-tab click: container {type: "view"} and the home view; no channel, no response_url.
  const reply: ReplyTarget = p.response_url
    ? { via: "response_url", url: p.response_url }
    : p.view?.type === "home"
      ? { via: "home", user }
      : channel.success
        ? { via: "ephemeral", channel: channel.data, user }
        : { via: "none" };
  const triggerId = p.trigger_id ?? fn?.pointer ?? undefined;
  if (action.action_id === DELEGATION_ACTIONS.end || action.action_id === DELEGATION_ACTIONS.set) {
    return { kind: "delegation_click", action: action.action_id === DELEGATION_ACTIONS.end ? "end" : "set", user, reply, triggerId };
  }
  const id = actionIdSchema.safeParse(action.action_id);
  // The button's value names the request; nothing else in it is trusted. D1 says who may act.
  const request = requestId.safeParse(action.value);
  if (!id.success || !request.success) return { kind: "unsupported_click", actionId: action.action_id, user, reply };
  return { kind: "click", action: ACTION_OF[id.data], requestId: request.data, user, reply, triggerId, ...(fn ? { fn } : {}) };
}

function classifySubmission(payload: Interaction): ClassifiedInteraction {
  const parsed = viewSubmissionSchema.safeParse(payload);
  if (!parsed.success) return { kind: "ignored", type: payload.type, detail: `unread: ${describeZodError(parsed.error)}` };
  const v = parsed.data.view;
  const user = parsed.data.user.id;
  const ours = v.callback_id === VIEWS.rejectReason || v.callback_id === VIEWS.newRequest || v.callback_id === VIEWS.delegate;
  if (!ours || !SLACK_USER_ID.test(user)) return { kind: "ignored", type: payload.type, detail: `view ${v.callback_id ?? ""}`.trim() };
  if (v.callback_id === VIEWS.rejectReason) {
    const id = requestId.safeParse(v.private_metadata);
    if (!id.success) return { kind: "ignored", type: payload.type, detail: "reject reason without a request id" };
    const fn = functionContext(payload);
    return {
      kind: "reject_reason",
      requestId: id.data,
      user,
      reason: checked(rejectReason, { reason: viewValue(v, "reason") }),
      ...(fn && fn !== "foreign" ? { fn } : {}),
    };
  }
  if (v.callback_id === VIEWS.delegate) {
    return { kind: "delegation_submit", user, values: checked(delegationValues, { delegate: viewValue(v, "delegate"), until: viewValue(v, "until") }) };
  }
  const values = {
    type: viewValue(v, "type"),
    approver: viewValue(v, "approver"),
    description: viewValue(v, "description"),
    amount: viewValue(v, "amount"),
    due: viewValue(v, "due"),
  };
  const sender = parsed.data.user as { name?: unknown; username?: unknown };
  const userName = senderName(sender.name, sender.username);
  return { kind: "new_request", user, ...(userName ? { userName } : {}), viewId: v.id, request: checked(newRequestValues, values) };
}

/** The reject modal's reason: required, with the modal's own limits checked again here. */
const rejectReason = z.object({
  reason: z
    .string({ error: "Please say why (at least 3 characters)." })
    .min(3, "Please say why (at least 3 characters).")
    .max(1000, "At most 1000 characters."),
});

/** The delegation modal's values: whom, and until which day (the rules are checked by core/delegation.ts). */
const delegationValues = z.object({
  delegate: z.string({ error: "Pick who decides for you." }).regex(SLACK_USER_ID, "Pick a person."),
  until: z.string({ error: "Pick the last day." }).regex(/^\d{4}-\d{2}-\d{2}$/, "Pick a date."),
});

/** Today's date in UTC, the earliest a "needed by" date may be. */
const today = () => new Date().toISOString().slice(0, 10);

/** The new-request modal's values (blank inputs arrive as undefined); each message is shown next to its input. */
export const newRequestValues = z.object({
  type: z.string().optional(),
  approver: z.string().regex(SLACK_USER_ID, "Pick a person.").optional(),
  description: z.string({ error: "Say what needs approving." }).max(DESCRIPTION_MAX, `At most ${DESCRIPTION_MAX} characters.`),
  amount: z
    .string()
    .refine((a) => /^\d{1,12}(\.\d{1,2})?$/.test(a.replace(/[\s,]/g, "")), "A number, like 120 or 99.50.")
    .optional(),
  due: z
    .string()
    .refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d >= today(), "Pick today or a later date.")
    .optional(),
});
export type NewRequestValues = z.infer<typeof newRequestValues>;

function checked<T>(schema: z.ZodType<T>, input: unknown): Checked<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
  return { ok: false, errors };
}
