// The stand-in's small workspace: who can be acted as, the channels, and how the page's modal
// inputs become Slack's view.state.values.

export const TEAM = { id: "T0LOCAL", name: "Local workspace", domain: "local" };
export const APP = { id: "A0LOCAL", name: "Approvals", botId: "B0BOT", botUser: "U0BOT" };

/** The people of the workspace; ids match scripts/lib/local-defaults.js (ESCALATION_USER). */
export const USERS = [
  { id: "U0REQUESTER", name: "alex", real_name: "Alex Rivera", role: "requester", color: "#2b6cb0", tz: "Europe/London" },
  { id: "U0APPROVER", name: "maria", real_name: "Maria Lopez", role: "approver", color: "#2f855a", tz: "Europe/Madrid" },
  { id: "U0ESCALATE", name: "sam", real_name: "Sam Chen", role: "escalation user", color: "#b7791f", tz: "America/New_York" },
];

export const CHANNELS = [{ id: "C0GENERAL", name: "general", topic: "Company-wide announcements and work-based matters" }];

export const dmChannel = (user) => `D${user.slice(1)}`;
export const findUser = (id) => USERS.find((u) => u.id === id);

/** A users.info `user` object: the real profile for a workspace member, a plain one otherwise. */
export function userInfo(id) {
  const u = findUser(id);
  const name = u?.name ?? id.toLowerCase();
  const real = u?.real_name ?? name;
  return {
    id,
    team_id: TEAM.id,
    name,
    deleted: false,
    real_name: real,
    tz: u?.tz ?? "Etc/UTC",
    is_bot: false,
    is_admin: false,
    profile: { display_name: u ? u.name : name, real_name: real, first_name: real.split(" ")[0], email: `${name}@local.slack.test` },
  };
}

/**
 * Slack turns `@maria` typed in a slash command into `<@U0APPROVER|maria>` (commands created with
 * "Escape channels, users, and links"). Known handles and display names are replaced; the rest is
 * left as typed. `#general` becomes `<#C0GENERAL|general>`.
 */
export function escapeCommandText(text) {
  return text
    .replace(/(^|\s)@([a-z0-9._-]+)/gi, (all, pre, handle) => {
      const u = USERS.find((x) => x.name === handle.toLowerCase() || x.id === handle.toUpperCase());
      return u ? `${pre}<@${u.id}|${u.name}>` : all;
    })
    .replace(/(^|\s)#([a-z0-9_-]+)/gi, (all, pre, name) => {
      const c = CHANNELS.find((x) => x.name === name.toLowerCase());
      return c ? `${pre}<#${c.id}|${c.name}>` : all;
    });
}

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
      (("value" in s) && (s.value === null || s.value === "")) ||
      (("selected_option" in s) && !s.selected_option) ||
      (("selected_user" in s) && !s.selected_user) ||
      (("selected_users" in s) && s.selected_users.length === 0) ||
      (("selected_date" in s) && !s.selected_date) ||
      (("selected_options" in s) && s.selected_options.length === 0);
    if (empty) errors[block.block_id] = "Please complete this required field.";
  }
  return errors;
}
