import { z } from "zod";
import { requestId, SLACK_USER_ID } from "../core/ids";
import { ACTION_OF, actionIdSchema, DESCRIPTION_MAX, type Interaction, type SlackEvents, VIEWS, type ViewSubmission, viewValue } from "./payloads";

/**
 * What each Slack payload the routes accept asks the service to do, decided once at the edge
 * (slack/validators.ts), so a route is a switch over typed cases. A payload that is well formed but
 * not one of ours (an unknown action or view) is `refused` today (400); answering such payloads
 * 200 instead is a change of this module only.
 */

/** Field errors of a modal, as Slack shows them next to each input (`response_action: "errors"`). */
export type FieldErrors = Record<string, string>;
type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export type ClassifiedInteraction =
  | { kind: "click"; action: "approve" | "reject" | "cancel"; requestId: string; user: string; responseUrl: string | undefined; triggerId: string | undefined }
  | { kind: "reject_reason"; requestId: string; user: string; reason: Checked<{ reason: string }> }
  | { kind: "new_request"; user: string; viewId: string; request: Checked<NewRequestValues> }
  | { kind: "view_closed" }
  | { kind: "refused"; error: string };

export function classifyInteraction(payload: Interaction): ClassifiedInteraction {
  if (payload.type === "view_closed") return { kind: "view_closed" };
  if (payload.type === "view_submission") return classifySubmission(payload);
  const action = payload.actions[0]!;
  const id = actionIdSchema.safeParse(action.action_id);
  if (!id.success) return { kind: "refused", error: `unknown action ${action.action_id}` };
  // The button's value names the request; nothing else in it is trusted. D1 says who may act.
  const request = requestId.safeParse(action.value);
  if (!request.success) return { kind: "refused", error: "invalid request id in action value" };
  return {
    kind: "click",
    action: ACTION_OF[id.data],
    requestId: request.data,
    user: payload.user.id,
    responseUrl: payload.response_url,
    triggerId: payload.trigger_id,
  };
}

function classifySubmission(payload: ViewSubmission): ClassifiedInteraction {
  const v = payload.view;
  const user = payload.user.id;
  if (v.callback_id === VIEWS.rejectReason) {
    const id = requestId.safeParse(v.private_metadata);
    if (!id.success) return { kind: "refused", error: "invalid request id in private_metadata" };
    return { kind: "reject_reason", requestId: id.data, user, reason: checked(rejectReason, { reason: viewValue(v, "reason") }) };
  }
  if (v.callback_id === VIEWS.newRequest) {
    const values = {
      type: viewValue(v, "type"),
      approver: viewValue(v, "approver"),
      description: viewValue(v, "description"),
      amount: viewValue(v, "amount"),
      due: viewValue(v, "due"),
    };
    return { kind: "new_request", user, viewId: v.id, request: checked(newRequestValues, values) };
  }
  return { kind: "refused", error: `unknown view ${v.callback_id}` };
}

/** The reject modal's reason: required, with the modal's own limits checked again here. */
const rejectReason = z.object({
  reason: z
    .string({ error: "Please say why (at least 3 characters)." })
    .min(3, "Please say why (at least 3 characters).")
    .max(1000, "At most 1000 characters."),
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

export type ClassifiedEvent = { kind: "url_verification"; challenge: string } | { kind: "home_opened"; user: string } | { kind: "ignored" };

/** The Events API bodies we act on: the URL check, and a user opening the App Home's Home tab. */
export function classifyEvent(body: SlackEvents): ClassifiedEvent {
  if (body.type === "url_verification") return { kind: "url_verification", challenge: body.challenge };
  const e = body.event;
  if (e.type === "app_home_opened" && e.tab === "home" && e.user && SLACK_USER_ID.test(e.user)) return { kind: "home_opened", user: e.user };
  return { kind: "ignored" };
}
