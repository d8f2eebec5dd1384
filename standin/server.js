// A local stand-in for Slack, shared by the tests and `npm run dev`: one fake Slack, not two.
// - The Web API methods the service uses, with Slack's response shapes and errors (ok:false,
//   invalid_auth for a wrong token, 429 with Retry-After when told to), recording every call.
// - response_url hooks (/hooks/...), applied to the conversation they came from.
// - A web page (GET /) showing a small workspace to act in: users, their DMs with the app and a
//   channel, Block Kit messages, a slash-command box and modals. What the person does there is
//   delivered to the app as Slack would (standin/ui.js): signed HTTP posts to the
//   service's routes, or Socket Mode envelopes over apps.connections.open's WebSocket.
// Control endpoints (not part of Slack): GET /_control/calls, /_control/messages,
// /_control/responses, /_control/deliveries, /_control/envelopes; POST /_control/faults,
// /_control/reset.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createSocketMode } from "./socket-mode.js";
import { completeView, createWorkspaceUi } from "./ui.js";
import { APP, userInfo } from "./workspace.js";

const TRIGGER_TTL_MS = 3000;
const asset = (name) => readFileSync(fileURLToPath(new URL(`./page/${name}`, import.meta.url)), "utf8");

/**
 * @param {{ token?: string, port?: number, host?: string, quiet?: boolean,
 *   signingSecret?: string, serviceUrl?: string, appToken?: string, pingIntervalMs?: number }} [options]
 *   signingSecret + serviceUrl: where the page's slash commands, clicks and modal submissions go
 *   (the service's base URL, e.g. http://127.0.0.1:8787) and the secret they are signed with.
 *   appToken: the xapp- token apps.connections.open accepts (Socket Mode).
 */
