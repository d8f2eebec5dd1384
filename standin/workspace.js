// The stand-in's small workspace: who can be acted as, its members, channels and user groups, how
// typed command text arrives, and how the page's modal inputs become Slack's view.state.values.
import { randomBytes } from "node:crypto";

export const TEAM = { id: "T0LOCAL", name: "Local workspace", domain: "local" };
export const APP = { id: "A0LOCAL", name: "Approvals", botId: "B0BOT", botUser: "U0BOT" };

/** The people of the workspace; ids match scripts/lib/local-defaults.js (ESCALATION_USER). */
export const USERS = [
  { id: "U0REQUESTER", name: "alex", real_name: "Alex Rivera", role: "requester", color: "#2b6cb0", tz: "Europe/London" },
  { id: "U0APPROVER", name: "maria", real_name: "Maria Lopez", role: "approver", color: "#2f855a", tz: "Europe/Madrid" },
  { id: "U0ESCALATE", name: "sam", real_name: "Sam Chen", role: "escalation user", color: "#b7791f", tz: "America/New_York" },
];

/**
 * Channels, and whether the app's bot user is a member (`bot`): a bot posts only where it was
 * added (not_in_channel otherwise, for a bot token with chat:write alone).
 * @see https://docs.slack.dev/reference/methods/chat.postMessage (not_in_channel)
 */
export const CHANNELS = [
  { id: "C0GENERAL", name: "general", topic: "Company-wide announcements and work-based matters", bot: true },
  { id: "C0APPROVALS", name: "approvals", topic: "Requests waiting for a decision", bot: true },
  { id: "C0RANDOM", name: "random", topic: "Anything else (the app is not in this one)", bot: false },
];

/** User groups (mentioned as @oncall in typed text). */
export const USER_GROUPS = [{ id: "S0ONCALL", handle: "oncall", name: "On-call", users: ["U0APPROVER", "U0ESCALATE"] }];

export const dmChannel = (user) => `D${user.slice(1)}`;
/** The user a DM channel with the app belongs to (D… ↔ U…/W…, the stand-in's convention). */
export const dmUser = (channel, members) => [`U${channel.slice(1)}`, `W${channel.slice(1)}`].find((id) => members.has(id));
export const findUser = (id) => USERS.find((u) => u.id === id);
export const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * The workspace's members: the page's people, the app's bot user, and whoever `members` adds
 * (the tests add a fresh user per test through POST /_control/users). Slack answers
 * user_not_found / channel_not_found for anyone else.
 * @param {(string | { id: string, name?: string, real_name?: string, tz?: string })[]} [members]
 * @returns {Map<string, { id: string, name: string, real_name: string, tz: string }>}
 */
export function newMembers(members = []) {
  const map = new Map();
  for (const u of USERS) map.set(u.id, { id: u.id, name: u.name, real_name: u.real_name, tz: u.tz });
  map.set(APP.botUser, { id: APP.botUser, name: "approvals", real_name: APP.name, tz: "Etc/UTC", is_bot: true });
  // A bare id of someone already there (a page person the policy names) keeps their profile.
  for (const m of members) if (typeof m !== "string" || !map.has(m)) addMember(map, m);
  return map;
}

/** Adds (or replaces) one member; a bare id gets a plain profile named after it. */
export function addMember(map, m) {
  const u = typeof m === "string" ? { id: m } : m;
  if (!u || typeof u.id !== "string" || !USER_ID.test(u.id)) throw new Error("a member needs a Slack user id (U… or W…)");
  const name = u.name ?? u.id.toLowerCase();
  const member = { id: u.id, name, real_name: u.real_name ?? name, tz: u.tz ?? "Etc/UTC" };
  map.set(u.id, member);
  return member;
}

/** A users.info `user` object. */
export function userInfo(member) {
  return {
    id: member.id,
    team_id: TEAM.id,
    name: member.name,
    deleted: false,
    real_name: member.real_name,
    tz: member.tz,
    is_bot: Boolean(member.is_bot),
    is_admin: false,
    profile: { display_name: member.name, real_name: member.real_name, first_name: member.real_name.split(" ")[0], email: `${member.name}@local.slack.test` },
  };
}

/**
 * Slash-command text as Slack delivers it for a command with should_escape (our manifest sets it):
 * first the user's own `&`, `<` and `>` become `&amp;`, `&lt;`, `&gt;`, then Slack's own tokens are
 * made, so a token's `<…>` is never escaped and a typed `<` can never start one: URLs → `<https://…>`
 * (an `&` inside stays `&amp;`), `@here` / `@channel` / `@everyone` → `<!here>` …, a known @handle →
 * `<@U…|handle>`, a known user group → `<!subteam^S…|@handle>`, a known #channel → `<#C…|name>`.
 * Unknown handles and channels stay as typed. Bare domains (example.com) are left alone here.
 * @see https://api.slack.com/interactivity/slash-commands (should_escape: "Escape channels, users, and links sent to your app")
 * @see https://api.slack.com/reference/surfaces/formatting#escaping ("three characters you must convert to HTML entities and only three")
 * @see https://api.slack.com/reference/surfaces/formatting#mentioning-users (<@U…|name>, <#C…|name>, <!here>, <!subteam^S…|@handle>)
 * @param {string} text  what the person typed after the command
 * @param {{ members: Map<string, { id: string, name: string }> }} ws
 */
