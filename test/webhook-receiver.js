// A real HTTP server that plays an action's receiver in tests: it verifies our signature as the
// README tells receivers to (verifyApprovalsSignature below), honours Idempotency-Key (a repeated key replays the first answer without performing the action
// again) and answers as scripted: errors, delays, a dropped connection, or 202 and a status URL.
// Control: POST /_control/script, GET /_control/calls, GET /_control/performed.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

/** How far a signature's timestamp may be from now: older (or newer) calls are refused as replays. */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;

/**
 * The receiver's check of an Approvals call (README, "Actions"): the HMAC-SHA256, with the shared
 * secret, of `v2`, the timestamp, the method, the path and query, the Idempotency-Key and the raw
 * body, one per line; compared in constant time; the timestamp within 5 minutes of now.
 * @param {{ secret: string, method: string, path: string, idempotencyKey: string | undefined,
 *   timestamp: string | undefined, signature: string | undefined, body: string, nowSeconds?: number }} call
 */
export function verifyApprovalsSignature(call) {
  const now = call.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (!call.timestamp || !/^\d{1,12}$/.test(call.timestamp) || Math.abs(now - Number(call.timestamp)) > SIGNATURE_WINDOW_SECONDS) return false;
  const signed = ["v2", call.timestamp, call.method, call.path, call.idempotencyKey ?? "", call.body].join("\n");
  const expected = Buffer.from(`v2=${createHmac("sha256", call.secret).update(signed).digest("hex")}`);
  const given = Buffer.from(call.signature ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** @param {{ port?: number, secret: string }} options */
export async function startWebhookReceiver(options) {
  const state = { calls: [], performed: new Map(), scripts: [], statuses: new Map(), seq: 0 };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const body = await new Promise((resolve) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    const json = (status, value) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };

    if (url.pathname === "/_control/script") {
      // { match: "substring of the body (e.g. a request id)", responses: [{ status, body, delayMs, drop, status_sequence }] }
      state.scripts.push(JSON.parse(body));
      return json(200, { ok: true });
    }
    if (url.pathname === "/_control/calls")
      return json(
        200,
        state.calls.filter(
          (c) => !url.searchParams.get("match") || c.body.includes(url.searchParams.get("match")) || c.path.includes(url.searchParams.get("match")),
        ),
      );
    if (url.pathname === "/_control/performed") return json(200, Object.fromEntries(state.performed));

    const key = req.headers["idempotency-key"];
    const timestamp = req.headers["x-approvals-timestamp"];
    const signature = String(req.headers["x-approvals-signature"] ?? "");
    // req.url is the path and query exactly as on the request line.
    const signed = verifyApprovalsSignature({ secret: options.secret, method: req.method, path: req.url, idempotencyKey: key, timestamp, signature, body });
    const call = { seq: ++state.seq, method: req.method, path: url.pathname, key, timestamp, signature, signed, body, at: Date.now() };
    state.calls.push(call);
    if (!signed) return json(401, { error: "bad signature" });

    if (url.pathname.startsWith("/status/")) {
      const seq = state.statuses.get(url.pathname) ?? [];
      const next = seq.length > 1 ? seq.shift() : seq[0];
      return json(200, next ?? { state: "failed", message: "unknown job" });
    }

    // The action itself. A key seen before replays its first answer: performed once.
    if (key && state.performed.has(key)) {
      const first = state.performed.get(key);
      return json(first.status, first.body);
    }
    const script = state.scripts.find((s) => body.includes(s.match));
    const step = script?.responses.shift() ?? { status: 200, body: { message: "done" } };
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (step.endless) return answerEndlessly(res, step.status);
    if (step.status >= 200 && step.status < 300) {
      let answer = step.body ?? { message: "done" };
      if (step.statusSequence) {
        const path = `/status/${state.seq}`;
        state.statuses.set(path, [...step.statusSequence]);
        answer = { statusUrl: path };
      }
      if (key) state.performed.set(key, { status: step.status, body: answer });
      if (step.drop) return req.socket.destroy(); // performed, but the answer is lost on the way
      return json(step.status, answer);
    }
    return json(step.status, step.body ?? { error: `scripted ${step.status}` });
  });

  /**
   * An answer that never ends: 64 KB of text, then nothing more, the connection held open (for a
   * minute at most). A caller that reads to the end waits until it gives up; one that reads only
   * what it keeps has its answer at once.
   */
  function answerEndlessly(res, status) {
    res.writeHead(status, { "content-type": "text/plain" });
    res.write(Buffer.alloc(64 * 1024, "x"));
    const stop = setTimeout(() => res.end(), 60_000);
    res.on("close", () => clearTimeout(stop));
  }

  await new Promise((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(r);
      }),
  };
}
