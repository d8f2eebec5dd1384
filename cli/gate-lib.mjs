// The approval gate's pure logic: arguments, durations, the CI environment, retries, progress lines,
// exit codes and GitHub Actions outputs. No node: imports and no I/O, so the workerd test suite can
// run it (test/gate-lib.test.ts); cli/approval-gate.mjs does the HTTP, timers, signals and printing.
// The API it speaks: README "Gate a pipeline" and the pipeline API (POST /api/requests, …).

export const VERSION = "0.1.0";

/** Exit codes, shared with README and action.yml. */
export const EXIT = { approved: 0, rejected: 1, stopped: 2, error: 3 };

/** Long-poll wait per GET (the API allows up to 60 s; 50 stays clear of 60 s proxy timeouts). */
export const POLL_WAIT_S = 50;
/** A server that answers "pending" before the wait ends is not polled more often than this. */
export const MIN_POLL_INTERVAL_MS = 2_000;
/** Retries: 1 s doubling to 30 s, with jitter. */
export const BACKOFF = { baseMs: 1_000, capMs: 30_000 };
/** Without --timeout, an outage (every attempt failing) is ridden out for this long. */
export const OUTAGE_LIMIT_MS = 30 * 60_000;
/** setTimeout's ceiling (2^31 - 1 ms, about 24.8 days): longer timers fire at once. */
const MAX_TIMEOUT_MS = 24 * 86_400_000;

/** `node:util` parseArgs options for every command (the CLI refuses options its command ignores). */
export const GATE_OPTIONS = {
  type: { type: "string" },
  description: { type: "string", short: "d" },
  approver: { type: "string", multiple: true },
  requester: { type: "string" },
  field: { type: "string", multiple: true, short: "f" },
  "source-name": { type: "string" },
  "source-url": { type: "string" },
  "source-label": { type: "string" },
  timeout: { type: "string" },
  keep: { type: "boolean" },
  "no-wait": { type: "boolean" },
  "idempotency-key": { type: "string" },
  reason: { type: "string" },
  json: { type: "boolean" },
  url: { type: "string" },
  token: { type: "string" },
  help: { type: "boolean", short: "h" },
};

const COMMAND_OPTIONS = {
  request: [
    "type",
    "description",
    "approver",
    "requester",
    "field",
    "source-name",
    "source-url",
    "source-label",
    "timeout",
    "keep",
    "no-wait",
    "idempotency-key",
  ],
  status: [],
  cancel: ["reason"],
};
const COMMON_OPTIONS = ["json", "url", "token", "help"];

export const USAGE = `Usage:
  approval-gate request --description TEXT [--type TYPE] [--approver U…]... [--requester U…]
                        [--field KEY=VALUE]... [--source-name N --source-url URL --source-label L]
                        [--timeout 2h] [--keep] [--no-wait] [--idempotency-key KEY] [--json]
  approval-gate status <request-id> [--json]
  approval-gate cancel <request-id> [--reason TEXT] [--json]

Asks for an approval in Slack and waits for the decision (request), shows a request (status) or
cancels it (cancel). The service comes from APPROVALS_URL and APPROVALS_TOKEN (or --url, --token).

request prints the request id and its dashboard link on stdout and its progress on stderr, and
exits 0 approved, 1 rejected, 2 expired or cancelled (also its own --timeout, Ctrl-C and SIGTERM,
which cancel the request unless --keep), 3 error.
  --timeout D    how long to wait (30s, 10m, 2h, 1d, 1h30m); default: until the policy decides
  --keep         leave the request pending on --timeout, Ctrl-C or SIGTERM
  --no-wait      create the request, print it and exit 0 (the policy's action takes it from there)
  --json         print one JSON object {id, status, decided_by, reason, url} on stdout at the end
  --approver     repeat it or separate ids with commas (only for types that let the requester name one)
  --field        repeat it: --field Environment=prod --field Version=v2.3
A value that starts with "-" goes after "=": --description="-1 replica".
The Idempotency-Key is derived from the CI job (GitHub Actions, GitLab CI), so a re-run of the same
step waits on the same request instead of asking twice; elsewhere it is random.
status exits 0 when it could read the request; cancel exits 0 cancelled, 1 when the request was
already closed, 3 on error.`;

export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * @typedef {{ url: string, token: string, insecure: boolean }} Connection
 * @typedef {{ name?: string, url?: string, label?: string }} Source
 * @typedef {{ type?: string, approvers?: string[], description: string, requester?: string, source?: Source, fields?: Record<string, string> }} RequestBody
 * @typedef {{ command: "help" }
 *   | { command: "request", conn: Connection, json: boolean, body: RequestBody, timeoutMs: number | null, keep: boolean, noWait: boolean, idempotencyKey: string }
 *   | { command: "status", conn: Connection, json: boolean, id: string }
 *   | { command: "cancel", conn: Connection, json: boolean, id: string, reason: string | undefined }} GateCommand
 */