export async function startFakeSlack(options = {}) {
  const token = options.token ?? "xoxb-local-dev-token";
  const appToken = options.appToken ?? "xapp-1-local-dev-app-token";
  const host = options.host ?? "127.0.0.1";
  const state = newState();
  /** Server-sent-event listeners of the page. */
  const watchers = new Set();
  const changed = () => {
    state.version++;
    for (const res of watchers) res.write(`data: ${state.version}\n\n`);
  };
  const socket = createSocketMode({ appId: APP.id, pingIntervalMs: options.pingIntervalMs, onChange: changed });
  let base = "";
  const ui = createWorkspaceUi({ state, options, socket, base: () => base, nextTs, changed });
  const page = { html: asset("page.html"), js: asset("page.js"), css: asset("page.css") };

  const server = createServer(async (req, res) => {
    try {
      await handle(req, res);
    } catch (err) {
      send(res, 500, { ok: false, error: "fake_slack_bug", detail: String(err) });
    }
  });
  server.on("upgrade", (req, sock, head) => {
    if (!socket.handleUpgrade(req, sock, head)) sock.destroy();
  });

  async function handle(req, res) {
    const url = new URL(req.url ?? "/", `http://${host}`);
    if (req.method === "GET" && (url.pathname === "/" || url.pathname.startsWith("/_ui/"))) return serveUi(url, req, res);
    const body = await readBody(req);
    if (url.pathname.startsWith("/_control/")) return control(url, body, res);
    if (url.pathname.startsWith("/_ui/")) return uiAction(url, req, body, res);
    if (url.pathname.startsWith("/hooks/")) {
      // response_url posts (ephemeral replies, message replacements). A response_url the page
      // issued works as Slack's does: at most 5 times, within 30 minutes.
      const refused = ui.hookRefusal(url.pathname);
      if (refused) {
        state.responses.push({ seq: ++state.seq, path: url.pathname, body: parseJson(body), at: Date.now(), refused });
        changed();
        return send(res, 404, refused);
      }
      state.responses.push({ seq: ++state.seq, path: url.pathname, body: parseJson(body), at: Date.now() });
      ui.applyHook(url.pathname, parseJson(body));
      changed();
      return send(res, 200, "ok");
    }
    const m = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
    if (!m) return send(res, 404, { ok: false, error: "unknown_method" });
    const method = m[1];
    const args = parseArgs(req.headers["content-type"], body);
    const auth = req.headers.authorization ?? (args.token ? `Bearer ${args.token}` : undefined);
    const call = { seq: ++state.seq, method, args, at: Date.now(), result: "ok" };
    state.calls.push(call);
    try {
      return await answerApi(call, method, args, auth, body, res);
    } finally {
      changed();
    }
  }

  async function answerApi(call, method, args, auth, body, res) {
    const fault = takeFault(method, body) ?? chaosFault();
    if (fault) {
      call.result = fault.status ? `http_${fault.status}` : fault.error ?? (fault.late ? "late" : fault.lost ? "lost" : "delay");
      if (fault.late) {
        // Slack did the work at once; its answer arrives after the client has given up.
        const answer = auth === `Bearer ${token}` ? api(method, args) : { ok: false, error: "invalid_auth" };
        await new Promise((r) => setTimeout(r, fault.delayMs));
        return send(res, 200, answer);
      }
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.lost) {
        // Slack did the work, but the answer never arrives (a timeout or a dropped connection).
        if (auth === `Bearer ${token}`) api(method, args);
        return res.socket?.destroy();
      }
      if (fault.status) {
        const headers = fault.retryAfter ? { "retry-after": String(fault.retryAfter) } : {};
        return send(res, fault.status, fault.status === 429 ? { ok: false, error: "ratelimited" } : "upstream error", headers);
      }
      if (fault.error) return send(res, 200, { ok: false, error: fault.error });
    }
    if (!auth) return fail(call, res, "not_authed");
    if (method === "apps.connections.open") {
      // Needs the app-level token (xapp-), never the bot token.
      if (auth === `Bearer ${token}`) return fail(call, res, "not_allowed_token_type");
      if (auth !== `Bearer ${appToken}`) return fail(call, res, "invalid_auth");
      return send(res, 200, { ok: true, url: socket.ticketUrl(base) });
    }
    if (auth !== `Bearer ${token}`) return fail(call, res, "invalid_auth");
    const answer = api(method, args);
    if (answer.ok === false) call.result = answer.error;
    return send(res, 200, answer);
  }

  function fail(call, res, error) {
    call.result = error;
    return send(res, 200, { ok: false, error });
  }

  /** Chaos mode: a share of all Web API calls fail at random (seeded, so a drill can be replayed). */
  function chaosFault() {
    const chaos = state.chaos;
    if (!chaos || chaos.random() >= chaos.rate) return undefined;
    const kind = chaos.kinds[Math.floor(chaos.random() * chaos.kinds.length)];
    chaos.counts[kind] = (chaos.counts[kind] ?? 0) + 1;
    if (kind === "500") return { status: 500 };
    if (kind === "429") return { status: 429, retryAfter: 1 };
    if (kind === "lost") return { lost: true };
    return { lost: true, delayMs: chaos.slowMs, late: true }; // "slow": Slack acted at once, the answer comes after the client gave up
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
        const message = { ts, channel, text: args.text ?? "", blocks: args.blocks ?? [], thread_ts: args.thread_ts, metadata: args.metadata, updated: 0, bot_id: APP.botId, user: APP.botUser };
        state.messages.push(message);
        return { ok: true, channel, ts, message: { type: "message", text: message.text, ts, bot_id: "B0BOT" } };
      }
      case "conversations.history": {
        // Newest first, top-level messages only; metadata only with include_all_metadata.
        if (!args.channel) return { ok: false, error: "channel_not_found" };
        const limit = Math.min(Number(args.limit ?? 100), 1000);
        const withMeta = args.include_all_metadata === true || args.include_all_metadata === "true";
        const messages = state.messages
          .filter((x) => x.channel === args.channel && !x.thread_ts)
          .slice(-limit)
          .reverse()
          .map((x) => ({ type: "message", ts: x.ts, text: x.text, bot_id: x.bot_id, ...(withMeta && x.metadata ? { metadata: x.metadata } : {}) }));
        return { ok: true, messages, has_more: false };
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
      {
        const ts = nextTs();
        const channel = /^[UW]/.test(args.channel) ? dmChannel(args.channel) : args.channel;
        state.ephemerals.push({ ts, channel, user: args.user, text: args.text ?? "", blocks: args.blocks ?? [], source: APP.botUser, at: Date.now() });
        return { ok: true, message_ts: ts };
      }
      case "users.info": {
        const id = String(args.user ?? "");
        if (!/^[UW][A-Z0-9]+$/.test(id)) return { ok: false, error: "user_not_found" };
        return { ok: true, user: userInfo(id) };
      }
      case "views.open":
      case "views.push":
        return openView(method, args);
      case "views.update":
        return updateView(args);
      case "views.publish": {
        const view = parseView(args.view);
        const user = String(args.user_id ?? "");
        if (!/^[UW][A-Z0-9]+$/.test(user)) return { ok: false, error: user ? "user_not_found" : "invalid_arguments" };
        if (!view || view.type !== "home") return { ok: false, error: "invalid_arguments" };
        state.homes[user] = completeView(view, state.homes[user]?.id, user);
        return { ok: true, view: publicView(state.homes[user]) };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  function parseView(view) {
    const v = typeof view === "string" ? parseJson(view) : view;
    return v && typeof v === "object" && Array.isArray(v.blocks ?? []) ? v : undefined;
  }

  function publicView(v) {
    const { user: _owner, ...rest } = v;
    return rest;
  }

  /**
   * views.open / views.push need a trigger_id less than 3 s old, used once. Trigger ids the
   * stand-in issued (with a page action) are checked; others (the tests' fixed ones) are taken.
   */
  function openView(method, args) {
    const view = parseView(args.view);
    if (!args.trigger_id || !view) return { ok: false, error: "invalid_arguments" };
    if (view.type !== "modal") return { ok: false, error: "invalid_arguments" };
    const trigger = state.triggers[args.trigger_id];
    if (trigger) {
      if (trigger.used) return { ok: false, error: "exchanged_trigger_id" };
      if (Date.now() - trigger.at > TRIGGER_TTL_MS) return { ok: false, error: "expired_trigger_id" };
      trigger.used = true;
    }
    const opened = completeView(view, undefined, trigger?.user);
    state.views[opened.id] = opened;
    if (trigger) {
      const stack = (state.modalStacks[trigger.user] ??= []);
      if (method === "views.open") stack.length = 0;
      stack.push(opened.id);
    }
    return { ok: true, view: publicView(opened) };
  }

  function updateView(args) {
    const view = parseView(args.view);
    if (!view || (!args.view_id && !args.external_id)) return { ok: false, error: "invalid_arguments" };
    const current = args.view_id ? state.views[args.view_id] : Object.values(state.views).find((v) => v.external_id && v.external_id === args.external_id);
    if (!current) return { ok: false, error: "not_found" };
    if (args.hash && args.hash !== current.hash) return { ok: false, error: "hash_conflict" };
    const updated = completeView(view, current.id, current.user);
    state.views[current.id] = updated;
    return { ok: true, view: publicView(updated) };
  }

  // ---- the page

  function serveUi(url, req, res) {
    if (url.pathname === "/") return send(res, 200, page.html, { "content-type": "text/html; charset=utf-8", ...PAGE_HEADERS });
    if (url.pathname === "/_ui/page.js") return send(res, 200, page.js, { "content-type": "text/javascript; charset=utf-8", ...PAGE_HEADERS });
    if (url.pathname === "/_ui/page.css") return send(res, 200, page.css, { "content-type": "text/css; charset=utf-8", ...PAGE_HEADERS });
    if (url.pathname === "/_ui/state") {
      const user = url.searchParams.get("user") ?? "";
      if (!/^[UW][A-Z0-9]+$/.test(user)) return send(res, 400, { ok: false, error: "user_not_found" });
      return send(res, 200, ui.snapshot(user), { "cache-control": "no-store" });
    }
    if (url.pathname === "/_ui/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write(`retry: 1000\ndata: ${state.version}\n\n`);
      watchers.add(res);
      req.on("close", () => watchers.delete(res));
      return;
    }
    return send(res, 404, { ok: false, error: "not found" });
  }

  /** The page's actions. Only same-origin JSON posts (no form from another site can sign requests). */
  async function uiAction(url, req, body, res) {
    const origin = req.headers.origin;
    const sameOrigin = !origin || origin === base || origin === base.replace("127.0.0.1", "localhost");
    if (req.method !== "POST" || !String(req.headers["content-type"] ?? "").startsWith("application/json") || !sameOrigin) {
      return send(res, 403, { ok: false, error: "the stand-in's page actions take same-origin JSON posts only" });
    }
    const input = parseJson(body) ?? {};
    const user = String(input.user ?? "");
    if (!/^[UW][A-Z0-9]+$/.test(user)) return send(res, 400, { ok: false, error: "user_not_found" });
    const handlers = {
      "/_ui/command": ui.command,
      "/_ui/action": ui.action,
      "/_ui/view_submission": ui.submitView,
      "/_ui/view_closed": ui.closeView,
      "/_ui/message": ui.message,
      "/_ui/home_opened": ui.openHome,
    };
    const handler = handlers[url.pathname];
    if (!handler) return send(res, 404, { ok: false, error: "unknown page action" });
    const out = await handler({ ...input, user, channel: String(input.channel ?? "") });
    return send(res, out.status, out.body);
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
      case "/_control/deliveries":
        // what the page (or a test) delivered to the app: kind, via http/socket, status, ms, ack
        return send(res, 200, state.deliveries.filter((d) => d.seq > since));
      case "/_control/envelopes":
        // Socket Mode: every envelope sent and its ack (acked, ackMs, ackPayload) or error
        return send(res, 200, { connections: socket.connections, envelopes: socket.envelopes });
      case "/_control/ephemerals":
        return send(res, 200, state.ephemerals);
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
      case "/_control/chaos": {
        // { rate: 0.3, kinds?: ["500", "429", "lost", "slow"], slowMs?: 12000, seed?: 1 } — rate 0 turns it off
        const c = parseJson(body);
        if (!c || typeof c.rate !== "number" || c.rate < 0 || c.rate > 1) return send(res, 400, { error: "expected {rate: 0..1}" });
        let seed = c.seed ?? 1;
        const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        state.chaos = c.rate === 0 ? undefined : { rate: c.rate, kinds: c.kinds ?? ["500", "429", "lost", "slow"], slowMs: c.slowMs ?? 12_000, random, counts: {} };
        return send(res, 200, { ok: true });
      }
      case "/_control/chaos-counts":
        return send(res, 200, state.chaos?.counts ?? {});
      case "/_control/reset":
        Object.assign(state, { ...newState(), version: state.version });
        socket.reset();
        changed();
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
  base = `http://${host}:${address.port}`;
  return {
    url: base,
    apiUrl: `${base}/api/`,
    /** The workspace page to act in. */
    pageUrl: `${base}/`,
    token,
    appToken,
    state,
    /** Where the page's actions go right now ({ via: "socket" | "http" | "none", target }). */
    route: () => ui.route(),
    close: () =>
      new Promise((resolve) => {
        for (const w of watchers) w.end();
        socket.close();
        server.closeAllConnections?.();
        server.close(() => resolve(undefined));
      }),
  };
}

const PAGE_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

function newState() {
  return {
    seq: 0, version: 0, chaos: undefined, calls: [], messages: [], responses: [], ephemerals: [], faults: [], lastSecond: 0, tsCounter: 0,
    // the page's workspace: deliveries to the app, issued trigger ids and response_urls, modals, Home tabs
    deliveries: [], triggers: {}, hooks: {}, views: {}, modalStacks: {}, homes: {},
  };
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
  for (const k of ["blocks", "attachments", "view", "metadata"]) if (typeof args[k] === "string") args[k] = parseJson(args[k]) ?? args[k];
  for (const k of ["unfurl_links", "unfurl_media", "reply_broadcast", "include_all_metadata"]) if (args[k] === "true" || args[k] === "false") args[k] = args[k] === "true";
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

// `node standin/server.js [port]` runs it on its own.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.argv[2] ?? process.env.FAKE_SLACK_PORT ?? 8790);
  const fake = await startFakeSlack({
    port,
    token: process.env.SLACK_BOT_TOKEN,
    serviceUrl: process.env.SERVICE_URL,
    signingSecret: process.env.SLACK_SIGNING_SECRET,
  });
  console.log(`fake Slack API on ${fake.apiUrl}, workspace page on ${fake.pageUrl}`);
}
