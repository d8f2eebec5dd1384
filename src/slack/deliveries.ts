import { derivedRequestId } from "../core/ids";

/**
 * The identity of a slash command delivery. Slack puts a trigger_id and a response_url it issues
 * once per invocation into every command body, so two identical bodies are one invocation
 * delivered twice: Slack retrying, or the Socket Mode bridge (scripts/bridge.js) forwarding the
 * same payload again, signed anew. The request id is derived from the body (not from the
 * signature, which changes with each signing), so a repeat finds the request the first one made.
 * A person who types the command again sends a new invocation, and makes a new request.
 * @see https://docs.slack.dev/interactivity/implementing-slash-commands (the payload's trigger_id and response_url)
 * @see https://docs.slack.dev/interactivity/handling-user-interaction (a trigger "may only be used once")
 */
export function commandRequestId(rawBody: string): Promise<string> {
  return derivedRequestId(`command:${rawBody}`);
}
