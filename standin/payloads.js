// Payloads shaped exactly like Slack's slash command, block_actions, view_submission and Events
// API posts. Used by the stand-in's page, the tests, `npm run slack` and the benchmarks, so all of
// them speak the same wire format. Over HTTP Slack sends a slash command as a form, an interaction
// as a form with one `payload` field holding JSON, and an event as a JSON body; over Socket Mode
// the same objects travel as the envelope's `payload`. A trigger_id and a response_url are never
// made up here: they are what the stand-in issued (its page, or POST /_control/trigger_ids and
// /_control/response_urls; see control.js), because the stand-in accepts no other.

const TEAM = { id: "T0LOCAL", domain: "local" };
const APP_ID = "A0LOCAL";
/** The deprecated verification token Slack still puts in payloads (and in ssl_check). */
export const VERIFICATION_TOKEN = "deprecated-verification-token";

/** The issued trigger_id / response_url a payload needs (never invented). */
function issued(value, what) {
  if (typeof value !== "string" || !value) throw new Error(`${what} must be one the stand-in issued (standin/control.js)`);
  return value;
}

/**
 * A slash command's fields (all strings, as Slack sends them).
 * @param {string} user  the Slack user id running the command
 * @param {string} text  what follows the command
 * @param {{ responseUrl: string, triggerId: string, channelId?: string, channelName?: string, userName?: string, command?: string }} opts
 */
export function commandPayload(user, text, opts) {
  return {
    token: VERIFICATION_TOKEN,
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: opts.channelId ?? "C0GENERAL",
    channel_name: opts.channelName ?? "general",
    user_id: user,
    user_name: opts.userName ?? user.toLowerCase(),
    command: opts.command ?? "/approval",
    text,
    api_app_id: APP_ID,
    is_enterprise_install: "false",
    response_url: issued(opts?.responseUrl, "a command's response_url"),
    trigger_id: issued(opts?.triggerId, "a command's trigger_id"),
  };
}

/** The form body of a slash command (application/x-www-form-urlencoded). */
export function commandForm(user, text, opts) {
  return new URLSearchParams(commandPayload(user, text, opts)).toString();
}

/**
 * A block_actions payload: a click on a button (or a menu choice) in a message.
 * @param {{ user: string, userName?: string, channelId: string, channelName?: string, messageTs: string,
 *   message?: object, actions: object[], responseUrl: string, triggerId: string, isEphemeral?: boolean }} p
 */
export function blockActionsPayload(p) {
  const name = p.userName ?? p.user.toLowerCase();
  return {
    type: "block_actions",
    user: { id: p.user, username: name, name, team_id: TEAM.id },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    container: { type: "message", message_ts: p.messageTs, channel_id: p.channelId, is_ephemeral: p.isEphemeral ?? false },
    trigger_id: issued(p.triggerId, "a click's trigger_id"),
    team: TEAM,
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: p.channelId, name: p.channelName ?? (p.channelId.startsWith("D") ? "directmessage" : "general") },
    ...(p.message ? { message: p.message } : {}),
    state: { values: {} },
    response_url: issued(p.responseUrl, "a click's response_url"),
    actions: p.actions,
  };
}

/**
 * A block_actions payload for a click in a view (the App Home tab, or a modal): container
 * {type: "view", view_id} and the whole view; no channel, no message and no response_url.
 * @see https://github.com/slackapi/java-slack-sdk/blob/86ff7ca/slack-app-backend/src/test/java/test_locally/app_backend/interactive_components/payload/BlockActionPayloadTest.java (jsonWithConfirm)
 * @see https://github.com/slackapi/bolt-js/blob/9a45c3c/src/types/actions/block-action.ts ("name will be present if the block_action originates from the Home tab")
 * @param {{ user: string, userName?: string, view: { id: string }, actions: object[], triggerId: string }} p
 */
export function viewBlockActionsPayload(p) {
  const name = p.userName ?? p.user.toLowerCase();
  return {
    type: "block_actions",
    user: { id: p.user, username: name, name, team_id: TEAM.id },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    container: { type: "view", view_id: p.view.id },
    trigger_id: issued(p.triggerId, "a click's trigger_id"),
    team: TEAM,
    enterprise: null,
    is_enterprise_install: false,
    view: p.view,
    actions: p.actions,
  };
}

/**
 * A click on a message a Workflow Builder step posted with its workflow token: no token, no
 * trigger_id, no response_url; instead `function_data` (the execution), a `bot_access_token`
 * issued for the click, and `interactivity` whose `interactivity_pointer` stands for a trigger_id.
 * @see https://github.com/slackapi/java-slack-sdk/blob/86ff7ca/slack-app-backend/src/test/java/test_locally/app_backend/interactive_components/payload/BlockActionPayloadTest.java (jsonInteractionsFromRemoteFunction)
 * @see https://github.com/slackapi/bolt-js/blob/9a45c3c/src/types/actions/block-action.ts (bot_access_token, function_data)
 * @param {{ user: string, userName?: string, channelId: string, channelName?: string, messageTs: string, message?: object,
 *   actions: object[], execution: { id: string, callback_id: string, inputs: object }, token?: string, pointer: string }} p
 */
