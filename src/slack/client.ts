import { NonRetryableError } from "cloudflare:workflows";
import type { KnownBlock } from "@slack/types";
import { SLACK_USER_ID } from "../core/ids";
import type { Pacer } from "../core/pacer";
import { type Probe, SlackTokenRevokedError, TOKEN_ERRORS, type TokenGuard } from "./token-guard";

/**
 * Slack errors that no retry can fix: a bad or revoked token, a missing scope, an unknown user or
 * channel, a malformed call. Everything else Slack reports (ratelimited, internal_error,
 * service_unavailable, ...) is retried by the calling workflow step.
 * @see https://docs.slack.dev/apis/web-api/ (errors come as `ok: false` with an `error` code; HTTP 200 except 429)
 * @see https://docs.slack.dev/reference/methods/chat.postMessage (the error table: invalid_auth, not_authed, token_revoked, not_allowed_token_type, …)
 */
const PERMANENT_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "no_permission",
  "missing_scope",
  "not_allowed_token_type",
  "channel_not_found",
  "user_not_found",
  "users_not_found",
  "user_disabled",
  "cannot_dm_bot",
  "user_not_visible",
  "restricted_action",
  "is_archived",
  "not_in_channel",
  "message_not_found",
  "cant_update_message",
  "edit_window_closed",
  "msg_too_long",
  "no_text",
  "invalid_blocks",
  "invalid_arguments",
  "invalid_arg_name",
  "invalid_array_arg",
  "invalid_charset",
  "invalid_form_data",
  "invalid_post_type",
  "missing_post_type",
  // usergroups.users.list: https://docs.slack.dev/reference/methods/usergroups.users.list (errors)
  "no_such_subteam",
  "plan_upgrade_required",
  "access_denied",
  // functions.completeSuccess / completeError: https://docs.slack.dev/reference/methods/functions.completeSuccess (errors)
  "function_execution_not_found",
  "execution_not_in_running_state",
  "parameter_validation_failed",
]);

/** A Slack error code out of one of this client's error messages ("Slack <method> failed: <code>"). */
export const slackErrorCode = (err: unknown): string | null => /failed: ([a-z_]+)/.exec((err as Error)?.message ?? "")?.[1] ?? null;

/**
 * Form encoding, as Slack's own SDKs send: every method accepts it (some read methods, such as
 * users.info, do not accept JSON bodies). Objects and arrays (blocks, views) travel as JSON strings.
 */
function formEncode(args: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined || v === null) continue;
    form.set(k, typeof v === "object" ? JSON.stringify(v) : String(v));
  }
  return form.toString();
}

/** A user id (posting to it reaches the app's DM with them), as opposed to a channel id. */
const isUserId = (id: string) => SLACK_USER_ID.test(id);

/** Slack message metadata event type marking the service's own posts. */
const METADATA_EVENT = "approvals_message";

/** A failure worth another try (5xx, 429, network, Slack's transient errors). */
export class SlackRetryableError extends Error {
  override name = "SlackRetryableError";
  constructor(
    message: string,
    /** Seconds Slack asked us to wait (429 Retry-After), if it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface SlackClientOptions {
  token: string;
  /** e.g. https://slack.com/api/ or a local stand-in's URL; must end with a slash. */
  baseUrl: string;
  timeoutMs?: number;
  /** Asked before and told after each post, to keep to Slack's pace (about 1 message/s/channel). */
  pace?: Pacer;
  /** Fails calls fast while the bot token is known not to work (token-guard.ts). */
  guard?: TokenGuard;
}

export interface PostedMessage {
  channel: string;
  ts: string;
}

export interface MessageContent {
  text: string;
  blocks?: KnownBlock[];
}

/**
 * The one Slack Web API client of the service. It does not retry: inside a workflow the step owns
 * retries (bounded, exponential), so a failure is thrown classified, as NonRetryableError or
 * SlackRetryableError. Error messages name the method and Slack's error code, never the token.
 */
export class SlackClient {
  /**
   * DM channel ids learned from posts and conversations.open. A user's DM channel never changes,
   * so a retried post (attempts run in the same client) opens the DM at most once.
   */
  private readonly dmChannels = new Map<string, string>();

  constructor(private readonly options: SlackClientOptions) {}

  async call<T extends Record<string, unknown>>(method: string, args: Record<string, unknown>): Promise<T> {
    const guard = method === "auth.test" ? undefined : this.options.guard;
    await guard?.before();
    const answer = await this.send(method, args);
    if (answer.ok) return answer.body as T;
    const { code } = answer;
    if (TOKEN_ERRORS.has(code) && (await guard?.confirm(code, () => this.probe()))) {
      throw new SlackTokenRevokedError(`Slack ${method} failed: ${code}; the bot token does not work: reinstall the app and set SLACK_BOT_TOKEN`);
    }
    if (PERMANENT_ERRORS.has(code)) throw new NonRetryableError(`Slack ${method} failed: ${code}`);
    throw new SlackRetryableError(`Slack ${method} failed: ${code}`);
  }

  /**
   * A bot token known not to work is tried again (auth.test); true when it works now. Calls fail
   * fast until then (token-guard.ts).
   */
  async retryToken(): Promise<boolean> {
    return (await this.options.guard?.retry(() => this.probe())) ?? false;
  }

