// The Web API methods the service (and the tests' small apps) call, answering as Slack does: the
// same response shapes, and the same refusals for what Slack refuses — a scope the token lacks,
// a user or channel the workspace does not know, Block Kit or a view over Slack's limits, a
// trigger_id that was not issued, was used or is older than 3 s. Each rule cites its reference.
import { readFileSync } from "node:fs";
import { messageBlocksRefusal, viewRefusal } from "./block-kit.js";
import { APP, CHANNELS, completeView, dmChannel, dmUser, TEAM, USER_GROUPS, USER_ID, userInfo } from "./workspace.js";

/**
 * The bot scopes the app asks for in slack-app-manifest.yaml (oauth_config.scopes.bot): the
 * stand-in's bot token has exactly these unless a test registers a token with fewer.
 */
export function manifestScopes(path = new URL("../slack-app-manifest.yaml", import.meta.url)) {
  const lines = readFileSync(path, "utf8").split("\n");
  const scopes = [];
  let section = [];
  for (const line of lines) {
    const m = /^(\s*)([a-z_]+):\s*$/.exec(line);
    if (m) {
      section = [...section.slice(0, m[1].length / 2), m[2]];
      continue;
    }
    const item = /^\s*-\s*([a-z:._]+)\s*$/.exec(line);
    if (item && section.join(".") === "oauth_config.scopes.bot") scopes.push(item[1]);
    else if (/^\S/.test(line)) section = [];
  }
  if (scopes.length === 0) throw new Error("no bot scopes found in slack-app-manifest.yaml");
  return scopes;
}

/**
 * The scope a bot token needs for each method (none for auth.test and views.*).
 * @see https://docs.slack.dev/reference/methods/chat.postMessage (chat:write; likewise chat.update, chat.postEphemeral)
 * @see https://docs.slack.dev/reference/methods/conversations.open (im:write for a DM)
 * @see https://docs.slack.dev/reference/methods/conversations.history (channels:history, groups:history, im:history, mpim:history by channel type)
 * @see https://docs.slack.dev/reference/methods/users.info (users:read)
 * @see https://docs.slack.dev/reference/methods/views.open ("No scopes required"; likewise views.push, views.update, views.publish)
 */
function neededScope(method, args) {
  switch (method) {
    case "chat.postMessage":
    case "chat.update":
    case "chat.postEphemeral":
      return "chat:write";
    case "conversations.open":
      return "im:write";
    case "conversations.history": {
      const c = String(args.channel ?? "");
      return c.startsWith("D") ? "im:history" : c.startsWith("G") ? "groups:history" : "channels:history";
    }
    case "users.info":
      return "users:read";
    // @see https://docs.slack.dev/reference/methods/usergroups.users.list (usergroups:read)
    case "usergroups.users.list":
      return "usergroups:read";
    default:
      return undefined;
  }
}

/**
 * @param {{ state: any, issuer: ReturnType<typeof import("./issued.js").createIssuer>, nextTs: () => string,
 *   functions: ReturnType<typeof import("./functions.js").createFunctions> }} ctx
 */
