import { z } from "zod";

/**
 * The id kernel: the forms of every id the service reads or makes, in one place, so config,
 * policy, Slack payloads and routes check them the same way.
 */

/** Slack user ids: U…, or W… on Enterprise Grid (channels are C/D/G, teams T/E). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
const SLACK_CHANNEL_ID = /^[CDG][A-Z0-9]{2,}$/;
/** Slack user group ids (S…): `<!subteam^S…>` in text, `slack#/types/usergroup_id` in a workflow step. */
export const SLACK_USERGROUP_ID = /^S[A-Z0-9]{2,}$/;
/** A channel the app can post in: public (C…) or private (G…); never a DM. */
const SLACK_POSTABLE_CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
/** "req-" and 12 base-36 characters: every request id, which is also its workflow instance id. */
const REQUEST_ID = /^req-[a-z0-9]{12}$/;

/** A Slack user id in a payload. */
export const userId = z.string().regex(SLACK_USER_ID, "not a Slack user id");
/** A Slack user id an operator wrote (settings, policy): the message says what is expected. */
export const configuredUserId = z.string().regex(SLACK_USER_ID, "expected a Slack user id such as U0123ABCD");
export const channelId = z.string().regex(SLACK_CHANNEL_ID, "not a Slack channel id");
/** A user group id in a payload or params. */
export const usergroupId = z.string().regex(SLACK_USERGROUP_ID, "not a Slack user group id");
/** An approver an operator wrote in the policy: a person (U…/W…) or a user group (S…). */
export const configuredApproverId = z
  .string()
  .refine((id) => SLACK_USER_ID.test(id) || SLACK_USERGROUP_ID.test(id), "expected a Slack user id such as U0123ABCD or a user group id such as S0123ABCD");
/** The channel a policy type posts its requests in (public C… or private G…). */
export const configuredChannelId = z.string().regex(SLACK_POSTABLE_CHANNEL_ID, "expected a Slack channel id such as C0123ABCD (public) or G0123ABCD (private)");
export const isUsergroupId = (id: string) => SLACK_USERGROUP_ID.test(id);
/** Request ids are our workflow instance ids. */
export const requestId = z.string().regex(REQUEST_ID, "not a request id");

/**
 * Who acted through the API (a pipeline's cancel, the creator of a request without a Slack
 * requester): `api:` and the request's source name, e.g. `api:github-actions`. It can never be a
 * Slack user id (no `:` in those), so a claim or an audit entry by the API is never taken for a
 * person's, and Slack shows it as text, never as a mention.
 */
export const API_ACTOR_PREFIX = "api:";
export const apiActor = z
  .string()
  .startsWith(API_ACTOR_PREFIX)
  .min(API_ACTOR_PREFIX.length + 1)
  .max(API_ACTOR_PREFIX.length + 50);
/** The actor of an API call on behalf of `sourceName` (the request's source, or "api"). */
export const apiActorFor = (sourceName: string | undefined) => `${API_ACTOR_PREFIX}${sourceName ?? "api"}`;
export const isApiActor = (actor: string): boolean => actor.startsWith(API_ACTOR_PREFIX);
/** The source name of an API actor ("github-actions" for "api:github-actions"). */
export const apiActorName = (actor: string): string => actor.slice(API_ACTOR_PREFIX.length);

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** "req-" and 12 base-36 characters from 12 bytes: the form every request id (and instance id) has. */
const requestIdFrom = (bytes: Uint8Array) => `req-${Array.from(bytes.slice(0, 12), (b) => ALPHABET[b % 36]).join("")}`;

/** A new request id (also its workflow instance id), 62 random bits. */
export function newRequestId(): string {
  return requestIdFrom(crypto.getRandomValues(new Uint8Array(12)));
}

/** A request id derived from something that must start one request only (e.g. a modal view id). */
export async function derivedRequestId(source: string): Promise<string> {
  return requestIdFrom(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(source))));
}
