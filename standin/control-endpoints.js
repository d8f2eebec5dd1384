// The stand-in's control endpoints (/_control/…): not Slack's, for the tests and tools that drive
// it (control.js is their client). Members, issued ids, injected faults and chaos, the recorded
// calls, messages and deliveries (long-polled), Workflow Builder runs, and a reset.
import { parseJson, send } from "./http.js";
import { eventCallback } from "./payloads.js";
import { addMember, USER_GROUPS, USER_ID } from "./workspace.js";

/** A recorded call's arguments as JSON, serialised once (the record never changes after it is made). */
const argsJsonCache = new WeakMap();
function argsJson(call) {
  let json = argsJsonCache.get(call);
  if (json === undefined) argsJsonCache.set(call, (json = JSON.stringify(call.args)));
  return json;
}

/**
 * @param {{ state: any, issuer: any, delivery: any, functions: any, socket: any, initial: () => any,
 *   changed: () => void, whenFound: (compute: () => any[], waitMs: number) => Promise<any[]>, base: () => string }} deps
 * @returns {(url: URL, body: string, res: import("node:http").ServerResponse) => Promise<void>}
 */
export function createControl({ state, issuer, delivery, functions, socket, initial, changed, whenFound, base }) {
  return control;

  async function control(url, body, res) {
    const since = Number(url.searchParams.get("since") ?? "0");
    const waitMs = Number(url.searchParams.get("wait") ?? "0");
    const input = parseJson(body) ?? {};
    switch (url.pathname) {
      case "/_control/users": {
        // { id: "U…", name?, real_name?, tz? }: a new member of the workspace (the tests' newUser()).
        if (typeof input.id !== "string" || !USER_ID.test(input.id)) return send(res, 400, { ok: false, error: "expected {id: a Slack user id}" });
        return send(res, 200, { ok: true, user: addMember(state.members, input) });
      }
      case "/_control/trigger_ids":
        // { user }: a trigger_id as if `user` had just acted (valid 3 s, once).
        if (typeof input.user !== "string") return send(res, 400, { ok: false, error: "expected {user}" });
        return send(res, 200, { ok: true, trigger_id: issuer.triggerId(input.user) });
      case "/_control/response_urls": {
        // { user, channel, kind?: "commands" | "actions", message_ts? }: a response_url for a command or a click.
        if (typeof input.user !== "string" || typeof input.channel !== "string") return send(res, 400, { ok: false, error: "expected {user, channel}" });
        const path = issuer.responsePath({ kind: input.kind, user: input.user, channel: input.channel, messageTs: input.message_ts });
        return send(res, 200, { ok: true, response_url: `${base()}${path}` });
      }
      case "/_control/tokens":
        // { token, scopes: [...] }: another bot token, e.g. one lacking a scope the manifest has.
        if (typeof input.token !== "string" || !Array.isArray(input.scopes)) return send(res, 400, { ok: false, error: "expected {token, scopes}" });
        state.tokens[input.token] = input.scopes.map(String);
        return send(res, 200, { ok: true });
      case "/_control/events": {
        // { event: {...} } (wrapped in an event_callback) or { body: {...} } (sent as it is): any Events
        // API body, delivered signed like Slack's and retried like Slack's. Answers with the first attempt.
        const payload = input.body ?? (input.event ? eventCallback(input.event) : undefined);
        if (!payload || typeof payload !== "object") return send(res, 400, { ok: false, error: "expected {event} or {body}" });
        const result = await delivery.deliver("event", payload, payload.event?.user);
        return send(res, 200, { ok: true, event_id: payload.event_id, delivered: result.ok, status: result.status, error: result.error });
      }
      case "/_control/ssl_check":
        return send(res, 200, { ok: true, delivery: await delivery.sslCheck() });
      case "/_control/settings": {
        // { eventRetryDelaysMs?: [ms, ms, ms] }: Slack's retry schedule, shortened for a test;
        // { jitTokenTtlMs?: ms }: a workflow token's life (15 minutes); { botTokenCompletes?: boolean }:
        // whether the bot token may complete a step run (UNVERIFIED in Slack's docs; default yes).
        const retries = input.eventRetryDelaysMs;
        const okRetries = retries === undefined || (Array.isArray(retries) && retries.every((n) => Number.isFinite(n) && n >= 0));
        const okTtl = input.jitTokenTtlMs === undefined || (Number.isFinite(input.jitTokenTtlMs) && input.jitTokenTtlMs >= 0);
        const okBot = input.botTokenCompletes === undefined || typeof input.botTokenCompletes === "boolean";
        if (!okRetries || !okTtl || !okBot || (retries === undefined && input.jitTokenTtlMs === undefined && input.botTokenCompletes === undefined))
          return send(res, 400, { ok: false, error: "expected {eventRetryDelaysMs: [...]}, {jitTokenTtlMs} or {botTokenCompletes}" });
        for (const k of ["eventRetryDelaysMs", "jitTokenTtlMs", "botTokenCompletes"]) if (input[k] !== undefined) state.settings[k] = input[k];
        return send(res, 200, { ok: true });
      }
      case "/_control/usergroups": {
        // { id: "S…", users: [...] }: a user group's members from now on (e.g. an empty group).
        if (!USER_GROUPS.some((g) => g.id === input.id) || !Array.isArray(input.users))
          return send(res, 400, { ok: false, error: "expected {id: a known group, users}" });
        state.usergroups[input.id] = input.users.map(String);
        return send(res, 200, { ok: true });
      }
      case "/_control/functions/execute": {
        // { callback_id?, inputs, user? }: a step run, not delivered: the event body is returned (the workerd tests post it signed).
        try {
          const { execution, body } = functions.execute({ callback_id: input.callback_id, inputs: input.inputs ?? {}, user: input.user });
          return send(res, 200, { ok: true, execution_id: execution.id, token: body.event.bot_access_token, body });
        } catch (err) {
          return send(res, 400, { ok: false, error: String(err.message) });
        }
      }
      case "/_control/functions/token": {
        // { execution_id }: a new workflow token for a running step run, as a click on its message brings.
        const e = state.executions[input.execution_id];
        if (e?.status !== "running") return send(res, 400, { ok: false, error: "execution not running" });
        return send(res, 200, { ok: true, token: functions.issueToken(e) });
      }
      case "/_control/functions":
        return send(res, 200, Object.values(state.executions).map(functions.view));
      case "/_control/workflows/run": {
        // { workflow, user }: what the page's Run button does.
        const out = await functions.runWorkflow(String(input.workflow ?? ""), String(input.user ?? ""));
        return send(res, out.ok ? 200 : 400, out);
      }
      case "/_control/changes": {
        // { version }: at once if the state changed after `after`, else at the next change (or after `wait` ms).
        const after = Number(url.searchParams.get("after") ?? "-1");
        await whenFound(() => (state.version > after ? [state.version] : []), waitMs);
        return send(res, 200, { version: state.version });
      }
      case "/_control/calls": {
        // method: one method; match: a substring of the call's arguments (as JSON), e.g. a user id;
        // wait: answer when a call matches (long poll), at most that many ms.
        const method = url.searchParams.get("method");
        const match = url.searchParams.get("match");
        const matches = (c) => c.seq > since && (!method || c.method === method) && (!match || argsJson(c).includes(match));
        return send(res, 200, await whenFound(() => state.calls.filter(matches), waitMs));
      }
      case "/_control/responses": {
        // path: the response_url's path (the end of it); wait: as for calls.
        const path = url.searchParams.get("path");
        const matches = (r) => r.seq > since && (!path || r.path.endsWith(path));
        return send(res, 200, await whenFound(() => state.responses.filter(matches), waitMs));
      }
      case "/_control/deliveries":
        // what the page (or a test) delivered to the app: kind, via http/socket, status, ms, ack
        return send(
          res,
          200,
          state.deliveries.filter((d) => d.seq > since),
        );
      case "/_control/envelopes":
        // Socket Mode: every envelope sent and its ack (acked, ackMs, ackPayload) or error
        return send(res, 200, { connections: socket.connections, envelopes: socket.envelopes });
      case "/_control/ephemerals":
        return send(res, 200, state.ephemerals);
      case "/_control/messages": {
        const channel = url.searchParams.get("channel");
        return send(
          res,
          200,
          state.messages.filter((m) => !channel || m.channel === channel),
        );
      }
      case "/_control/faults": {
        // { method: "chat.postMessage" | "*", match?: "substring of the request body", faults: [{ status?, retryAfter?, error?, delayMs? }] }
        const rule = parseJson(body);
        if (!rule?.method || !Array.isArray(rule.faults) || rule.faults.length === 0) return send(res, 400, { error: "expected {method, faults: [...]}" });
        state.faults.push({ method: rule.method, match: rule.match, queue: [...rule.faults] });
        return send(res, 200, { ok: true });
      }
      case "/_control/chaos": {
        // { rate: 0.3, kinds?: ["500", "429", "lost", "slow"], slowMs?: 12000, seed?: 1 } — rate 0 turns it off
        const c = parseJson(body);
        if (!c || typeof c.rate !== "number" || c.rate < 0 || c.rate > 1) return send(res, 400, { error: "expected {rate: 0..1}" });
        let seed = c.seed ?? 1;
        const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        state.chaos =
          c.rate === 0 ? undefined : { rate: c.rate, kinds: c.kinds ?? ["500", "429", "lost", "slow"], slowMs: c.slowMs ?? 12_000, random, counts: {} };
        return send(res, 200, { ok: true });
      }
      case "/_control/chaos-counts":
        return send(res, 200, state.chaos?.counts ?? {});
      case "/_control/reset":
        // Back to the workspace it started with (members, tokens), with nothing sent or issued.
        delivery.stop();
        Object.assign(state, { ...initial(), version: state.version });
        socket.reset();
        changed();
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: "unknown control endpoint" });
    }
  }
}
