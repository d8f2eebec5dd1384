#!/usr/bin/env node
// approval-gate: asks for an approval in Slack through the approval service's API and blocks until
// someone decides, for CI pipelines and scripts (README "Gate a pipeline"). Node 20 or newer, no
// dependencies. The pure logic is in gate-lib.mjs; this file does HTTP, timers, signals and output.
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import * as gate from "./gate-lib.mjs";

/** Per-attempt time limits; the long poll gets its wait on top. */
const CALL_TIMEOUT_MS = 30_000;
const POLL_SLACK_MS = 20_000;
/** How long cleaning up may take: after a signal (CI runners send SIGTERM ~7.5 s after SIGINT) and after --timeout. */
const SIGNAL_CLEANUP_MS = 5_000;
const TIMEOUT_CLEANUP_MS = 15_000;
/** status / cancel ride out errors this long. */
const COMMAND_RETRY_MS = 60_000;
const HEARTBEAT_MS = 10 * 60_000;

/** The gate stopped waiting: its --timeout ran out, or a signal came. */
class Stopped extends Error {
  /** @param {{ kind: "timeout" } | { kind: "signal", name: string }} why */
  constructor(why) {
    super(why.kind === "timeout" ? "timed out" : why.name);
    this.why = why;
  }
}

/** An error that ends the gate with exit code 3 and this message. */
class GateError extends Error {}

const stamp = () => new Date().toISOString().slice(11, 19);
/** Progress and diagnostics go to stderr, one line each; stdout is for the id, link and outcome. */
const note = (line, at = stamp()) => process.stderr.write(`[${at}] ${line}\n`);
const print = (line) => process.stdout.write(`${line}\n`);

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(undefined);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** The API over fetch, riding out network errors, timeouts, 408, 429 and 5xx with backoff. */
class Api {
  /** @param {{ url: string, token: string }} conn */
  constructor(conn) {
    this.conn = conn;
    /** Set while every attempt fails; cleared by any answer that is not retried. */
    this.failingSince = null;
    this.lastProblem = null;
  }

