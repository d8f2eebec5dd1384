// How the stand-in delivers to the app, as Slack does: a signed HTTP POST to the app's Request URL
// (a command as a form, an interaction as a form with one `payload` field, an event as JSON), or,
// when an app is connected over Socket Mode, an envelope on its WebSocket. Events whose delivery
// failed are retried on Slack's schedule; the app's command URL gets Slack's ssl_check.
// Every attempt is recorded (GET /_control/deliveries, and the page's deliveries panel).

import { interactionForm, VERIFICATION_TOKEN } from "./payloads.js";
import { signedHeaders } from "./signing.js";
import { ACK_TIMEOUT_MS } from "./socket-mode.js";

const PATHS = { command: "/slack/commands", interaction: "/slack/interactions", event: "/slack/events", ssl_check: "/slack/commands" };

/**
 * Slack retries a failed event delivery 3 times: nearly immediately, after 1 minute, after 5
 * minutes (`eventRetryDelaysMs` shortens it for tests).
 * @see https://docs.slack.dev/apis/events-api/ ("Retries": up to 3 retries, "nearly immediately", "after 1 minute", "after 5 minutes")
 */
export const EVENT_RETRY_DELAYS_MS = [0, 60_000, 300_000];

/**
 * @param {{ state: any, options: { serviceUrl?: string, signingSecret?: string, eventRetryDelaysMs?: number[] },
 *   socket: any, changed: () => void }} ctx
 */