export function createWebApi(ctx) {
  const { state, issuer } = ctx;
  const members = () => state.members;
  const isMember = (id) => members().has(String(id ?? ""));

  /**
   * The channel a post goes to, or undefined when Slack would answer channel_not_found: a member's
   * user id (Slack posts in the app's DM with them), a member's DM with the app, or a channel the
   * workspace has. Anyone else, or a DM between other people, is channel_not_found.
   * @see https://docs.slack.dev/reference/methods/chat.postMessage ("channel_not_found … also returned if your app doesn't have permission to enter into a DM with the intended user")
   */
  function resolveChannel(channel) {
    const c = String(channel ?? "");
    if (USER_ID.test(c)) return isMember(c) ? dmChannel(c) : undefined;
    if (c.startsWith("D")) return dmUser(c, members()) ? c : undefined;
    return CHANNELS.some((x) => x.id === c) ? c : undefined;
  }

  /** A channel the bot user is not in: a post or a history read there is not_in_channel. */
  const botOutside = (channel) => CHANNELS.some((x) => x.id === channel && !x.bot);

  /**
   * Answers one call made with a token the stand-in knows (`scopes` are the token's; `caller`
   * says whether it is the bot token or a workflow step's token, and whose).
   * @returns {Record<string, unknown>} Slack's JSON answer
   */
  function call(method, args, scopes, caller = { kind: "bot" }) {
    const needed = neededScope(method, args);
    if (needed && !scopes.includes(needed)) {
      // @see https://docs.slack.dev/apis/web-api/ (missing_scope with `needed` and `provided`, as Slack's own tests record it:
      // https://github.com/slackapi/java-slack-sdk/blob/86ff7ca/slack-api-client/src/test/java/test_with_remote_apis/methods/users_Test.java)
      return { ok: false, error: "missing_scope", needed, provided: scopes.join(",") };
    }
    switch (method) {
      case "auth.test":
        return { ok: true, url: "https://local.slack.test/", team: "Local", user: "approvals", team_id: TEAM.id, user_id: APP.botUser, bot_id: APP.botId };
      case "conversations.open":
        return conversationsOpen(args);
      case "chat.postMessage":
        return postMessage(args, caller);
      case "usergroups.users.list":
        return usergroupUsers(args);
      case "functions.completeSuccess":
      case "functions.completeError":
        return ctx.functions.complete(method, args, caller);
      case "conversations.history":
        return history(args);
      case "chat.update":
        return update(args);
      case "chat.postEphemeral":
        return postEphemeral(args);
      case "users.info": {
        // @see https://docs.slack.dev/reference/methods/users.info (user_not_found: "Value passed for user was invalid")
        const member = members().get(String(args.user ?? ""));
        return member ? { ok: true, user: userInfo(member) } : { ok: false, error: "user_not_found" };
      }
      case "views.open":
      case "views.push":
        return openView(method, args);
      case "views.update":
        return updateView(args);
      case "views.publish":
        return publishView(args);
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  /**
   * One user: the app's DM with them. An unknown user is user_not_found.
   * @see https://docs.slack.dev/reference/methods/conversations.open (user_not_found, users_list_not_supplied)
   */
  function conversationsOpen(args) {
    const users = String(args.users ?? "")
      .split(",")
      .filter(Boolean);
    if (users.length === 0) return { ok: false, error: "users_list_not_supplied" };
    if (users.length !== 1 || !isMember(users[0])) return { ok: false, error: "user_not_found" };
    return { ok: true, channel: { id: dmChannel(users[0]) } };
  }

  /** Text, blocks or attachments are required. @see https://docs.slack.dev/reference/methods/chat.postMessage (no_text) */
  const noText = (args) => !args.text && !args.blocks && !args.attachments;

  /**
   * A user group's members (ids), with include_disabled; an unknown group is no_such_subteam.
   * @see https://docs.slack.dev/reference/methods/usergroups.users.list
   */
  function usergroupUsers(args) {
    const group = USER_GROUPS.find((g) => g.id === String(args.usergroup ?? ""));
    if (!args.usergroup) return { ok: false, error: "invalid_arguments", response_metadata: { messages: ["[ERROR] missing required field: usergroup"] } };
    if (!group) return { ok: false, error: "no_such_subteam" };
    return { ok: true, users: (state.usergroups?.[group.id] ?? group.users).filter((u) => isMember(u)) };
  }

  function postMessage(args, caller) {
    const channel = resolveChannel(args.channel);
    if (!channel) return { ok: false, error: "channel_not_found" };
    if (botOutside(channel)) return { ok: false, error: "not_in_channel" };
    if (noText(args)) return { ok: false, error: "no_text" };
    const refused = messageBlocksRefusal(args.blocks);
    if (refused) return refused;
    const ts = ctx.nextTs();
    const message = {
      ts,
      channel,
      text: args.text ?? "",
      blocks: args.blocks ?? [],
      thread_ts: args.thread_ts,
      metadata: args.metadata,
      updated: 0,
      bot_id: APP.botId,
      user: APP.botUser,
      // Posted with a workflow step's token: its clicks carry function_data (ui.js).
      ...(caller.kind === "workflow" ? { function_execution_id: caller.executionId } : {}),
    };
    state.messages.push(message);
    return { ok: true, channel, ts, message: { type: "message", text: message.text, ts, bot_id: APP.botId } };
  }

  /**
   * Newest first, top-level messages only; metadata only with include_all_metadata.
   * @see https://docs.slack.dev/reference/methods/conversations.history (channel_not_found, missing_scope)
   */
  function history(args) {
    const channel = String(args.channel ?? "");
    if (USER_ID.test(channel) || !resolveChannel(channel)) return { ok: false, error: "channel_not_found" };
    // @see https://docs.slack.dev/reference/methods/conversations.history (not_in_channel)
    if (botOutside(channel)) return { ok: false, error: "not_in_channel" };
    const limit = Math.min(Number(args.limit ?? 100), 999);
    const withMeta = args.include_all_metadata === true || args.include_all_metadata === "true";
    const messages = state.messages
      .filter((x) => x.channel === channel && !x.thread_ts)
      .slice(-limit)
      .reverse()
      .map((x) => ({ type: "message", ts: x.ts, text: x.text, bot_id: x.bot_id, ...(withMeta && x.metadata ? { metadata: x.metadata } : {}) }));
    return { ok: true, messages, has_more: false };
  }

  /**
   * chat.update takes a DM's D… id, not a user id (Slack documents no code for that; the stand-in
   * answers channel_not_found), and text of at most 4,000 characters.
   * @see https://docs.slack.dev/reference/methods/chat.update (channel: "ensure that this value is a DM ID (starts with D)"; msg_too_long; message_not_found)
   */
  function update(args) {
    const channel = String(args.channel ?? "");
    if (USER_ID.test(channel) || !resolveChannel(channel)) return { ok: false, error: "channel_not_found" };
    if (typeof args.text === "string" && [...args.text].length > 4000) return { ok: false, error: "msg_too_long" };
    const refused = messageBlocksRefusal(args.blocks);
    if (refused) return refused;
    const message = state.messages.find((x) => x.channel === channel && x.ts === args.ts);
    if (!message) return { ok: false, error: "message_not_found" };
    if (args.text !== undefined) message.text = args.text;
    if (args.blocks !== undefined) message.blocks = args.blocks;
    message.updated++;
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
  }

  /**
   * Shown to `user` only if they are in the channel (user_not_in_channel otherwise).
   * @see https://docs.slack.dev/reference/methods/chat.postEphemeral (channel and user required; user_not_in_channel)
   */
  function postEphemeral(args) {
    if (!args.channel || !args.user) return { ok: false, error: "channel_not_found" };
    const channel = resolveChannel(args.channel);
    if (!channel) return { ok: false, error: "channel_not_found" };
    const user = String(args.user);
    const inChannel = isMember(user) && (!channel.startsWith("D") || dmChannel(user) === channel);
    if (!inChannel) return { ok: false, error: "user_not_in_channel" };
    if (noText(args)) return { ok: false, error: "no_text" };
    const refused = messageBlocksRefusal(args.blocks);
    if (refused) return refused;
    const ts = ctx.nextTs();
    state.ephemerals.push({ ts, channel, user, text: args.text ?? "", blocks: args.blocks ?? [], source: APP.botUser, at: Date.now() });
    return { ok: true, message_ts: ts };
  }

  const parseView = (view) => {
    if (typeof view !== "string") return view;
    try {
      return JSON.parse(view);
    } catch {
      return undefined;
    }
  };

  /**
   * views.open / views.push: a trigger_id the stand-in issued, less than 3 s old, used once (checked
   * before the view, as Slack's reference example shows); then the view's limits; then the trigger
   * is used up. A modal stack holds at most 3 views.
   * @see https://docs.slack.dev/reference/methods/views.open (invalid_trigger_id, expired_trigger_id, exchanged_trigger_id)
   * @see https://docs.slack.dev/reference/methods/views.push (push_limit_reached: "Currently the limit is 3")
   */
  function openView(method, args) {
    const view = parseView(args.view);
    if (!args.trigger_id) return { ok: false, error: "invalid_arguments", response_metadata: { messages: ["[ERROR] missing required field: trigger_id"] } };
    const bad = issuer.triggerError(args.trigger_id);
    if (bad) return { ok: false, error: bad };
    const refused = viewRefusal(view, "modal");
    if (refused) return refused;
    const user = issuer.useTrigger(args.trigger_id);
    const stack = (state.modalStacks[user] ??= []);
    if (method === "views.push" && stack.length >= 3) return { ok: false, error: "push_limit_reached" };
    const opened = completeView(view, undefined, user);
    state.views[opened.id] = opened;
    if (method === "views.open") stack.length = 0;
    stack.push(opened.id);
    return { ok: true, view: publicView(opened) };
  }

  /**
   * @see https://docs.slack.dev/reference/methods/views.update (view_id or external_id; not_found; hash_conflict)
   */
  function updateView(args) {
    const view = parseView(args.view);
    if (!args.view_id && !args.external_id)
      return { ok: false, error: "invalid_arguments", response_metadata: { messages: ["[ERROR] missing required field: view_id or external_id"] } };
    const refused = viewRefusal(view, "modal");
    if (refused) return refused;
    const current = args.view_id ? state.views[args.view_id] : Object.values(state.views).find((v) => v.external_id && v.external_id === args.external_id);
    if (!current) return { ok: false, error: "not_found" };
    if (args.hash && args.hash !== current.hash) return { ok: false, error: "hash_conflict" };
    const updated = completeView(view, current.id, current.user);
    state.views[current.id] = updated;
    return { ok: true, view: publicView(updated) };
  }

  /**
   * A Home tab for a member (invalid_arguments "invalid `user_id`" otherwise), type home.
   * @see https://docs.slack.dev/reference/methods/views.publish (example: invalid_arguments, messages ["invalid `user_id`"]; hash_conflict)
   */
  function publishView(args) {
    const view = parseView(args.view);
    const user = String(args.user_id ?? "");
    if (!isMember(user)) return { ok: false, error: "invalid_arguments", response_metadata: { messages: ["invalid `user_id`"] } };
    const refused = viewRefusal(view, "home");
    if (refused) return refused;
    const current = state.homes[user];
    if (args.hash && current && args.hash !== current.hash) return { ok: false, error: "hash_conflict" };
    state.homes[user] = completeView(view, current?.id, user);
    return { ok: true, view: publicView(state.homes[user]) };
  }

  return { call, isMember };
}

/** A view as the Web API returns it (without the stand-in's note of whose it is). */
export function publicView(v) {
  const { user: _owner, ...rest } = v;
  return rest;
}
