// `npm run bridge`: a Socket Mode bridge for local development. A @slack/bolt app connects to
// Slack over Socket Mode (SLACK_APP_TOKEN, an xapp- token with connections:write), receives slash
// commands, interactions and events, and forwards each to the local service's routes as the
// signed HTTP request Slack would have sent (standin/signing.js). The route's answer is
// relayed as the envelope's ack, within Slack's 3 seconds. So a real workspace can reach
// `npm run dev` without a public URL or tunnel.
//
// Settings (environment, then .dev.vars, then the local stand-in's defaults):
//   SLACK_APP_TOKEN       xapp-… app-level token          (default: the stand-in's)
//   SLACK_SIGNING_SECRET  the secret the service checks   (default: the local one)
//   SLACK_API_URL         Slack Web API base URL          (default: the stand-in's, unless an
//                                                           app token from .dev.vars/env is used)
//   SERVICE_URL           the service                     (default http://127.0.0.1:8787)
//   BRIDGE_LOG_LEVEL      debug | info | warn | error     (default info)
import { pathToFileURL } from "node:url";
import bolt from "@slack/bolt";
import { signedHeaders } from "../standin/signing.js";
import { LOCAL, readDevVars } from "./lib/local-defaults.js";

const { App, LogLevel, SocketModeReceiver } = bolt;

/** Slack waits 3 s for an ack; the forward must answer in time to leave room for the ack. */
export const FORWARD_TIMEOUT_MS = 2500;

const ROUTES = { command: "/slack/commands", interaction: "/slack/interactions", event: "/slack/events" };

/** What kind of Slack delivery a Socket Mode payload is. */
export function classify(body) {
  if (body && typeof body.command === "string") return "command";
  if (body && body.type === "event_callback") return "event";
  return "interaction";
}

/** The raw HTTP body Slack would have posted for this payload, and its content type. */
export function httpBody(kind, body) {
  if (kind === "command")
    return { raw: new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString(), type: "application/x-www-form-urlencoded" };
  if (kind === "event") return { raw: JSON.stringify(body), type: "application/json" };
  return { raw: new URLSearchParams({ payload: JSON.stringify(body) }).toString(), type: "application/x-www-form-urlencoded" };
}

/**
 * Forwards one payload to the service, signed, and returns what to ack with: the route's JSON
 * (a command's reply, a view_submission's response_action), its text, or nothing.
 * `ok: false` means the route failed (non-2xx, timeout): Slack then shows its own error.
 */
export async function forward({ serviceUrl, signingSecret }, kind, body) {
  const { raw, type } = httpBody(kind, body);
  const headers = { ...(await signedHeaders(signingSecret, raw)), "content-type": type };
  const started = performance.now();
  let res;
  try {
    res = await fetch(new URL(ROUTES[kind], serviceUrl), { method: "POST", headers, body: raw, signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) });
  } catch (err) {
    return {
      ok: false,
      status: 0,
      ms: Math.round(performance.now() - started),
      error: err.name === "TimeoutError" ? "timeout" : `network error (${err.message})`,
    };
  }
  const text = await res.text();
  const ms = Math.round(performance.now() - started);
  if (res.status < 200 || res.status > 299) return { ok: false, status: res.status, ms, error: text.slice(0, 200) };
  if (!text) return { ok: true, status: res.status, ms, ack: undefined };
  if ((res.headers.get("content-type") ?? "").includes("json")) {
    try {
      return { ok: true, status: res.status, ms, ack: JSON.parse(text) };
    } catch {}
  }
  return { ok: true, status: res.status, ms, ack: text };
}

function describe(kind, body) {
  if (kind === "command") return `${body.command} from ${body.user_id}`;
  if (kind === "event") return `event ${body.event?.type}`;
  return `${body.type}${body.actions?.[0]?.action_id ? ` ${body.actions[0].action_id}` : ""} from ${body.user?.id}`;
}

/**
 * @param {{ appToken: string, signingSecret: string, serviceUrl: string, slackApiUrl?: string, logLevel?: string, log?: (line: string) => void }} opts
 */
export async function startBridge(opts) {
  const log = opts.log ?? ((line) => console.log(line));
  const level = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR }[opts.logLevel ?? "info"] ?? LogLevel.INFO;
  const clientOptions = opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {};
  const receiver = new SocketModeReceiver({
    appToken: opts.appToken,
    logLevel: level === LogLevel.DEBUG ? level : LogLevel.WARN,
    installerOptions: { clientOptions },
  });
  // The bridge itself calls no Web API method (the service does), so it needs no bot token.
  const app = new App({ receiver, authorize: async () => ({}), logLevel: level === LogLevel.DEBUG ? level : LogLevel.WARN, clientOptions });

  // One global middleware sees every payload: forward it, then ack with the route's answer.
  app.use(async ({ body, ack }) => {
    const kind = classify(body);
    const result = await forward(opts, kind, body);
    const what = describe(kind, body);
    if (!result.ok) {
      // No ack: Slack tells the user the app failed, as it would for this answer over HTTP.
      log(`✗ ${what} → ${ROUTES[kind]} ${result.status || ""} ${result.error} (${result.ms} ms), not acked`);
      return;
    }
    // Events were acked by Bolt on arrival (ack is undefined for them); the rest ack now.
    if (ack) await ack(result.ack);
    log(`✓ ${what} → ${ROUTES[kind]} ${result.status} in ${result.ms} ms${ack ? ", acked" : ""}`);
  });
  app.error(async (err) => log(`bridge error: ${err.message}`));

  await app.start();
  return { app, stop: () => app.stop() };
}

// `npm run bridge`
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const devVars = await readDevVars();
  const setting = (name) => process.env[name] || devVars[name];
  const appToken = setting("SLACK_APP_TOKEN");
  const standIn = !appToken;
  const opts = {
    appToken: appToken || LOCAL.appToken,
    signingSecret: setting("SLACK_SIGNING_SECRET") || LOCAL.vars.SLACK_SIGNING_SECRET,
    serviceUrl: process.env.SERVICE_URL || `http://127.0.0.1:${LOCAL.port}`,
    slackApiUrl: process.env.SLACK_API_URL || (standIn ? `http://127.0.0.1:${LOCAL.fakeSlackPort}/api/` : undefined),
    logLevel: process.env.BRIDGE_LOG_LEVEL,
  };
  const bridge = await startBridge(opts);
  console.log(`Socket Mode bridge connected (${standIn ? `local Slack stand-in ${opts.slackApiUrl}` : "Slack"}) → forwarding to ${opts.serviceUrl}`);
  const stop = async () => {
    await bridge.stop().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