export function createDelivery(ctx) {
  const { state, socket } = ctx;
  /** Pending event retries, cleared on reset and close. */
  const timers = new Set();

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
   * Delivers one payload to the app and returns its answer. An event that fails is retried later
   * (not awaited here), each attempt recorded on its own.
   * @param {"command" | "interaction" | "event"} kind
   * @returns {Promise<{ ok: boolean, status?: number, body?: any, error?: string }>}
   */
  async function deliver(kind, payload, user) {
    return attempt(kind, payload, user, 0, undefined);
  }

  async function attempt(kind, payload, user, retryNum, retryReason) {
    const { via } = route();
    const type = kind === "command" ? payload.command : kind === "event" ? (payload.event?.type ?? payload.type) : payload.type;
    const r = record({ kind, type, user, via, path: PATHS[kind] });
    if (kind === "event") Object.assign(r, { event_id: payload.event_id, retry_num: retryNum, ...(retryReason ? { retry_reason: retryReason } : {}) });
    const t0 = performance.now();
    let result;
    try {
      if (via === "socket") result = await overSocket(kind, payload, r, retryNum, retryReason);
      else if (via === "http")
        result = await overHttp(kind, payload, r, retryNum ? { "x-slack-retry-num": String(retryNum), "x-slack-retry-reason": retryReason } : {});
      else result = { ok: false, error: "no_app_connected" };
    } finally {
      r.ms = Math.round(performance.now() - t0);
    }
    r.ok = result.ok;
    if (result.error) r.error = result.error;
    if (kind === "event" && !result.ok && result.retryReason && !result.noRetry) scheduleRetry(payload, user, retryNum + 1, result.retryReason, r);
    ctx.changed();
    return result;
  }

  /**
   * A failed event comes again with the same body (same event_id) and X-Slack-Retry-Num /
   * X-Slack-Retry-Reason; over Socket Mode the envelope says retry_attempt / retry_reason.
   */
  function scheduleRetry(payload, user, retryNum, reason, r) {
    const delays = ctx.options.eventRetryDelaysMs ?? state.settings.eventRetryDelaysMs ?? EVENT_RETRY_DELAYS_MS;
    if (retryNum > delays.length) return;
    r.retry_scheduled_in_ms = delays[retryNum - 1];
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        attempt("event", payload, user, retryNum, reason).catch(() => {});
      },
      delays[retryNum - 1],
    );
    timers.add(timer);
  }

  /**
   * Slack waits 3 s for the answer. For an event it counts a slower answer as `http_timeout`, any
   * non-2xx as `http_error` (no retry when that answer says X-Slack-No-Retry: 1), no connection as
   * `connection_failed`.
   * @see https://docs.slack.dev/apis/events-api/ ("Error handling", "Turning retries off": x-slack-no-retry: 1)
   * @see https://docs.slack.dev/interactivity/implementing-slash-commands ("must be received by Slack within 3000 milliseconds")
   */
  async function overHttp(kind, payload, r, extraHeaders) {
    const { serviceUrl, signingSecret } = ctx.options;
    if (!signingSecret) return { ok: false, error: "no_signing_secret" };
    const body = kind === "command" ? new URLSearchParams(payload).toString() : kind === "event" ? JSON.stringify(payload) : interactionForm(payload);
    const headers = { ...(await signedHeaders(signingSecret, body)), ...extraHeaders, "user-agent": SLACK_USER_AGENT };
    if (kind === "event") headers["content-type"] = "application/json";
    let res;
    try {
      res = await fetch(new URL(PATHS[kind], serviceUrl), { method: "POST", headers, body, signal: AbortSignal.timeout(ACK_TIMEOUT_MS) });
    } catch (err) {
      const timedOut = err.name === "TimeoutError";
      return { ok: false, error: timedOut ? "operation_timeout" : "dispatch_failed", retryReason: timedOut ? "http_timeout" : "connection_failed" };
    }
    r.status = res.status;
    const text = await res.text();
    if (res.status < 200 || res.status > 299 || (kind !== "event" && res.status !== 200)) {
      const noRetry = res.headers.get("x-slack-no-retry") === "1";
      if (noRetry) r.no_retry = true;
      return { ok: false, status: res.status, error: "http_service_error", retryReason: "http_error", noRetry };
    }
    let parsed = text;
    if ((res.headers.get("content-type") ?? "").includes("json")) {
      try {
        parsed = JSON.parse(text);
      } catch {}
    }
    return { ok: true, status: res.status, body: parsed || null };
  }

  async function overSocket(kind, payload, r, retryNum, retryReason) {
    const type = kind === "command" ? "slash_commands" : kind === "event" ? "events_api" : "interactive";
    const acceptsResponse = kind === "command" || (kind === "interaction" && payload.type !== "block_actions");
    // @see https://github.com/slackapi/java-slack-sdk/blob/86ff7ca/bolt/src/main/java/com/slack/api/bolt/context/builtin/EventContext.java (retry_attempt / retry_reason "timeout" in Socket Mode)
    const retry = kind === "event" ? { retry_attempt: retryNum, retry_reason: retryNum ? retryReason : "" } : undefined;
    const ack = await socket.send(type, payload, acceptsResponse, retry);
    r.envelope_id = ack.envelope_id;
    if (!ack.acked) return { ok: false, error: ack.error, retryReason: ack.error === "operation_timeout" ? "timeout" : undefined };
    r.ackMs = ack.ackMs;
    const body = ack.ackPayload && Object.keys(ack.ackPayload).length ? ack.ackPayload : null;
    return { ok: true, body };
  }

  /**
   * Slack's SSL check of a command's Request URL: a form with the verification token and
   * ssl_check=1, and nothing else — no command, no user, and no signature. The answer is recorded;
   * Slack only expects a 200.
   * @see https://docs.slack.dev/interactivity/implementing-slash-commands ("a parameter ssl_check set to 1 and a token parameter … please do confirm receipt")
   * @see https://github.com/seratch/slack-edge/blob/6bce2c5/src/app.ts ("Slack does not send the x-slack-signature header for this pattern")
   */
  async function sslCheck() {
    const { serviceUrl } = ctx.options;
    if (!serviceUrl) return { ok: false, error: "no_service_url" };
    const r = record({ kind: "ssl_check", type: "ssl_check", via: "http", path: PATHS.ssl_check });
    const body = new URLSearchParams({ token: VERIFICATION_TOKEN, ssl_check: "1" }).toString();
    const t0 = performance.now();
    try {
      const res = await fetch(new URL(PATHS.ssl_check, serviceUrl), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": SLACK_USER_AGENT },
        body,
        signal: AbortSignal.timeout(ACK_TIMEOUT_MS),
      });
      r.status = res.status;
      r.ok = res.status === 200;
      r.answer = (await res.text()).slice(0, 200);
      if (!r.ok) r.error = "http_service_error";
    } catch (err) {
      r.ok = false;
      r.error = err.name === "TimeoutError" ? "operation_timeout" : "dispatch_failed";
    } finally {
      r.ms = Math.round(performance.now() - t0);
      ctx.changed();
    }
    return r;
  }

  function stop() {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  }

  return { route, deliver, sslCheck, stop };
}

/** @see https://github.com/slackapi/bolt-js/blob/9a45c3c/test/unit/receivers/AwsLambdaReceiver.spec.ts (Slack's User-Agent) */
const SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)";
