// Form bodies shaped exactly like Slack's slash command and block_actions posts. Used by the
// tests, `npm run slack` and the benchmarks, so all of them speak the same wire format.

/**
 * @param {string} user  the Slack user id running the command
 * @param {string} text  what follows /approval
 * @param {{ responseUrl?: string, triggerId?: string }} [opts]
 */
export function commandForm(user, text, opts = {}) {
  return new URLSearchParams({
    token: "deprecated-verification-token",
    team_id: "T0LOCAL",
    team_domain: "local",
    channel_id: "C0GENERAL",
    channel_name: "general",
    user_id: user,
    user_name: user.toLowerCase(),
    command: "/approval",
    text,
    api_app_id: "A0LOCAL",
    response_url: opts.responseUrl ?? "https://hooks.slack.com/commands/T0LOCAL/1/local",
    trigger_id: opts.triggerId ?? "1.2.local",
  }).toString();
}

/**
 * A click on Approve or Reject in the clicker's DM with the app.
 * @param {string} user
 * @param {string} requestId  the button's value
 * @param {"approve" | "reject" | "cancel"} action
 * @param {{ responseUrl?: string }} [opts]
 */
export function clickForm(user, requestId, action, opts = {}) {
  const dm = `D${user.slice(1)}`;
  const payload = {
    type: "block_actions",
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: "T0LOCAL" },
    api_app_id: "A0LOCAL",
    token: "deprecated-verification-token",
    container: { type: "message", message_ts: "1700000000.000100", channel_id: dm, is_ephemeral: false },
    trigger_id: "1.2.local",
    team: { id: "T0LOCAL", domain: "local" },
    channel: { id: dm, name: "directmessage" },
    response_url: opts.responseUrl ?? "https://hooks.slack.com/actions/T0LOCAL/1/local",
    actions: [{ action_id: `approval_${action}`, block_id: "decision", value: requestId, type: "button", action_ts: "1700000001.000200" }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/**
 * A modal submission (view_submission) with the given input values, keyed by block id
 * (each block holds one element whose action_id is the block id, as our modals are built).
 * @param {string} user
 * @param {{ id: string, callback_id: string, private_metadata?: string }} view
 * @param {Record<string, { type: string, value?: string, selected_user?: string, selected_option?: { value: string }, selected_date?: string }>} values
 */
export function viewSubmissionForm(user, view, values) {
  const payload = {
    type: "view_submission",
    team: { id: "T0LOCAL", domain: "local" },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: "T0LOCAL" },
    api_app_id: "A0LOCAL",
    token: "deprecated-verification-token",
    trigger_id: "1.2.local",
    view: {
      ...view,
      type: "modal",
      state: { values: Object.fromEntries(Object.entries(values).map(([block, v]) => [block, { [block]: v }])) },
    },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
