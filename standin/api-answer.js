// The stand-in's answer to a Web API call: injected faults and chaos first, then the token
// (the bot's, a workflow step's, or the app-level one for Socket Mode), then the method itself
// (web-api.js), recorded on the call.
import { send } from "./http.js";

/**
 * @param {{ state: any, token: string, appToken: string, webApi: any, functions: any, socket: any, base: () => string }} deps
 * @returns {(call: any, method: string, args: any, auth: string | undefined, body: string, res: import("node:http").ServerResponse) => Promise<void>}
 */
export function createApiAnswer({ state, token, appToken, webApi, functions, socket, base }) {
  return answerApi;

  async function answerApi(call, method, args, auth, body, res) {
    // A workflow step's token (xwfp-): the bot's scopes while it works, token_revoked after.
    const bearer = /^Bearer (.+)$/.exec(auth ?? "")?.[1];
    const jit = bearer ? functions.tokenState(bearer) : undefined;
    const caller = jit?.ok ? { kind: "workflow", executionId: jit.execution.id } : { kind: "bot" };
    const tokenScopes = (a) => (jit?.ok ? state.tokens[token] : botScopes(a));
    const fault = takeFault(method, body) ?? chaosFault();
    if (fault) {
      call.result = fault.status ? `http_${fault.status}` : (fault.error ?? (fault.late ? "late" : fault.lost ? "lost" : "delay"));
      if (fault.late) {
        // Slack did the work at once; its answer arrives after the client has given up.
        const answer = tokenScopes(auth) ? webApi.call(method, args, tokenScopes(auth), caller) : { ok: false, error: "invalid_auth" };
        await new Promise((r) => setTimeout(r, fault.delayMs));
        return send(res, 200, answer);
      }
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.lost) {
        // Slack did the work, but the answer never arrives (a timeout or a dropped connection).
        if (tokenScopes(auth)) webApi.call(method, args, tokenScopes(auth), caller);
        return res.socket?.destroy();
      }
      if (fault.status) {
        const headers = fault.retryAfter ? { "retry-after": String(fault.retryAfter) } : {};
        return send(res, fault.status, fault.status === 429 ? { ok: false, error: "ratelimited" } : "upstream error", headers);
      }
      if (fault.error) return send(res, 200, { ok: false, error: fault.error });
    }
    if (!auth) return fail(call, res, "not_authed");
    if (jit?.error) return fail(call, res, jit.error);
    if (method === "apps.connections.open") {
      // Needs the app-level token (xapp-), never the bot token.
      if (tokenScopes(auth)) return fail(call, res, "not_allowed_token_type");
      if (auth !== `Bearer ${appToken}`) return fail(call, res, "invalid_auth");
      return send(res, 200, { ok: true, url: socket.ticketUrl(base()) });
    }
    const scopes = tokenScopes(auth);
    if (!scopes) return fail(call, res, "invalid_auth");
    const answer = webApi.call(method, args, scopes, caller);
    if (answer.ok === false) call.result = answer.error;
    return send(res, 200, answer);
  }

  /** The scopes of a bot token the stand-in knows (undefined for any other token). */
  function botScopes(auth) {
    const m = /^Bearer (.+)$/.exec(auth ?? "");
    return m ? state.tokens[m[1]] : undefined;
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
}
