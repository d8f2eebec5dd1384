// How the stand-in delivers to the app, as Slack does: a signed HTTP POST to the app's Request URL
// (a command as a form, an interaction as a form with one `payload` field, an event as JSON), or,
// when an app is connected over Socket Mode, an envelope on its WebSocket. Every delivery is
// recorded (GET /_control/deliveries, and the page's deliveries panel).
import { signedHeaders } from "./signing.js";
import { interactionForm } from "./payloads.js";
import { ACK_TIMEOUT_MS } from "./socket-mode.js";

const PATHS = { command: "/slack/commands", interaction: "/slack/interactions", event: "/slack/events" };

/**
 * @param {{ state: any, options: { serviceUrl?: string, signingSecret?: string }, socket: any, changed: () => void }} ctx
 */
export function createDelivery(ctx) {
  const { state, socket } = ctx;

  /** Where deliveries go right now: a connected Socket Mode app wins, as in Slack. */
  function route() {
    if (socket.connections > 0) return { via: "socket", target: `Socket Mode (${socket.connections} connection${socket.connections > 1 ? "s" : ""})` };
    if (ctx.options.serviceUrl) return { via: "http", target: ctx.options.serviceUrl };
    return { via: "none", target: "no app connected" };
  }

  function record(fields) {
    const r = { seq: ++state.seq, at: Date.now(), ...fields };
    state.deliveries.push(r);
    if (state.deliveries.length > 500) state.deliveries.shift();
    return r;
  }

  /**
   * Delivers one payload to the app and returns its answer.
   * @param {"command" | "interaction" | "event"} kind
   * @returns {Promise<{ ok: boolean, status?: number, body?: any, error?: string }>}
   */
  async function deliver(kind, payload, user) {
    const { via } = route();
    const type = kind === "command" ? payload.command : kind === "event" ? payload.event?.type ?? payload.type : payload.type;
    const r = record({ kind, type, user, via, path: PATHS[kind] });
    const t0 = performance.now();
    let result;
    try {
      if (via === "socket") result = await overSocket(kind, payload, r);
      else if (via === "http") result = await overHttp(kind, payload, r);
      else result = { ok: false, error: "no_app_connected" };
    } finally {
      r.ms = Math.round(performance.now() - t0);
    }
    r.ok = result.ok;
    if (result.error) r.error = result.error;
    ctx.changed();
    return result;
  }

  /**
   * Slack waits 3 s for the answer.
   * @see https://docs.slack.dev/interactivity/implementing-slash-commands ("must be received by Slack within 3000 milliseconds")
   */
  async function overHttp(kind, payload, r) {
    const { serviceUrl, signingSecret } = ctx.options;
    if (!signingSecret) return { ok: false, error: "no_signing_secret" };
    const body = kind === "command" ? new URLSearchParams(payload).toString() : kind === "event" ? JSON.stringify(payload) : interactionForm(payload);
    const headers = { ...(await signedHeaders(signingSecret, body)), "user-agent": SLACK_USER_AGENT };
    if (kind === "event") headers["content-type"] = "application/json";
    let res;
    try {
      res = await fetch(new URL(PATHS[kind], serviceUrl), { method: "POST", headers, body, signal: AbortSignal.timeout(ACK_TIMEOUT_MS) });
    } catch (err) {
      return { ok: false, error: err.name === "TimeoutError" ? "operation_timeout" : "dispatch_failed" };
    }
    r.status = res.status;
    const text = await res.text();
    if (res.status < 200 || res.status > 299 || (kind !== "event" && res.status !== 200)) return { ok: false, status: res.status, error: "http_service_error" };
    let parsed = text;
    if ((res.headers.get("content-type") ?? "").includes("json")) {
      try {
        parsed = JSON.parse(text);
      } catch {}
    }
    return { ok: true, status: res.status, body: parsed || null };
  }

  async function overSocket(kind, payload, r) {
    const type = kind === "command" ? "slash_commands" : kind === "event" ? "events_api" : "interactive";
    const acceptsResponse = kind === "command" || (kind === "interaction" && payload.type !== "block_actions");
    const ack = await socket.send(type, payload, acceptsResponse);
    r.envelope_id = ack.envelope_id;
    if (!ack.acked) return { ok: false, error: ack.error };
    r.ackMs = ack.ackMs;
    const body = ack.ackPayload && Object.keys(ack.ackPayload).length ? ack.ackPayload : null;
    return { ok: true, body };
  }

  return { route, deliver };
}

/** @see https://github.com/slackapi/bolt-js/blob/9a45c3c/test/unit/receivers/AwsLambdaReceiver.spec.ts (Slack's User-Agent) */
const SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)";
