import { z } from "zod";
import { SLACK_USER_ID } from "../core/ids";
import { APPROVAL_FUNCTION, type ApprovalStepInputs, functionExecutedSchema, readStepInputs } from "./functions";

/**
 * Events API bodies, read liberally: every body Slack may send is answered 200 (a non-2xx answer
 * counts as a failed delivery: Slack retries it, and disables the subscriptions of an app that
 * fails 95% of them in an hour), and only the fields the service uses are read. The body's
 * `type` says what it is: `url_verification` (the handshake), `event_callback` (an event in
 * `event`), `app_rate_limited` (no `event` at all), or something Slack adds later.
 * @see https://docs.slack.dev/apis/events-api/
 * @see https://docs.slack.dev/reference/events/app_rate_limited ("…disabled when your app does not respond with a HTTP 200 OK to at least 5% of event deliveries in the past 60 minutes")
 * @see https://docs.slack.dev/reference/events/url_verification
 */

/** Any Events API body: an object with a type. */
export const eventBodySchema = z.object({ type: z.string() }).loose();

const urlVerification = z.object({ challenge: z.string().min(1).max(200) });

/** The envelope of an event_callback: ids, the workspace, and the event (whose own fields vary by type). */
const callback = z.object({
  event_id: z.string().min(1).max(100).optional(),
  team_id: z.string().nullish(),
  enterprise_id: z.string().nullish(),
  event: z.object({ type: z.string() }).loose(),
});

/** app_home_opened: `user` a string id, `tab` home or messages. */
const homeOpened = z.object({ user: z.string().regex(SLACK_USER_ID), tab: z.string().optional() });

/**
 * tokens_revoked: `tokens.oauth` and `tokens.bot` are arrays of user ids whose tokens were
 * revoked; either may be missing.
 * @see https://github.com/slackapi/node-slack-sdk/blob/4322e14/packages/types/src/events/token.ts
 */
const tokensRevoked = z.object({
  tokens: z
    .object({ oauth: z.array(z.string()).optional(), bot: z.array(z.string()).optional() })
    .loose()
    .optional(),
});

const rateLimited = z.object({ team_id: z.string().optional(), minute_rate_limited: z.number().optional() });

/** Where an event came from, for the records. */
export interface EventSource {
  eventId: string | undefined;
  teamId: string | null;
  enterpriseId: string | null;
}

export type ClassifiedEvent =
  | { kind: "url_verification"; challenge: string }
  | ({ kind: "home_opened"; user: string } & EventSource)
  | ({ kind: "app_uninstalled" } & EventSource)
  | ({ kind: "tokens_revoked"; bot: string[]; oauth: string[] } & EventSource)
  | { kind: "app_rate_limited"; teamId: string | null; minuteRateLimited: number | null }
  /** Our Workflow Builder step ran (function_executed with our callback_id). */
  | ({
      kind: "function_executed";
      executionId: string;
      workflowExecutionId: string | null;
      /** The execution's workflow token (xwfp-), if Slack sent one. Never logged. */
      token: string | null;
      inputs: ApprovalStepInputs;
    } & EventSource)
  /** Acked and logged: an event the service does not use, or one whose shape it does not read. */
  | { kind: "ignored"; type: string; eventType: string | null; eventId: string | undefined; why: string };

/** What an Events API body asks of the service; never a refusal. */
export function classifyEvent(body: z.infer<typeof eventBodySchema>): ClassifiedEvent {
  if (body.type === "url_verification") {
    const v = urlVerification.safeParse(body);
    return v.success ? { kind: "url_verification", challenge: v.data.challenge } : ignored(body.type, null, undefined, "no challenge");
  }
  if (body.type === "app_rate_limited") {
    const r = rateLimited.safeParse(body);
    return { kind: "app_rate_limited", teamId: (r.success && r.data.team_id) || null, minuteRateLimited: (r.success && r.data.minute_rate_limited) || null };
  }
  if (body.type !== "event_callback") return ignored(body.type, null, undefined, "not an event the service uses");
  const envelope = callback.safeParse(body);
  if (!envelope.success) return ignored(body.type, null, undefined, "no event in the callback");
  const { event, event_id: eventId } = envelope.data;
  const source: EventSource = { eventId, teamId: envelope.data.team_id ?? null, enterpriseId: envelope.data.enterprise_id ?? null };
  switch (event.type) {
    case "app_home_opened": {
      const e = homeOpened.safeParse(event);
      // Only the Home tab shows the service's view; the Messages tab is the DM.
      if (!e.success || e.data.tab !== "home") return ignored(body.type, event.type, eventId, "not the Home tab");
      return { kind: "home_opened", user: e.data.user, ...source };
    }
    case "app_uninstalled":
      return { kind: "app_uninstalled", ...source };
    case "tokens_revoked": {
      const e = tokensRevoked.safeParse(event);
      const tokens = e.success ? e.data.tokens : undefined;
      return { kind: "tokens_revoked", bot: tokens?.bot ?? [], oauth: tokens?.oauth ?? [], ...source };
    }
    case "function_executed": {
      // Another app's step, or one we do not have: acked, not ours to complete.
      const e = functionExecutedSchema.safeParse(event);
      if (!e.success) return ignored(body.type, event.type, eventId, "a step run whose shape is not read");
      if (e.data.function.callback_id !== APPROVAL_FUNCTION) return ignored(body.type, event.type, eventId, "not our step");
      return {
        kind: "function_executed",
        executionId: e.data.function_execution_id,
        workflowExecutionId: e.data.workflow_execution_id ?? null,
        token: e.data.bot_access_token ?? null,
        inputs: readStepInputs(e.data.inputs ?? {}),
        ...source,
      };
    }
    default:
      return ignored(body.type, event.type, eventId, "not an event the service uses");
  }
}

const ignored = (type: string, eventType: string | null, eventId: string | undefined, why: string): ClassifiedEvent => ({
  kind: "ignored",
  type,
  eventType,
  eventId,
  why,
});