/**
 * Interprets what parseArgs(GATE_OPTIONS, allowPositionals) returned, with the environment.
 * @param {{ values: Record<string, string | boolean | string[] | undefined>, positionals: string[] }} parsed
 * @param {{ env: Record<string, string | undefined>, hostname: string, randomUUID: () => string }} ctx
 * @returns {GateCommand}
 */
export function interpretArgs(parsed, ctx) {
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === "help") return { command: "help" };
  if (positionals.length === 0) throw new UsageError("missing command: request, status or cancel");
  const [command, ...rest] = positionals;
  if (!(command in COMMAND_OPTIONS)) throw new UsageError(`unknown command "${command}" (request, status or cancel)`);
  const allowed = new Set([...COMMAND_OPTIONS[command], ...COMMON_OPTIONS]);
  for (const name of Object.keys(values)) {
    if (values[name] !== undefined && !allowed.has(name)) throw new UsageError(`--${name} does not apply to "${command}"`);
  }
  const conn = connection(values, ctx.env);
  const json = values.json === true;
  if (command === "status" || command === "cancel") {
    if (rest.length !== 1) throw new UsageError(`${command} needs one request id, e.g. approval-gate ${command} req-abc123def456`);
    const id = rest[0];
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) throw new UsageError(`"${id}" is not a request id (like req-abc123def456)`);
    return command === "status" ? { command, conn, json, id } : { command, conn, json, id, reason: str(values.reason) };
  }
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}" (quote the description: --description "…")`);
  const description = str(values.description)?.trim();
  if (!description) throw new UsageError("--description is required: what needs approving");
  const noWait = values["no-wait"] === true;
  if (noWait && (values.timeout !== undefined || values.keep)) throw new UsageError("--no-wait does not wait: leave out --timeout and --keep");
  const timeoutText = str(values.timeout);
  const timeoutMs = timeoutText === undefined ? null : parseDuration(timeoutText);
  const body = requestBody(values, description, ctx);
  const explicitKey = str(values["idempotency-key"]);
  if (explicitKey !== undefined && !/^[\x20-\x7e]{1,200}$/.test(explicitKey)) {
    throw new UsageError("--idempotency-key must be 1 to 200 printable ASCII characters");
  }
  return {
    command,
    conn,
    json,
    body,
    timeoutMs,
    keep: values.keep === true,
    noWait,
    idempotencyKey: explicitKey ?? idempotencyKey(ctx.env, body, ctx.randomUUID),
  };
}

function str(v) {
  return typeof v === "string" ? v : undefined;
}

function connection(values, env) {
  const url = str(values.url) ?? env.APPROVALS_URL;
  const token = str(values.token) ?? env.APPROVALS_TOKEN;
  if (!url) throw new UsageError("set APPROVALS_URL (or --url) to the approval service's address");
  if (!token) throw new UsageError("set APPROVALS_TOKEN (or --token) to the service's API token");
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`APPROVALS_URL is not a URL: "${url}"`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new UsageError("APPROVALS_URL must be an http(s) address");
  if (parsed.username || parsed.password) throw new UsageError("APPROVALS_URL must not hold credentials; put the token in APPROVALS_TOKEN");
  if (parsed.search || parsed.hash) throw new UsageError("APPROVALS_URL must be the service's base address, without ?query or #fragment");
  const base = parsed.href.replace(/\/+$/, "");
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(parsed.hostname);
  return { url: base, token, insecure: parsed.protocol === "http:" && !loopback };
}

function requestBody(values, description, ctx) {
  const approvers = (values.approver ?? []).flatMap((a) => a.split(/[\s,]+/)).filter(Boolean);
  const fields = parseFields(values.field ?? []);
  const auto = ciSource(ctx.env, ctx.hostname);
  const given = { name: str(values["source-name"]), url: str(values["source-url"]), label: str(values["source-label"]) };
  // Given parts override the CI's; a given name alone describes another system, so the CI's link and label go.
  const base = given.name !== undefined ? {} : auto;
  const source = compact({ ...base, ...compact(given) });
  const type = str(values.type);
  const requester = str(values.requester);
  return compact({
    type,
    approvers: approvers.length ? approvers : undefined,
    description,
    requester,
    source,
    fields: Object.keys(fields).length ? fields : undefined,
  });
}

