// A client for the stand-in's control endpoints (not Slack's API), for the tests and tools that
// run the stand-in in another process or runtime (the workerd suite, `npm run slack`). Plain
// fetch, so it runs in Node and in workerd alike.

/** @param {string} url  the stand-in's base URL, e.g. http://127.0.0.1:8790 */
export function standinControl(url) {
  async function post(path, body) {
    const res = await fetch(`${url}/_control/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
    const answer = await res.json();
    if (!res.ok || answer.ok === false) throw new Error(`stand-in /_control/${path}: HTTP ${res.status} ${JSON.stringify(answer)}`);
    return answer;
  }
  return {
    /** Makes `id` a member of the workspace (users.info, DMs and Home tabs work for members only). */
    addUser: async (id, profile = {}) => (await post("users", { id, ...profile })).user,
    /** A trigger_id as if `user` had just acted: views.open / views.push take it once, within 3 s. */
    triggerId: async (user) => (await post("trigger_ids", { user })).trigger_id,
    /**
     * A response_url for a command (kind "commands") or a click (kind "actions", on the message
     * `messageTs` in `channel`): it takes 5 posts within 30 minutes.
     */
    responseUrl: async ({ user, channel, kind = "commands", messageTs }) =>
      (await post("response_urls", { user, channel, kind, message_ts: messageTs })).response_url,
    /** Registers another bot token with these scopes (e.g. one lacking a scope the manifest has). */
    addToken: (token, scopes) => post("tokens", { token, scopes }),
    /**
     * Delivers an Events API event (wrapped in an event_callback) signed, retried like Slack's;
     * resolves to the first attempt ({ event_id, delivered, status, error }).
     */
    deliverEvent: (event) => post("events", { event }),
    /** Delivers a whole Events API body as it is (url_verification, app_rate_limited, …). */
    deliverEventBody: (body) => post("events", { body }),
    /** Slack's retry schedule for failed event deliveries. */
    setEventRetryDelays: (eventRetryDelaysMs) => post("settings", { eventRetryDelaysMs }),
    /** Sends Slack's ssl_check to the app's command URL; resolves to the recorded delivery. */
    sslCheck: async () => (await post("ssl_check")).delivery,
    reset: () => post("reset"),
    /** A run of a Workflow Builder step, not delivered: { execution_id, token, body } (post `body` signed to /slack/events). */
    executeFunction: (inputs, opts = {}) => post("functions/execute", { inputs, ...opts }),
    /** A new workflow token for a running step run, as a click on its message carries. */
    functionToken: async (executionId) => (await post("functions/token", { execution_id: executionId })).token,
    /** Every step run: status, outputs, error, completion attempts (never tokens). */
    functions: async () => (await fetch(`${url}/_control/functions`)).json(),
    /** Workflow tokens' life (ms) and whether the bot token may complete a step run. */
    setFunctionSettings: (settings) => post("settings", settings),
    /** A user group's members from now on. */
    setUsergroup: (id, users) => post("usergroups", { id, users }),
  };
}
