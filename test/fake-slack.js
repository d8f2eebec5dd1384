// A local stand-in for the Slack Web API, shared by the tests and `npm run dev`.
// It answers the methods the service uses with Slack's response shapes and errors, records
// every call, and can be told to fail (HTTP 500, 429 with Retry-After, ok:false errors, delays).
// Control endpoints (not part of Slack): GET /_control/calls, GET /_control/messages,
// POST /_control/faults, POST /_control/reset.
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

/**
 * @param {{ token?: string, port?: number, host?: string, quiet?: boolean }} [options]
 */
export async function startFakeSlack(options = {}) {
  const token = options.token ?? "xoxb-local-dev-token";
  const host = options.host ?? "127.0.0.1";
  const state = newState();

  const server = createServer(async (req, res) => {
    try {
      await handle(req, res);
    } catch (err) {
      send(res, 500, { ok: false, error: "fake_slack_bug", detail: String(err) });
    }
  });

  async function handle(req, res) {
    const url = new URL(req.url ?? "/", `http://${host}`);
    const body = await readBody(req);
    if (url.pathname.startsWith("/_control/")) return control(url, body, res);
    if (url.pathname.startsWith("/hooks/")) {
      // response_url posts (ephemeral replies, message replacements)
      state.responses.push({ seq: ++state.seq, path: url.pathname, body: parseJson(body), at: Date.now() });
      return send(res, 200, "ok");
    }
    const m = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
    if (!m) return send(res, 404, { ok: false, error: "unknown_method" });
    const method = m[1];
    const args = parseArgs(req.headers["content-type"], body);
    const auth = req.headers.authorization ?? (args.token ? `Bearer ${args.token}` : undefined);
    const call = { seq: ++state.seq, method, args, at: Date.now(), result: "ok" };
    state.calls.push(call);

    const fault = takeFault(method, body);
    if (fault) {
      call.result = fault.status ? `http_${fault.status}` : fault.error ?? "delay";
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status) {
        const headers = fault.retryAfter ? { "retry-after": String(fault.retryAfter) } : {};
        return send(res, fault.status, fault.status === 429 ? { ok: false, error: "ratelimited" } : "upstream error", headers);
      }
      if (fault.error) return send(res, 200, { ok: false, error: fault.error });
    }
    if (!auth) return fail(call, res, "not_authed");
    if (auth !== `Bearer ${token}`) return fail(call, res, "invalid_auth");
    const answer = api(method, args);
    if (answer.ok === false) call.result = answer.error;
    return send(res, 200, answer);
  }

  function fail(call, res, error) {
    call.result = error;
    return send(res, 200, { ok: false, error });
  }

  function takeFault(method, rawBody) {
    const i = state.faults.findIndex((f) => (f.method === method || f.method === "*") && (!f.match || rawBody.includes(f.match)));
    if (i < 0) return undefined;
    const rule = state.faults[i];
    const fault = rule.queue.shift();
    if (rule.queue.length === 0) state.faults.splice(i, 1);
    return fault;
  }

  function api(method, args) {
    switch (method) {
      case "auth.test":
        return { ok: true, url: "https://local.slack.test/", team: "Local", user: "approvals", team_id: "T0LOCAL", user_id: "U0BOT", bot_id: "B0BOT" };
      case "conversations.open": {
        const users = String(args.users ?? "").split(",").filter(Boolean);
        if (users.length !== 1 || !/^[UW][A-Z0-9]+$/.test(users[0])) return { ok: false, error: users.length ? "user_not_found" : "users_list_not_supplied" };
        return { ok: true, channel: { id: dmChannel(users[0]) } };
      }
      case "chat.postMessage": {
        if (!args.channel) return { ok: false, error: "channel_not_found" };
        if (!args.text && !args.blocks) return { ok: false, error: "no_text" };
        const channel = /^[UW]/.test(args.channel) ? dmChannel(args.channel) : args.channel;
        const ts = nextTs();
        const message = { ts, channel, text: args.text ?? "", blocks: args.blocks ?? [], thread_ts: args.thread_ts, updated: 0 };
        state.messages.push(message);
        return { ok: true, channel, ts, message: { type: "message", text: message.text, ts, bot_id: "B0BOT" } };
      }
      case "chat.update": {
        const message = state.messages.find((x) => x.channel === args.channel && x.ts === args.ts);
        if (!message) return { ok: false, error: "message_not_found" };
        if (args.text !== undefined) message.text = args.text;
        if (args.blocks !== undefined) message.blocks = args.blocks;
        message.updated++;
        return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
      }
      case "chat.postEphemeral":
        if (!args.channel || !args.user) return { ok: false, error: "channel_not_found" };
        state.ephemerals.push({ channel: args.channel, user: args.user, text: args.text, blocks: args.blocks });
        return { ok: true, message_ts: nextTs() };
      case "users.info": {
        const id = String(args.user ?? "");
        if (!/^[UW][A-Z0-9]+$/.test(id)) return { ok: false, error: "user_not_found" };
        const name = id.toLowerCase();
        return { ok: true, user: { id, name, real_name: name, profile: { display_name: name, real_name: name } } };
      }
      case "views.open":
      case "views.update":
      case "views.publish":
        return { ok: true, view: { id: `V${String(++state.seq).padStart(8, "0")}`, ...(typeof args.view === "string" ? parseJson(args.view) : args.view) } };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  function control(url, body, res) {
    const since = Number(url.searchParams.get("since") ?? "0");
    switch (url.pathname) {
      case "/_control/calls": {
        const method = url.searchParams.get("method");
        return send(res, 200, state.calls.filter((c) => c.seq > since && (!method || c.method === method)));
      }
      case "/_control/responses":
        return send(res, 200, state.responses.filter((r) => r.seq > since));
      case "/_control/messages": {
        const channel = url.searchParams.get("channel");
        return send(res, 200, state.messages.filter((m) => !channel || m.channel === channel));
      }
      case "/_control/faults": {
        // { method: "chat.postMessage" | "*", match?: "substring of the request body", faults: [{ status?, retryAfter?, error?, delayMs? }] }
        const rule = parseJson(body);
        if (!rule || !rule.method || !Array.isArray(rule.faults) || rule.faults.length === 0) return send(res, 400, { error: "expected {method, faults: [...]}" });
        state.faults.push({ method: rule.method, match: rule.match, queue: [...rule.faults] });
        return send(res, 200, { ok: true });
      }
      case "/_control/reset":
        Object.assign(state, newState());
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: "unknown control endpoint" });
    }
  }

  function nextTs() {
    const now = Math.max(Math.floor(Date.now() / 1000), state.lastSecond);
    if (now !== state.lastSecond) {
      state.lastSecond = now;
      state.tsCounter = 0;
    }
    return `${now}.${String(++state.tsCounter).padStart(6, "0")}`;
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const address = server.address();
  const base = `http://${host}:${address.port}`;
  return {
    url: base,
    apiUrl: `${base}/api/`,
    token,
    state,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve(undefined)); }),
  };
}

function newState() {
  return { seq: 0, calls: [], messages: [], responses: [], ephemerals: [], faults: [], lastSecond: 0, tsCounter: 0 };
}

const dmChannel = (user) => `D${user.slice(1)}`;

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseArgs(contentType = "", body) {
  if (contentType.includes("application/json")) return parseJson(body) ?? {};
  const args = Object.fromEntries(new URLSearchParams(body));
  for (const k of ["blocks", "attachments", "view"]) if (typeof args[k] === "string") args[k] = parseJson(args[k]) ?? args[k];
  for (const k of ["unfurl_links", "unfurl_media", "reply_broadcast"]) if (args[k] === "true" || args[k] === "false") args[k] = args[k] === "true";
  return args;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json; charset=utf-8", ...headers });
  res.end(text);
}

// `node test/fake-slack.js [port]` runs it on its own.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.argv[2] ?? process.env.FAKE_SLACK_PORT ?? 8790);
  const fake = await startFakeSlack({ port, token: process.env.SLACK_BOT_TOKEN });
  console.log(`fake Slack API on ${fake.apiUrl}`);
}
