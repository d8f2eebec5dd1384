// Socket Mode for the Slack stand-in: apps.connections.open hands out a one-time WebSocket URL,
// the socket says hello, deliveries travel as envelopes, and each envelope must be acked with its
// envelope_id within 3 seconds (Slack's limit), optionally carrying a response payload.
// @see https://docs.slack.dev/apis/events-api/using-socket-mode
// @see https://docs.slack.dev/reference/methods/apps.connections.open
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

// Node's own resolution: the workerd test suite starts the stand-in from a global setup that Vite
// resolves with the Workers conditions ("browser" among them), which would pick ws's browser stub.
const { WebSocketServer } = createRequire(import.meta.url)("ws");

export const ACK_TIMEOUT_MS = 3000;
const TICKET_TTL_MS = 30_000;

/**
 * @param {{ appId: string, pingIntervalMs?: number, onChange?: () => void }} opts
 */
export function createSocketMode(opts) {
  const wss = new WebSocketServer({ noServer: true });
  /** @type {Map<string, number>} one-time tickets → expiry */
  const tickets = new Map();
  /** @type {Set<import("ws").WebSocket>} */
  const sockets = new Set();
  /** @type {Map<string, { resolve: (ack: any) => void, sentAt: number, record: any }>} */
  const pending = new Map();
  /** every envelope sent, with its ack (or why there was none) */
  const envelopes = [];
  let rr = 0;

  function ticketUrl(base) {
    const ticket = randomBytes(16).toString("hex");
    tickets.set(ticket, Date.now() + TICKET_TTL_MS);
    return `${base.replace(/^http/, "ws")}/link/?ticket=${ticket}&app_id=${opts.appId}`;
  }

  /** Handles an HTTP upgrade on /link/; false when the path is not ours. */
  function handleUpgrade(req, socket, head) {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/link/" && url.pathname !== "/link") return false;
    const ticket = url.searchParams.get("ticket") ?? "";
    const expires = tickets.get(ticket);
    tickets.delete(ticket); // one use only, like Slack's
    if (!expires || expires < Date.now()) {
      socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\n\r\ninvalid or expired ticket");
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
    return true;
  }

  function accept(ws) {
    sockets.add(ws);
    const ping = setInterval(() => ws.readyState === ws.OPEN && ws.ping(), opts.pingIntervalMs ?? 5000);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      let msg;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      const waiting = msg && typeof msg.envelope_id === "string" ? pending.get(msg.envelope_id) : undefined;
      if (!waiting) {
        // An ack for an unknown (or already timed out) envelope: note it, Slack ignores it.
        const late = envelopes.find((e) => e.envelope_id === msg?.envelope_id);
        if (late) late.lateAckMs = Date.now() - late.sentAt;
        return;
      }
      pending.delete(msg.envelope_id);
      waiting.resolve({ payload: msg.payload ?? null });
    });
    ws.on("close", () => {
      clearInterval(ping);
      sockets.delete(ws);
      opts.onChange?.();
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: sockets.size,
        debug_info: { host: "applink-local", build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: opts.appId },
      }),
    );
    opts.onChange?.();
  }

  const open = () => [...sockets].filter((s) => s.readyState === s.OPEN);

  /**
   * Sends one envelope over a connected socket and waits for its ack.
   * @param {"slash_commands" | "interactive" | "events_api"} type
   * @param {{ retry_attempt: number, retry_reason: string }} [retry]  an event's retry (Slack's envelope fields)
   * @returns {Promise<{ envelope_id: string, acked: boolean, ackMs?: number, ackPayload?: any, error?: string }>}
   */
  function send(type, payload, acceptsResponsePayload, retry) {
    const live = open();
    if (live.length === 0) return Promise.resolve({ envelope_id: "", acked: false, error: "no_socket_connection" });
    const ws = live[rr++ % live.length];
    const envelope_id = `${randomBytes(4).toString("hex")}-${randomBytes(2).toString("hex")}-${randomBytes(6).toString("hex")}`;
    const record = { envelope_id, type, sentAt: Date.now(), acked: false };
    envelopes.push(record);
    const envelope = { envelope_id, payload, type, accepts_response_payload: acceptsResponsePayload };
    if (type === "events_api") Object.assign(envelope, retry ?? { retry_attempt: 0, retry_reason: "" });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(envelope_id);
        record.error = "operation_timeout";
        resolve({ envelope_id, acked: false, error: "operation_timeout" });
      }, ACK_TIMEOUT_MS);
      pending.set(envelope_id, {
        sentAt: record.sentAt,
        record,
        resolve: (ack) => {
          clearTimeout(timer);
          record.acked = true;
          record.ackMs = Date.now() - record.sentAt;
          record.ackPayload = ack.payload;
          resolve({ envelope_id, acked: true, ackMs: record.ackMs, ackPayload: ack.payload });
        },
      });
      ws.send(JSON.stringify(envelope));
    });
  }

  /** Asks every connection to reconnect, as Slack does before recycling a server. */
  function requestReconnect(reason = "refresh_requested") {
    for (const ws of open()) ws.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "applink-local" } }));
  }

  function close() {
    for (const ws of sockets) ws.terminate();
    sockets.clear();
    wss.close();
  }

  return {
    ticketUrl,
    handleUpgrade,
    send,
    requestReconnect,
    close,
    envelopes,
    get connections() {
      return open().length;
    },
    reset() {
      envelopes.length = 0;
    },
  };
}