/** `--field Key=Value` (split at the first "="), in the order given; a repeated key is a mistake. */
export function parseFields(list) {
  const fields = {};
  for (const item of list) {
    const at = item.indexOf("=");
    const key = at < 0 ? "" : item.slice(0, at).trim();
    if (!key) throw new UsageError(`--field "${item}" must be KEY=VALUE, e.g. --field Environment=prod`);
    if (Object.hasOwn(fields, key)) throw new UsageError(`--field ${key} is given twice`);
    fields[key] = item.slice(at + 1).trim();
  }
  return fields;
}

function compact(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ""));
}

/** "30s", "10m", "2h", "1d", "1h30m" → milliseconds. */
export function parseDuration(text) {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  const ms = m?.[0] ? ((+(m[1] ?? 0) * 24 + +(m[2] ?? 0)) * 60 + +(m[3] ?? 0)) * 60_000 + +(m[4] ?? 0) * 1000 : 0;
  if (!ms) throw new UsageError(`--timeout "${text}" is not a duration like 30s, 10m, 2h, 1d or 1h30m`);
  if (ms > MAX_TIMEOUT_MS) throw new UsageError(`--timeout "${text}" is too long (at most 24d)`);
  return ms;
}

/** 7_200_000 → "2h", 5_430_000 → "1h30m30s", 0 → "0s". */
export function formatDuration(ms) {
  let s = Math.round(ms / 1000);
  const parts = [];
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ]) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join("") || "0s";
}

/** Who asks: the CI run (GitHub Actions, GitLab CI), else this machine. */
export function ciSource(env, hostname) {
  if (env.GITHUB_ACTIONS === "true") {
    const server = env.GITHUB_SERVER_URL || "https://github.com";
    const run = env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
    const label = [env.GITHUB_WORKFLOW, env.GITHUB_RUN_NUMBER && `#${env.GITHUB_RUN_NUMBER}`].filter(Boolean).join(" ");
    return compact({ name: "github-actions", url: run, label });
  }
  if (env.GITLAB_CI === "true") {
    const number = env.CI_PIPELINE_IID || env.CI_PIPELINE_ID;
    const label = [env.CI_PROJECT_NAME, number && `pipeline #${number}`].filter(Boolean).join(" ");
    return compact({ name: "gitlab-ci", url: env.CI_PIPELINE_URL, label });
  }
  return compact({ name: "approval-gate", label: hostname });
}

/**
 * The Idempotency-Key: in CI the job step and the request body (so a re-run of the step in the same
 * run attempt waits on the same request, while two different gates in one job, or matrix legs that
 * ask different questions, get their own); elsewhere random.
 */
export function idempotencyKey(env, body, randomUUID) {
  let parts;
  if (env.GITHUB_ACTIONS === "true" && env.GITHUB_RUN_ID) {
    parts = [env.GITHUB_REPOSITORY, env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT || "1", env.GITHUB_JOB, env.GITHUB_ACTION || body.type || "default"];
  } else if (env.GITLAB_CI === "true" && env.CI_JOB_ID) {
    parts = [env.CI_PROJECT_PATH, env.CI_PIPELINE_ID, env.CI_JOB_ID, body.type || "default"];
  } else {
    return `approval-gate/${randomUUID()}`;
  }
  const key = [...parts.map((p) => p ?? ""), fnv1a64(JSON.stringify(body))].join("/").replace(/[^\x20-\x7e]/g, "_");
  return key.length <= 200 ? key : `${key.slice(0, 183)}~${fnv1a64(key)}`;
}

/** FNV-1a, 64 bits, as 16 hex digits: a short stable digest (not a security boundary). */
export function fnv1a64(text) {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, "0");
}

/** Base URL + API path. */
export function apiUrl(base, path) {
  return `${base}${path}`;
}

// ---- retries

/** Answers worth retrying: timeouts, throttling and server errors. Any other status is final. */
export function isRetryableStatus(status) {
  return status === 408 || status === 429 || status >= 500;
}