  /** auth.test, to tell whether the token itself works. */
  private async probe(): Promise<Probe> {
    try {
      const answer = await this.send("auth.test", {});
      return answer.ok ? "works" : TOKEN_ERRORS.has(answer.code) ? "revoked" : "unknown";
    } catch {
      return "unknown";
    }
  }

  /** One Web API request: Slack's answer, or a thrown error for HTTP and network failures. */
  private async send(method: string, args: Record<string, unknown>): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; code: string }> {
    let res: Response;
    try {
      res = await fetch(this.options.baseUrl + method, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.options.token}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: formEncode(args),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new SlackRetryableError(`Slack ${method}: network error (${(err as Error).name})`);
    }
    // HTTP 429 with Retry-After (seconds), per method, workspace and app.
    // @see https://docs.slack.dev/apis/web-api/rate-limits
    if (res.status === 429) {
      const retryAfter = Number(res.headers.get("retry-after"));
      await res.body?.cancel();
      throw new SlackRetryableError(`Slack ${method}: rate limited (HTTP 429)`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 1);
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new SlackRetryableError(`Slack ${method}: HTTP ${res.status}`);
    }
    if (res.status >= 400) {
      await res.body?.cancel();
      throw new NonRetryableError(`Slack ${method}: HTTP ${res.status}`);
    }
    let body: { ok?: boolean; error?: string } & Record<string, unknown>;
    try {
      body = await res.json();
    } catch {
      throw new SlackRetryableError(`Slack ${method}: response was not JSON`);
    }
    if (body.ok === true) return { ok: true, body };
    return { ok: false, code: typeof body.error === "string" ? body.error : "unknown_error" };
  }

  /** Opens (or finds) the bot's DM with a user and returns its channel id. */
  async openDm(user: string): Promise<string> {
    const known = this.dmChannels.get(user);
    if (known) return known;
    const res = await this.call<{ channel: { id: string } }>("conversations.open", { users: user });
    this.dmChannels.set(user, res.channel.id);
    return res.channel.id;
  }

  /**
   * Posts a message. `channel` may be a user id: Slack then posts in the app's DM with that user
   * (its Messages tab) and answers with the DM's channel id, which saves a conversations.open.
   * With a `key`, the message carries it as Slack message metadata, so a retry can find a post
   * whose answer was lost (see findPosted) instead of posting it twice.
   * @see https://docs.slack.dev/reference/methods/chat.postMessage ("Begin a conversation in a user's App Home": a user id as `channel`, the answer's `channel` is the D… id)
   * @see https://docs.slack.dev/messaging/message-metadata/
   */
  async postMessage(channel: string, content: MessageContent, key?: string): Promise<PostedMessage> {
    await this.options.pace?.wait(this.dmChannels.get(channel) ?? channel);
    const res = await this.call<{ channel: string; ts: string }>("chat.postMessage", {
      channel,
      ...content,
      unfurl_links: false,
      unfurl_media: false,
      ...(key ? { metadata: { event_type: METADATA_EVENT, event_payload: { key } } } : {}),
    });
    // A DM posted to a user id is paced under both names, so a reply in it waits its turn too.
    if (isUserId(channel)) this.dmChannels.set(channel, res.channel);
    await this.options.pace?.sent([channel, res.channel]);
    return { channel: res.channel, ts: res.ts };
  }

  /**
   * The message posted earlier with `key` among the channel's latest, if any (needs im:history).
   * For a user id it looks in the app's DM with that user.
   */
  async findPosted(to: string, key: string): Promise<PostedMessage | null> {
    const channel = isUserId(to) ? await this.openDm(to) : to;
    const res = await this.call<{ messages: { ts: string; metadata?: { event_type?: string; event_payload?: { key?: string } } }[] }>("conversations.history", {
      channel,
      limit: 50,
      include_all_metadata: true,
    });
    const found = res.messages.find((m) => m.metadata?.event_type === METADATA_EVENT && m.metadata.event_payload?.key === key);
    return found ? { channel, ts: found.ts } : null;
  }

  async updateMessage(message: PostedMessage, content: MessageContent): Promise<void> {
    await this.call("chat.update", { channel: message.channel, ts: message.ts, ...content });
  }

  /** A reply in the thread of `parent`. */
  async postReply(parent: PostedMessage, content: MessageContent): Promise<PostedMessage> {
    await this.options.pace?.wait(parent.channel);
    const res = await this.call<{ channel: string; ts: string }>("chat.postMessage", { channel: parent.channel, thread_ts: parent.ts, ...content });
    await this.options.pace?.sent([parent.channel]);
    return { channel: res.channel, ts: res.ts };
  }

  /**
   * The members of a user group (usergroups:read). `include_disabled`: a disabled group is read
   * too (and found empty) rather than refused, so the caller can say which it was.
   * @see https://docs.slack.dev/reference/methods/usergroups.users.list
   */
  async usergroupMembers(usergroup: string): Promise<string[]> {
    const res = await this.call<{ users?: unknown }>("usergroups.users.list", { usergroup, include_disabled: true });
    return Array.isArray(res.users) ? res.users.filter((u): u is string => typeof u === "string" && SLACK_USER_ID.test(u)) : [];
  }

  /** A user's display name (users:read). */
  async displayName(user: string): Promise<string | null> {
    const res = await this.call<{ user: { real_name?: string; profile?: { display_name?: string; real_name?: string } } }>("users.info", { user });
    const p = res.user.profile;
    return p?.display_name || p?.real_name || res.user.real_name || null;
  }
}