export function escapeCommandText(text, ws) {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return escaped.replace(TOKEN, (all, url, pre = "", sigil, word) => {
    if (url) {
      const [link, tail] = splitTrailing(url);
      return `<${link}>${tail}`;
    }
    const [, name, tail] = /^(.*?)([._-]*)$/.exec(word);
    const lower = name.toLowerCase();
    if (sigil === "#") {
      const c = CHANNELS.find((x) => x.name === lower);
      return c ? `${pre}<#${c.id}|${c.name}>${tail}` : all;
    }
    if (["here", "channel", "everyone"].includes(lower)) return `${pre}<!${lower}>${tail}`;
    const user = [...ws.members.values()].find((u) => u.name === lower);
    if (user) return `${pre}<@${user.id}|${user.name}>${tail}`;
    const group = USER_GROUPS.find((g) => g.handle === lower);
    if (group) return `${pre}<!subteam^${group.id}|@${group.handle}>${tail}`;
    return all;
  });
}

/** A URL's trailing punctuation ends the sentence, not the link (an unbalanced ")" included). */
function splitTrailing(url) {
  let link = url;
  let tail = "";
  const count = (c) => link.split(c).length - 1;
  const entityEnd = () => /&(amp|lt|gt);$/.test(link);
  while (link.length > 1 && ((/[.,;:!?'"\]]$/.test(link) && !entityEnd()) || (link.endsWith(")") && count("(") < count(")")))) {
    tail = link.at(-1) + tail;
    link = link.slice(0, -1);
  }
  return [link, tail];
}

/** A URL, or an @word / #word that starts the text or follows a space or an opening bracket. */
const TOKEN = /(https?:\/\/[^\s]+)|(^|[\s([])([@#])([a-z0-9][a-z0-9._-]*)/gi;

/**
 * Turns what the page's form holds ({ [block_id]: { [action_id]: raw } }) into view.state.values,
 * typed by the view's own input elements, as Slack does. Unknown blocks are ignored.
 */
export function viewStateValues(view, raw) {
  const values = {};
  for (const block of view.blocks ?? []) {
    if (block.type !== "input" || !block.element) continue;
    const blockId = block.block_id;
    const el = block.element;
    const given = raw?.[blockId]?.[el.action_id];
    let state;
    switch (el.type) {
      case "plain_text_input":
      case "number_input":
      case "email_text_input":
      case "url_text_input":
        state = { type: el.type, value: given === undefined || given === "" ? null : String(given) };
        break;
      case "static_select": {
        const option = (el.options ?? []).find((o) => o.value === given);
        state = { type: el.type, selected_option: option ?? null };
        break;
      }
      case "users_select":
        state = { type: el.type, selected_user: given || null };
        break;
      case "multi_users_select":
        state = { type: el.type, selected_users: Array.isArray(given) ? given : given ? [given] : [] };
        break;
      case "conversations_select":
        state = { type: el.type, selected_conversation: given || null };
        break;
      case "datepicker":
        state = { type: el.type, selected_date: given || null };
        break;
      case "checkboxes": {
        const chosen = Array.isArray(given) ? given : given ? [given] : [];
        state = { type: el.type, selected_options: (el.options ?? []).filter((o) => chosen.includes(o.value)) };
        break;
      }
      default:
        state = { type: el.type, value: given ?? null };
    }
    values[blockId] = { [el.action_id]: state };
  }
  return values;
}

/** Slack's own check before view_submission: required inputs must be filled. */
export function missingRequiredInputs(view, values) {
  const errors = {};
  for (const block of view.blocks ?? []) {
    if (block.type !== "input" || block.optional) continue;
    const s = values[block.block_id]?.[block.element?.action_id];
    const empty =
      !s ||
      ("value" in s && (s.value === null || s.value === "")) ||
      ("selected_option" in s && !s.selected_option) ||
      ("selected_user" in s && !s.selected_user) ||
      ("selected_users" in s && s.selected_users.length === 0) ||
      ("selected_date" in s && !s.selected_date) ||
      ("selected_options" in s && s.selected_options.length === 0);
    if (empty) errors[block.block_id] = "Please complete this required field.";
  }
  return errors;
}

/** A view as the Web API returns it: ids, hash and state filled in. */
export function completeView(view, id, user) {
  const v = typeof view === "string" ? JSON.parse(view) : (view ?? {});
  const viewId = id ?? `V${randomBytes(5).toString("hex").toUpperCase()}`;
  return {
    type: "modal",
    blocks: [],
    private_metadata: "",
    callback_id: "",
    clear_on_close: false,
    notify_on_close: false,
    external_id: "",
    ...v,
    id: viewId,
    team_id: TEAM.id,
    app_id: APP.id,
    bot_id: APP.botId,
    state: { values: {} },
    hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString("hex")}`,
    root_view_id: viewId,
    previous_view_id: null,
    app_installed_team_id: TEAM.id,
    user,
  };
}