  async send({ method, path, body, headers = {} }, signal, timeoutMs) {
    const res = await fetch(gate.apiUrl(this.conn.url, path), {
      method,
      redirect: "manual", // never carry the token (or a POST) to another address
      headers: {
        authorization: `Bearer ${this.conn.token}`,
        accept: "application/json",
        "user-agent": `approval-gate/${gate.VERSION} node/${process.version}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON (a proxy's error page): the status says enough
    }
    if (res.status >= 300 && res.status < 400) {
      json = { error: `redirected to ${res.headers.get("location") ?? "another address"}; set APPROVALS_URL to the service's own address` };
    }
    return { status: res.status, statusText: res.statusText, headers: res.headers, json };
  }

  /**
   * One API call with retries until it gets an answer that is not worth retrying. Gives up
   * (GateError) when the next retry would start after `until`, or, without it, after an outage of
   * OUTAGE_LIMIT_MS. `signal` (the gate's --timeout, a signal) interrupts at any point.
   */
  async call(req, { what, signal, until = null, timeoutMs = CALL_TIMEOUT_MS }) {
    for (let attempt = 0; ; attempt++) {
      let problem;
      let retryAfter = null;
      try {
        const res = await this.send(req, signal, timeoutMs);
        if (!gate.isRetryableStatus(res.status)) {
          this.failingSince = null;
          return res;
        }
        problem = gate.apiErrorMessage(res.status, res.json, res.statusText);
        retryAfter = gate.retryAfterMs(res.headers.get("retry-after"), Date.now());
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        problem = networkProblem(err, timeoutMs);
      }
      this.failingSince ??= Date.now();
      this.lastProblem = problem;
      const delay = retryAfter ?? gate.backoffDelay(attempt);
      const limit = until ?? this.failingSince + gate.OUTAGE_LIMIT_MS;
      if (Date.now() + delay > limit) {
        throw new GateError(`${what}: ${problem}; gave up after ${gate.formatDuration(Date.now() - this.failingSince)} of retries`);
      }
      note(`${what}: ${problem}; retrying in ${gate.formatDuration(delay)}`);
      await sleep(delay, signal);
    }
  }
}

function networkProblem(err, timeoutMs) {
  if (err?.name === "TimeoutError") return `no answer within ${gate.formatDuration(timeoutMs)}`;
  return gate.oneLine(err?.cause?.message || err?.cause?.code || err?.message || String(err));
}

function refused(what, res) {
  return new GateError(`${what}: ${gate.apiErrorMessage(res.status, res.json, res.statusText)}`);
}

// ---- approval-gate request

async function runRequest(opts) {
  const api = new Api(opts.conn);
  const stop = new AbortController();
  const started = Date.now();
  const deadline = opts.timeoutMs === null ? null : started + opts.timeoutMs;
  // With --timeout, errors are ridden out until its timer stops the gate (which then cancels);
  // without it, for an outage of up to OUTAGE_LIMIT_MS.
  const rideOut = deadline === null ? null : Number.POSITIVE_INFINITY;
  /** What is known of the request so far. */
  const state = { id: null, url: null, posted: false, last: null };
  const createReq = { method: "POST", path: "/api/requests", body: opts.body, headers: { "idempotency-key": opts.idempotencyKey } };

  let signals = 0;
  const onSignal = (name) => {
    if (++signals > 1) {
      note(`${name} again: exiting at once${state.id && !opts.keep ? `; request ${state.id} may still be pending` : ""}`);
      finish(opts, { ...(state.last ?? {}), id: state.id, url: state.url }, gate.EXIT.stopped);
      process.exit(gate.EXIT.stopped);
    }
    note(
      `${name}: ${opts.keep ? "leaving the request pending (--keep)" : "cancelling the request"}; ${name === "SIGINT" ? "Ctrl-C again exits at once" : "a second signal exits at once"}`,
    );
    stop.abort(new Stopped({ kind: "signal", name }));
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  const timer = deadline === null ? null : setTimeout(() => stop.abort(new Stopped({ kind: "timeout" })), opts.timeoutMs);

  try {
    if (opts.conn.insecure) note("warning: APPROVALS_URL is plain http to another host; the token travels unencrypted");
    // Create (or re-attach to) the request; the Idempotency-Key makes every retry safe.
    state.posted = true;
    const res = await api.call(createReq, { what: "creating the request", signal: stop.signal, until: rideOut });
    if (res.status !== 200 && res.status !== 201) throw refused("the service refused the request", res);
    state.id = String(res.json?.id ?? "");
    if (!state.id) throw new GateError("the service's answer has no request id");
    state.url = res.json.url ?? gate.apiUrl(opts.conn.url, `/dashboard/requests/${state.id}`);
    const line = `Approval request ${state.id}: ${state.url}`;
    opts.json ? note(line) : print(line);
    if (res.status === 200) note(`re-attached to ${state.id} (same Idempotency-Key, asked earlier in this run)`);
    if (opts.noWait) return finish(opts, { id: state.id, status: String(res.json.status ?? "pending"), url: state.url }, 0);
    note(
      deadline === null
        ? "waiting for a decision (until the request is decided or expires)"
        : `waiting up to ${gate.formatDuration(opts.timeoutMs)} for a decision`,
    );

    const final = await waitForDecision(api, state, stop.signal, deadline, rideOut, started);
    return finish(opts, final, gate.exitCodeFor(final.status));
  } catch (err) {
    if (err instanceof Stopped) return await stopped(err.why, api, state, opts, createReq);
    if (err instanceof GateError) {
      note(`error: ${err.message}`);
      if (state.id) note(`request ${state.id} may still be pending: ${state.url}`);
      return finish(opts, { ...(state.last ?? {}), id: state.id, url: state.url }, gate.EXIT.error, err.message);
    }
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}

async function waitForDecision(api, state, signal, deadline, rideOut, started) {
  const seen = new Set();
  /** Audit entries in the last answer: a long poll with `after` answers as soon as there are more (progress at once). */
  let entries = 0;
  let lastWord = Date.now();
  for (let first = true; ; first = false) {
    const pollStart = Date.now();
    const left = deadline === null ? gate.POLL_WAIT_S : Math.floor((deadline - pollStart) / 1000);
    // The first read answers at once, to show who was notified; then long polls.
    const wait = first ? 0 : Math.max(0, Math.min(gate.POLL_WAIT_S, left));
    const res = await api.call(
      { method: "GET", path: `/api/requests/${encodeURIComponent(state.id)}?wait=${wait}${wait > 0 ? `&after=${entries}` : ""}` },
      { what: "waiting for the decision", signal, until: rideOut, timeoutMs: wait * 1000 + POLL_SLACK_MS },
    );
    if (res.status !== 200 || !res.json || typeof res.json.status !== "string") throw refused(`reading request ${state.id}`, res);
    const r = res.json;
    state.last = { ...r, id: state.id, url: r.url ?? state.url };
    if (Array.isArray(r.audit)) entries = r.audit.length;
    for (const entry of gate.newEntries(seen, r.audit)) {
      note(gate.progressLine(entry), gate.clock(entry.at) || undefined);
      lastWord = Date.now();
    }
    if (r.status !== "pending") return state.last;
    if (Date.now() - lastWord >= HEARTBEAT_MS) {
      note(`still waiting (${gate.formatDuration(Date.now() - started)} so far)`);
      lastWord = Date.now();
    }
    if (!first) await sleep(Math.max(0, gate.MIN_POLL_INTERVAL_MS - (Date.now() - pollStart)), signal);
  }
}

/** The gate stopped waiting: cancel the request (unless --keep) and report what is known. */
async function stopped(why, api, state, opts, createReq) {
  const timedOut = why.kind === "timeout";
  const reason = timedOut ? `approval gate timed out after ${gate.formatDuration(opts.timeoutMs)}` : `pipeline aborted (${why.name})`;
  const outageBefore = api.failingSince !== null ? api.lastProblem : null;
  if (timedOut) note(`${reason}${opts.keep ? "; leaving the request pending (--keep)" : ""}`);
  const base = { ...(state.last ?? {}), id: state.id, url: state.url };
  if (opts.keep) {
    // Timed out while the service could not be reached: the outcome is unknown, which is an error.
    if (timedOut && outageBefore) return finish(opts, base, gate.EXIT.error, `${reason}; the service was unreachable (${outageBefore})`);
    return finish(opts, base, gate.EXIT.stopped);
  }
  const until = Date.now() + (timedOut ? TIMEOUT_CLEANUP_MS : SIGNAL_CLEANUP_MS);
  const signal = new AbortController().signal; // a second signal exits the process instead
  try {
    if (!state.id) {
      if (!state.posted) return finish(opts, base, gate.EXIT.stopped);
      // Stopped while creating: the request may exist. Asking again with the same key finds it (or
      // creates it, to be cancelled at once) so nobody is left approving a pipeline that is gone.
      const res = await api.call(createReq, { what: "finding the request to cancel", signal, until });
      if (res.status !== 200 && res.status !== 201) throw refused("finding the request to cancel", res);
      state.id = String(res.json?.id ?? "");
      state.url = res.json?.url ?? gate.apiUrl(opts.conn.url, `/dashboard/requests/${state.id}`);
      Object.assign(base, { id: state.id, url: state.url });
    }
    const res = await api.call(
      { method: "POST", path: `/api/requests/${encodeURIComponent(state.id)}/cancel`, body: { reason } },
      { what: `cancelling ${state.id}`, signal, until },
    );
    if (res.status === 200) {
      note(`cancelled ${state.id}: ${reason}`);
      return finish(opts, { ...base, status: "cancelled", reason }, gate.EXIT.stopped);
    }
    if (res.status === 409 && typeof res.json?.status === "string") {
      // Decided just before the cancel: report the real outcome.
      const final = await readFinal(api, state, base, res.json.status, signal, until);
      note(`not cancelled: ${gate.outcomeLine(final)}`);
      return finish(opts, final, timedOut ? gate.exitCodeFor(final.status) : gate.EXIT.stopped);
    }
    throw refused(`cancelling ${state.id}`, res);
  } catch (err) {
    if (!(err instanceof GateError)) throw err;
    note(`error: ${err.message}`);
    if (state.id) note(`request ${state.id} may still be pending: ${state.url}`);
    return finish(opts, base, gate.EXIT.error, `${reason}; ${err.message}`);
  }
}

async function readFinal(api, state, base, status, signal, until) {
  try {
    const res = await api.call({ method: "GET", path: `/api/requests/${encodeURIComponent(state.id)}?wait=0` }, { what: `reading ${state.id}`, signal, until });
    if (res.status === 200 && typeof res.json?.status === "string") return { ...res.json, id: state.id, url: res.json.url ?? state.url };
  } catch (err) {
    if (!(err instanceof GateError)) throw err;
  }
  return { ...base, status };
}

/** Prints the outcome (stdout), writes the GitHub Actions outputs, returns the exit code. */
function finish(opts, r, code, error) {
  const result = gate.resultObject(r, error);
  if (opts.json) print(JSON.stringify(result));
  else if (!error && r.id && r.status) print(gate.outcomeLine(r));
  if (process.env.GITHUB_OUTPUT) {
    try {
      appendFileSync(process.env.GITHUB_OUTPUT, gate.githubOutputs(result, `ghadelimiter_${randomUUID()}`));
    } catch (err) {
      note(`could not write the step outputs: ${gate.oneLine(err?.message)}`);
    }
  }
  return code;
}

// ---- approval-gate status / cancel

async function runStatus(opts) {
  const api = new Api(opts.conn);
  const signal = new AbortController().signal;
  try {
    const res = await api.call(
      { method: "GET", path: `/api/requests/${encodeURIComponent(opts.id)}?wait=0` },
      { what: `reading ${opts.id}`, signal, until: Date.now() + COMMAND_RETRY_MS },
    );
    if (res.status !== 200 || typeof res.json?.status !== "string") throw refused(`reading ${opts.id}`, res);
    const r = { ...res.json, id: opts.id, url: res.json.url ?? gate.apiUrl(opts.conn.url, `/dashboard/requests/${opts.id}`) };
    if (opts.json) {
      print(JSON.stringify(gate.resultObject(r)));
    } else {
      print(gate.outcomeLine(r));
      print(r.url);
      for (const e of gate.newEntries(new Set(), r.audit)) print(`  ${gate.clock(e.at)} ${gate.progressLine(e)}`);
    }
    return 0;
  } catch (err) {
    return commandError(opts, err);
  }
}

async function runCancel(opts) {
  const api = new Api(opts.conn);
  const signal = new AbortController().signal;
  try {
    const res = await api.call(
      { method: "POST", path: `/api/requests/${encodeURIComponent(opts.id)}/cancel`, body: opts.reason === undefined ? {} : { reason: opts.reason } },
      { what: `cancelling ${opts.id}`, signal, until: Date.now() + COMMAND_RETRY_MS },
    );
    if (res.status === 200) {
      opts.json ? print(JSON.stringify(gate.resultObject({ id: opts.id, status: "cancelled", reason: opts.reason }))) : print(`${opts.id} cancelled`);
      return 0;
    }
    if (res.status === 409 && typeof res.json?.status === "string") {
      const status = res.json.status;
      opts.json ? print(JSON.stringify(gate.resultObject({ id: opts.id, status }))) : print(`${opts.id} not cancelled: already ${gate.oneLine(status)}`);
      return 1;
    }
    throw refused(`cancelling ${opts.id}`, res);
  } catch (err) {
    return commandError(opts, err);
  }
}

function commandError(opts, err) {
  if (!(err instanceof GateError)) throw err;
  note(`error: ${err.message}`);
  if (opts.json) print(JSON.stringify(gate.resultObject({ id: opts.id }, err.message)));
  return gate.EXIT.error;
}

// ---- main

async function main(argv) {
  let opts;
  try {
    const parsed = parseArgs({ args: argv, options: gate.GATE_OPTIONS, allowPositionals: true, strict: true });
    opts = gate.interpretArgs(parsed, { env: process.env, hostname: hostname(), randomUUID });
  } catch (err) {
    if (!(err instanceof gate.UsageError) && !String(err?.code).startsWith("ERR_PARSE_ARGS")) throw err;
    process.stderr.write(`approval-gate: ${gate.oneLine(err.message)}\nRun approval-gate --help for the usage.\n`);
    return gate.EXIT.error;
  }
  switch (opts.command) {
    case "help":
      print(gate.USAGE);
      return 0;
    case "request":
      return runRequest(opts);
    case "status":
      return runStatus(opts);
    case "cancel":
      return runCancel(opts);
  }
}

process.stdout.on("error", () => {}); // a closed pipe (| head) is not the gate's failure
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`approval-gate: internal error: ${gate.oneLine(err?.stack ?? err)}\n`);
    process.exitCode = gate.EXIT.error;
  },
);
