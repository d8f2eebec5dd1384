// What the stand-in hands the app with each delivery and later accepts back from it, as Slack does:
// trigger_ids (for views.open / views.push) and response_urls (for replies to a command or click).
// Only what the stand-in issued is accepted: the page issues them with each delivery, and tests get
// them from POST /_control/trigger_ids and /_control/response_urls, so no test can invent one.
import { randomBytes } from "node:crypto";

/**
 * A trigger_id expires 3 s after it is sent to the app and may be used once.
 * @see https://docs.slack.dev/interactivity/handling-user-interaction ("Triggers expire in three seconds … may only be used once")
 * @see https://docs.slack.dev/reference/methods/views.open (errors expired_trigger_id, exchanged_trigger_id, invalid_trigger_id)
 */
export const TRIGGER_TTL_MS = 3000;
/**
 * A response_url may be used up to 5 times within 30 minutes of the payload.
 * @see https://docs.slack.dev/interactivity/handling-user-interaction ("Message responses": "up to 5 times within 30 minutes")
 */
export const HOOK_MAX_USES = 5;
export const HOOK_TTL_MS = 30 * 60 * 1000;

/**
 * @param {{ triggers: Record<string, any>, hooks: Record<string, any>, seq: number }} state
 * @param {() => number} [now]  the clock (a test can move it past the 3 s or 30 minutes)
 */
export function createIssuer(state, now = Date.now) {
  /** A trigger_id for an action `user` just took, in Slack's format ("132456.7890123.abcdef"). */
  function triggerId(user) {
    const id = `${now()}.${++state.seq}.${randomBytes(16).toString("hex")}`;
    state.triggers[id] = { user, at: now(), used: false };
    return id;
  }

  /** Why Slack would refuse this trigger_id for views.open / views.push (undefined: it is good). */
  function triggerError(id) {
    const trigger = state.triggers[String(id ?? "")];
    if (!trigger) return "invalid_trigger_id";
    if (trigger.used) return "exchanged_trigger_id";
    if (now() - trigger.at > TRIGGER_TTL_MS) return "expired_trigger_id";
    return undefined;
  }

  /** Uses up a good trigger_id; returns whose action it came from. */
  function useTrigger(id) {
    const trigger = state.triggers[String(id)];
    trigger.used = true;
    return trigger.user;
  }

  /**
   * A response_url path for a command (kind "commands") or a click (kind "actions"), tied to where
   * the answer shows: the user, the channel and (for a click on a message) the message's ts.
   * @param {{ kind?: "commands" | "actions", user: string, channel: string, messageTs?: string }} context
   */
  function responsePath(context) {
    const kind = context.kind === "actions" ? "actions" : "commands";
    const path = `/hooks/${kind}/T0LOCAL/${++state.seq}/${randomBytes(12).toString("hex")}`;
    state.hooks[path] = { user: context.user, channel: context.channel, messageTs: context.messageTs, uses: 0, at: now() };
    return path;
  }

  /**
   * Why Slack would refuse a post to this response_url, if it would: one it never issued, one used
   * 5 times, one older than 30 minutes. (Slack's exact status and text for these are not
   * documented; see README.md.)
   */
  function hookRefusal(path) {
    const hook = state.hooks[path];
    if (!hook) return { status: 404, error: "no_service" };
    if (hook.uses >= HOOK_MAX_USES) return { status: 404, error: "used_url" };
    if (now() - hook.at > HOOK_TTL_MS) return { status: 404, error: "expired_url" };
    return undefined;
  }

  return { triggerId, triggerError, useTrigger, responsePath, hookRefusal };
}