/** Delay before retry number `attempt` (0 first): 1 s doubling to 30 s, each between half and all of it. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF.capMs, BACKOFF.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After (seconds or an HTTP date) → milliseconds from now, or null when absent or unreadable. */
export function retryAfterMs(value, nowMs) {
  if (value === null || value === undefined || value.trim() === "") return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

// ---- progress and outcome

/** Text from the server (descriptions, reasons, names) on one line, without control characters. */
export function oneLine(text) {
  return (
    String(text ?? "")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
      .trim()
  );
}

/** The audit entries not shown yet, oldest first; `seen` remembers what was shown. */
export function newEntries(seen, audit) {
  const fresh = [];
  for (const e of Array.isArray(audit) ? audit : []) {
    const key = [e.event, e.actor, e.detail, e.at].join("\u0000");
    if (!seen.has(key)) {
      seen.add(key);
      fresh.push(e);
    }
  }
  return fresh;
}

/** One audit entry as a progress line, e.g. "escalated to U0ONCALL1, U0ONCALL2 (level 2)". */
export function progressLine(e) {
  const actor = oneLine(e.actor);
  const detail = oneLine(e.detail);
  const level = /^level \d+$/.test(detail) ? ` (${detail})` : "";
  const because = detail ? `: ${detail}` : "";
  switch (e.event) {
    case "created":
      return `request created${actor ? ` by ${actor}` : ""}`;
    case "notified":
      return `notified ${actor}${level}`;
    case "notify-failed":
      return `could not notify ${actor}${because}`;
    case "reminded":
      return `reminded the approvers${level}`;
    case "escalated":
      return `escalated to ${actor
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean)
        .join(", ")}${level}`;
    case "voted":
      return `${actor} voted ${detail || "?"}`;
    case "approved":
      return `approved${actor ? ` by ${actor}` : ""}`;
    case "rejected":
      return `rejected${actor ? ` by ${actor}` : ""}${because}`;
    case "cancelled":
      return `cancelled${actor ? ` by ${actor}` : ""}${because}`;
    case "expired":
      return "expired: nobody decided in time";
    case "failed":
      return `failed${because}`;
    case "action-started":
      return `action started${detail ? ` (${detail})` : ""}`;
    default:
      if (typeof e.event === "string" && e.event.startsWith("action-")) return `action ${oneLine(e.event.slice(7))}${because}`;
      return [oneLine(e.event), actor, detail].filter(Boolean).join(" ");
  }
}

/** "HH:MM:SS" (UTC) of an audit entry's time, or "" when unreadable. */
export function clock(at) {
  const t = Date.parse(at);
  return Number.isNaN(t) ? "" : new Date(t).toISOString().slice(11, 19);
}

/** The request's status → the gate's exit code. */
export function exitCodeFor(status) {
  switch (status) {
    case "approved":
      return EXIT.approved;
    case "rejected":
      return EXIT.rejected;
    case "expired":
    case "cancelled":
      return EXIT.stopped;
    default:
      return EXIT.error; // failed, or anything this gate does not know
  }
}

/** The closing line, e.g. "req-… rejected by U0MARIA: not during the freeze". */
export function outcomeLine(r) {
  const by = r.decided_by ? ` by ${oneLine(r.decided_by)}` : "";
  const reason = r.reason ? `: ${oneLine(r.reason)}` : r.status === "failed" && r.error ? `: ${oneLine(r.error)}` : "";
  switch (r.status) {
    case "approved":
    case "rejected":
    case "cancelled":
      return `${r.id} ${r.status}${by}${reason}`;
    case "expired":
      return `${r.id} expired: nobody decided in time`;
    case "pending":
      return `${r.id} still pending${reason}`;
    default:
      return `${r.id} ${oneLine(r.status)}${reason}`;
  }
}

/**
 * The --json object (and the GitHub outputs): what a script needs from the outcome. When the gate
 * failed (exit 3) the status is "error" and `error` says why: the request's state is then unknown.
 */
export function resultObject(r, error) {
  return {
    id: r.id ?? null,
    status: error ? "error" : (r.status ?? null),
    decided_by: r.decided_by ?? null,
    reason: r.reason ?? null,
    url: r.url ?? null,
    ...(error ? { error } : {}),
  };
}

/**
 * GitHub Actions step outputs in the multiline form (`name<<DELIMITER`), so a reason with newlines
 * cannot end a value early or set another output.
 * @see https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings
 */
export function githubOutputs(result, delimiter) {
  const values = {
    "request-id": result.id ?? "",
    status: result.status ?? "error",
    "decided-by": result.decided_by ?? "",
    reason: result.reason ?? result.error ?? "",
    url: result.url ?? "",
  };
  let out = "";
  for (const [name, value] of Object.entries(values)) {
    const text = String(value);
    if (text.includes(delimiter)) throw new Error("an output value contains the delimiter");
    out += `${name}<<${delimiter}\n${text}\n${delimiter}\n`;
  }
  return out;
}

/** An API error answer → one readable line ("422: description: too long; fields.Env: …"). */
export function apiErrorMessage(status, json, statusText = "") {
  const error = json && typeof json === "object" && typeof json.error === "string" ? oneLine(json.error) : "";
  const issues =
    json && Array.isArray(json.issues) ? json.issues.map((i) => `${oneLine(Array.isArray(i?.path) ? i.path.join(".") : i?.path)}: ${oneLine(i?.message)}`) : [];
  const what = [error || oneLine(statusText) || "no error message", ...issues].join("; ");
  return `HTTP ${status}: ${what}`;
}