export function functionBlockActionsPayload(p) {
  const name = p.userName ?? p.user.toLowerCase();
  return {
    type: "block_actions",
    team: TEAM,
    user: { id: p.user, name, team_id: TEAM.id },
    channel: { id: p.channelId, name: p.channelName ?? (p.channelId.startsWith("D") ? "directmessage" : "general") },
    ...(p.message ? { message: p.message } : {}),
    container: { type: "message", message_ts: p.messageTs, channel_id: p.channelId, is_ephemeral: false },
    actions: p.actions,
    api_app_id: APP_ID,
    state: { values: {} },
    ...(p.token ? { bot_access_token: p.token } : {}),
    function_data: { execution_id: p.execution.id, function: { callback_id: p.execution.callback_id }, inputs: p.execution.inputs },
    interactivity: { interactor: { secret: "local-interactor-secret", id: p.user }, interactivity_pointer: issued(p.pointer, "an interactivity_pointer") },
  };
}

/** The form body Slack posts for any interaction payload: `payload=<JSON>`. */
export function interactionForm(payload) {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The ts clickForm's clicks say they were made on, unless told the real one. */
export const CLICKED_TS = "1700000000.000100";

/**
 * A click on Approve or Reject in the clicker's DM with the app.
 * @param {string} user
 * @param {string} requestId  the button's value
 * @param {"approve" | "reject" | "cancel"} action
 * @param {{ responseUrl: string, triggerId: string, messageTs?: string }} opts  (messageTs: the clicked DM's ts)
 */
export function clickForm(user, requestId, action, opts) {
  const payload = blockActionsPayload({
    user,
    channelId: `D${user.slice(1)}`,
    messageTs: opts?.messageTs ?? CLICKED_TS,
    responseUrl: opts?.responseUrl,
    triggerId: opts?.triggerId,
    actions: [{ action_id: `approval_${action}`, block_id: "decision", value: requestId, type: "button", action_ts: "1700000001.000200" }],
  });
  return interactionForm(payload);
}

/**
 * A view_submission payload: the user pressed a modal's submit button.
 * @param {{ user: string, userName?: string, view: object, values: object, triggerId: string }} p
 *   `view` as Slack holds it (id, callback_id, private_metadata, blocks, ...); `values` is
 *   view.state.values: { [block_id]: { [action_id]: { type, value | selected_option | ... } } }
 */
export function viewSubmissionPayload(p) {
  const name = p.userName ?? p.user.toLowerCase();
  return {
    type: "view_submission",
    team: TEAM,
    user: { id: p.user, username: name, name, team_id: TEAM.id },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: issued(p.triggerId, "a view_submission's trigger_id"),
    view: { ...p.view, state: { values: p.values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A view_closed payload (sent only for views opened with notify_on_close). */
export function viewClosedPayload(p) {
  const name = p.userName ?? p.user.toLowerCase();
  return {
    type: "view_closed",
    team: TEAM,
    user: { id: p.user, username: name, name, team_id: TEAM.id },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    view: p.view,
    is_cleared: false,
    is_enterprise_install: false,
    enterprise: null,
  };
}

/**
 * An Events API callback wrapping one event (message.im, app_home_opened, ...).
 * @param {object} event  the inner event, e.g. { type: "app_home_opened", user, channel, tab }
 * @param {{ eventId?: string, botUser?: string }} [opts]
 */
export function eventCallback(event, opts = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    token: VERIFICATION_TOKEN,
    team_id: TEAM.id,
    api_app_id: APP_ID,
    event: { event_ts: `${now}.000000`, ...event },
    type: "event_callback",
    event_id: opts.eventId ?? `Ev${now.toString(36).toUpperCase()}${Math.floor(Math.random() * 1e6)}`,
    event_time: now,
    authorizations: [{ enterprise_id: null, team_id: TEAM.id, user_id: opts.botUser ?? "U0BOT", is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

/**
 * A modal submission (view_submission) with the given input values, keyed by block id
 * (each block holds one element whose action_id is the block id, as our modals are built).
 * @param {string} user
 * @param {{ id: string, callback_id: string, private_metadata?: string }} view
 * @param {Record<string, { type: string, value?: string, selected_user?: string, selected_option?: { value: string }, selected_date?: string }>} values
 * @param {string} triggerId  one the stand-in issued
 */
export function viewSubmissionForm(user, view, values, triggerId) {
  const state = Object.fromEntries(Object.entries(values).map(([block, v]) => [block, { [block]: v }]));
  return interactionForm(viewSubmissionPayload({ user, view: { type: "modal", ...view }, values: state, triggerId }));
}
