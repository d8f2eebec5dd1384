// The approval gate (cli/approval-gate.mjs) as a pipeline runs it: the real CLI process, on each
// Node the machine has (the project's Node 22 and the system's Node 20), against a CONTRACT
// STAND-IN: a small HTTP server in this file that answers as the pipeline API does (POST
// /api/requests with Idempotency-Key, GET /api/requests/:id?wait= long poll, POST …/cancel), and can
// drop connections, fail, throttle or hang on cue. Only what the real service cannot be made to do
// on cue is tested here: dropped and lost answers, 5xx and 429, hangs, a redirect, the race of a
// cancel with a decision (409), a failed request, and the GitHub Action's script. Approving,
// rejecting, expiry, Ctrl-C, --timeout, --keep, --no-wait, re-attaching, status and cancel run
// against the real local stack in gate.test.ts.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../..", import.meta.url).href);
const GATE = join(REPO, "cli/approval-gate.mjs");

// ---- the contract stand-in

type Audit = { event: string; actor: string | null; detail: string | null; at: string };
type StoredRequest = {
  id: string;
  status: string;
  /** The create call's JSON body (the API answers with its fields). */
  body: object;
  decided_by: string | null;
  reason: string | null;
  error: string | null;
  audit: Audit[];
  wake: Set<() => void>;
};
/** A call as received: its body parsed when it is JSON, else the text. */
type Call = { method: string; path: string; headers: IncomingHttpHeaders; body: unknown; at: number };
/** A field of a JSON body, when the body is an object. */
const field = (body: unknown, name: string): unknown => (typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined);
/** What a route does instead of its normal answer, once per queued entry. */
type Fault =
  | { status: number; retryAfter?: string; body?: unknown }
  | "drop" // close the connection without an answer
  | "hang" // never answer
  | "lose-answer" // do the work, then close the connection without the answer
  | "work-then-hang"; // do the work, never answer
type Route = "create" | "read" | "cancel";

class ContractStandIn {
  readonly token = `contract-standin-token-${randomBytes(8).toString("hex")}`;
  readonly requests = new Map<string, StoredRequest>();
  readonly keys = new Map<string, { id: string; body: string }>();
  readonly calls: Call[] = [];
  readonly faults: Record<Route, Fault[]> = { create: [], read: [], cancel: [] };
  /** Runs when a cancel arrives, before it is handled (to decide a request "just before"). */
  onCancel?: (r: StoredRequest) => void;
  private server!: Server;
  private held = new Set<ServerResponse>();
  private callWaiters = new Set<() => void>();
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const r of this.requests.values()) for (const w of r.wake) w();
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Resolves with the first call (made or to come) that matches. */
  async callMatching(pred: (c: Call) => boolean): Promise<Call> {
    for (;;) {
      const found = this.calls.find(pred);
      if (found) return found;
      await new Promise<void>((resolve) => this.callWaiters.add(resolve));
    }
  }

  /** A person (or the policy's expiry) decides: audit entries, then the long polls answer. */
  decide(id: string, status: string, by: string | null, reason: string | null = null, error: string | null = null): void {
    const r = this.requests.get(id)!;
    const at = new Date().toISOString();
    if (by && (status === "approved" || status === "rejected"))
      r.audit.push({ event: "voted", actor: by, detail: status === "approved" ? "approve" : "reject", at });
    r.audit.push({ event: status, actor: by, detail: reason ?? error, at });
    Object.assign(r, { status, decided_by: by, reason, error });
    for (const w of r.wake) w();
  }

  only(): StoredRequest {
    expect(this.requests.size).toBe(1);
    return [...this.requests.values()][0]!;
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  }

  private view(r: StoredRequest) {
    const { wake: _w, body, ...rest } = r;
    return {
      ...rest,
      ...body,
      url: `${this.url}/dashboard/requests/${r.id}`,
      approvers: ["U0APPROVER"],
      level: 1,
      messages: [],
      workflow: { status: "waiting" },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const url = new URL(req.url ?? "/", this.url);
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // kept as text: the route answers 400
    }
    this.calls.push({ method: req.method ?? "", path: url.pathname + url.search, headers: req.headers, body, at: Date.now() });
    for (const w of this.callWaiters) w();
    this.callWaiters.clear();

    const route: Route | null =
      req.method === "POST" && url.pathname === "/api/requests"
        ? "create"
        : req.method === "GET" && /^\/api\/requests\/[^/]+$/.test(url.pathname)
          ? "read"
          : req.method === "POST" && /^\/api\/requests\/[^/]+\/cancel$/.test(url.pathname)
            ? "cancel"
            : null;
    if (!route) return this.json(res, 404, { error: "not found" });
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.json(res, 401, { error: "missing or invalid bearer token" }, { "www-authenticate": 'Bearer realm="api"' });
    }
    const fault = this.faults[route].shift();
    if (fault === "drop") return void req.socket.destroy();
    if (fault === "hang") return void this.held.add(res);
    if (typeof fault === "object") {
      return this.json(
        res,
        fault.status,
        fault.body ?? { error: `stand-in fault ${fault.status}` },
        fault.retryAfter ? { "retry-after": fault.retryAfter } : {},
      );
    }
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      if (fault === "lose-answer") return void req.socket.destroy();
      if (fault === "work-then-hang") return void this.held.add(res);
      this.json(res, status, payload, headers);
    };
    const id = decodeURIComponent(url.pathname.split("/")[3] ?? "");

    if (route === "create") {
      if (typeof body !== "object" || body === null) return this.json(res, 400, { error: "the body is not JSON" });
      const description = field(body, "description");
      if (typeof description !== "string" || !description || description.length > 2000) {
        return this.json(res, 422, { error: "invalid request", issues: [{ path: "description", message: "required, 1 to 2000 characters" }] });
      }
      const key = String(req.headers["idempotency-key"] ?? "");
      const known = key ? this.keys.get(key) : undefined;
      if (known) {
        if (known.body !== raw) return this.json(res, 422, { error: `Idempotency-Key ${key} was used with a different body` });
        const r = this.requests.get(known.id)!;
        return answer(200, { id: r.id, status: r.status, url: this.view(r).url });
      }
      const r: StoredRequest = {
        id: `req-${randomBytes(6).toString("hex")}`,
        status: "pending",
        body,
        decided_by: null,
        reason: null,
        error: null,
        audit: [],
        wake: new Set(),
      };
      const at = new Date().toISOString();
      const requester = field(body, "requester");
      r.audit.push(
        { event: "created", actor: typeof requester === "string" ? requester : null, detail: description, at },
        { event: "notified", actor: "U0APPROVER", detail: "level 1", at },
      );
      this.requests.set(r.id, r);
      if (key) this.keys.set(key, { id: r.id, body: raw });
      return answer(201, { id: r.id, status: r.status, url: this.view(r).url }, { location: `/api/requests/${r.id}` });
    }

    const r = this.requests.get(id);
    if (!r) return this.json(res, 404, { error: "request not found" });
    if (route === "read") {
      const wait = Number(url.searchParams.get("wait") ?? "0");
      if (!Number.isInteger(wait) || wait < 0 || wait > 60) return this.json(res, 400, { error: "wait must be 0 to 60 seconds" });
      const after = url.searchParams.has("after") ? Number(url.searchParams.get("after")) : Number.POSITIVE_INFINITY;
      if (r.status === "pending" && wait > 0 && r.audit.length <= after) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            r.wake.delete(done);
            resolve();
          };
          const timer = setTimeout(done, wait * 1000);
          r.wake.add(done);
          res.once("close", done);
        });
      }
      return answer(200, this.view(r));
    }
    this.onCancel?.(r);
    if (r.status !== "pending") return answer(409, { error: `already ${r.status}`, status: r.status });
    const reason = field(body, "reason");
    const source = field(field(r.body, "source"), "name");
    this.decide(r.id, "cancelled", `api:${typeof source === "string" ? source : "api"}`, typeof reason === "string" ? reason : null);
    return answer(200, { id: r.id, status: "cancelled" });
  }
}

// ---- running the gate

/** The project's Node, and another major version on PATH (the machines' system Node 20) if there is one. */
function nodes(): { path: string; version: string }[] {
  const list = [{ path: process.execPath, version: process.version }];
  const major = (v: string) => v.split(".")[0];
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "node");
    if (dir.includes("node_modules") || !existsSync(candidate)) continue;
    const version = execFileSync(candidate, ["--version"]).toString().trim();
    if (!list.some((n) => major(n.version) === major(version))) list.push({ path: candidate, version });
  }
  return list;
}

type Run = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stderr matches (rejects if the gate exits first). */
  stderrMatching: (re: RegExp) => Promise<void>;
  exit: Promise<number | null>;
};

const running = new Set<ChildProcess>();
/** Runs whose output showed the API token (checked after each test). */
const leaks: string[] = [];

function runGate(node: string, standIn: ContractStandIn, args: string[], env: Record<string, string> = {}): Run {
  return watch(node, [GATE, ...args], { APPROVALS_URL: standIn.url, APPROVALS_TOKEN: standIn.token, ...env }, standIn);
}

function watch(command: string, args: string[], env: Record<string, string>, standIn: ContractStandIn, cwd = tmp): Run {
  // A clean environment: a CI runner's own GITHUB_* or GITLAB_* variables must not leak in.
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let out = "";
  let err = "";
  const watchers = new Set<() => void>();
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => {
    err += d;
    for (const w of watchers) w();
  });
  const exit = new Promise<number | null>((resolve) =>
    child.once("close", (code) => {
      running.delete(child);
      for (const w of watchers) w();
      // The token never shows, not in output, not in errors.
      if ((out + err).includes(standIn.token)) leaks.push(`${args.join(" ")}:\n${out}${err}`);
      resolve(code);
    }),
  );
  const stderrMatching = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (re.test(err)) {
          watchers.delete(check);
          resolve();
        } else if (child.exitCode !== null) {
          watchers.delete(check);
          reject(new Error(`the gate exited (${child.exitCode}) before stderr matched ${re}:\n${err}`));
        }
      };
      watchers.add(check);
      check();
    });
  return { child, stdout: () => out, stderr: () => err, stderrMatching, exit };
}

const github = {
  GITHUB_ACTIONS: "true",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_REPOSITORY: "acme/billing",
  GITHUB_RUN_ID: "9876543210",
  GITHUB_RUN_ATTEMPT: "1",
  GITHUB_RUN_NUMBER: "42",
  GITHUB_WORKFLOW: "deploy",
  GITHUB_JOB: "production",
  GITHUB_ACTION: "gate",
};

let standIn: ContractStandIn;
let tmp: string;
beforeEach(async () => {
  standIn = await new ContractStandIn().start();
  tmp = await mkdtemp(join(tmpdir(), "approval-gate-"));
});
afterEach(async () => {
  for (const child of running) child.kill("SIGKILL");
  expect(leaks.splice(0)).toEqual([]);
  await standIn.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe.each(nodes())("the approval gate on Node $version (contract stand-in)", ({ path: node }) => {
  it("failed (the service could not process it): exit 3 with the error", async () => {
    const gate = runGate(node, standIn, ["request", "--description", "Rotate the keys"]);
    await gate.stderrMatching(/waiting for a decision/);
    standIn.decide(standIn.only().id, "failed", null, null, "invalid_auth");
    expect(await gate.exit).toBe(3);
    expect(gate.stdout() + gate.stderr()).toContain("failed: invalid_auth");
  });

  it("rides out dropped connections, 5xx and 429 (waiting its Retry-After); a lost answer re-attaches to the same request", async () => {
    standIn.faults.create = [
      "lose-answer",
      { status: 429, retryAfter: "1", body: { error: "too many requests" } },
      { status: 503, body: { error: "the API is disabled" } },
    ];
    standIn.faults.read = ["drop", { status: 502 }];
    const gate = runGate(node, standIn, ["request", "--description", "Deploy billing-api v2.3", "--timeout", "10m"], github);
    await gate.stderrMatching(/notified U0APPROVER/);
    const r = standIn.only(); // four POSTs, one request
    standIn.decide(r.id, "approved", "U0APPROVER");
    expect(await gate.exit).toBe(0);

    const posts = standIn.calls.filter((c) => c.method === "POST");
    expect(posts).toHaveLength(4);
    expect(new Set(posts.map((c) => c.headers["idempotency-key"])).size).toBe(1);
    expect(posts[2]!.at - posts[1]!.at).toBeGreaterThanOrEqual(1000); // Retry-After: 1
    expect(gate.stderr()).toContain("creating the request: HTTP 429: too many requests; retrying in 1s");
    expect(gate.stderr()).toContain("creating the request: HTTP 503: the API is disabled; retrying in");
    expect(gate.stderr().match(/waiting for the decision: .*; retrying in/g)).toHaveLength(2); // dropped, then 502
    expect(gate.stderr()).toContain("waiting for the decision: HTTP 502: stand-in fault 502; retrying in");
    expect(gate.stderr()).toContain(`re-attached to ${r.id}`);
  });

  it("a redirect (a proxy in front of the service) exits 3 without following it or retrying", async () => {
    const message = "HTTP 301: redirected to another address";
    standIn.faults.create = [{ status: 301, body: "" }];
    const gate = runGate(node, standIn, ["request", "--description", "Deploy", "--json"]);
    expect(await gate.exit).toBe(3);
    expect(gate.stderr()).toContain(`error: the service refused the request: ${message}`);
    expect(JSON.parse(gate.stdout())).toMatchObject({
      id: null,
      status: "error",
      error: expect.stringContaining(`the service refused the request: ${message}`),
    });
    expect(standIn.calls).toHaveLength(1);
  });

  it("--timeout during an outage: errors are ridden out until then; the cancel goes through once the service answers", async () => {
    standIn.faults.read = Array.from({ length: 50 }, () => ({ status: 503, body: { error: "overloaded" } }));
    const gate = runGate(node, standIn, ["request", "--description", "Deploy", "--timeout", "3s"]);
    expect(await gate.exit).toBe(2);
    expect(standIn.only()).toMatchObject({ status: "cancelled", reason: "approval gate timed out after 3s" });
    expect(gate.stderr()).toContain("waiting for the decision: HTTP 503: overloaded; retrying in");
  });

  it("--timeout --keep during an outage exits 3: the outcome is unknown", async () => {
    standIn.faults.read = Array.from({ length: 50 }, () => ({ status: 503, body: { error: "overloaded" } }));
    const gate = runGate(node, standIn, ["request", "--description", "Deploy", "--timeout", "3s", "--keep", "--json"]);
    expect(await gate.exit).toBe(3);
    expect(JSON.parse(gate.stdout())).toMatchObject({
      id: standIn.only().id,
      status: "error",
      error: "approval gate timed out after 3s; the service was unreachable (HTTP 503: overloaded)",
    });
  });

  it("--timeout racing a decision: the cancel is refused (409) and the gate reports the approval", async () => {
    standIn.onCancel = (r) => standIn.decide(r.id, "approved", "U0APPROVER");
    const gate = runGate(node, standIn, ["request", "--description", "Deploy", "--timeout", "2s"]);
    expect(await gate.exit).toBe(0);
    expect(gate.stderr()).toContain("not cancelled:");
    expect(gate.stdout()).toContain("approved by U0APPROVER");
  });

  it("a second Ctrl-C exits at once, while the cancel still hangs", async () => {
    standIn.faults.cancel = ["hang"];
    const gate = runGate(node, standIn, ["request", "--description", "Deploy"]);
    await gate.stderrMatching(/notified U0APPROVER/);
    gate.child.kill("SIGINT");
    await standIn.callMatching((c) => c.path.endsWith("/cancel"));
    gate.child.kill("SIGINT");
    expect(await gate.exit).toBe(2);
    expect(gate.stderr()).toContain(`SIGINT again: exiting at once; request ${standIn.only().id} may still be pending`);
  });

  it("Ctrl-C while the request is being created: the same key finds it, and it is cancelled", async () => {
    standIn.faults.create = ["work-then-hang"];
    const gate = runGate(node, standIn, ["request", "--description", "Deploy"], github);
    await standIn.callMatching((c) => c.method === "POST");
    await standIn.callMatching(() => standIn.requests.size === 1);
    gate.child.kill("SIGINT");
    expect(await gate.exit).toBe(2);
    expect(standIn.only()).toMatchObject({ status: "cancelled", reason: "pipeline aborted (SIGINT)" });
    const posts = standIn.calls.filter((c) => c.path === "/api/requests");
    expect(posts).toHaveLength(2);
    expect(posts[0]!.headers["idempotency-key"]).toBe(posts[1]!.headers["idempotency-key"]);
  });

  it("bad arguments or settings exit 3 before any call", async () => {
    for (const [args, env, message] of [
      [["request"], {}, "--description is required"],
      [["request", "--description", "x", "--timeout", "soon"], {}, '--timeout "soon" is not a duration'],
      [["request", "--description", "x", "--colour"], {}, "Unknown option '--colour'"],
      [["status", "req-abc123def456"], { APPROVALS_URL: "" }, "set APPROVALS_URL"],
    ] as const) {
      const gate = runGate(node, standIn, [...args], env);
      expect(await gate.exit).toBe(3);
      expect(gate.stderr()).toContain(message);
      expect(gate.stderr()).toContain("approval-gate --help");
    }
    expect(standIn.calls).toHaveLength(0);
  });
});

describe("cli/action.yml (the composite GitHub Action's script, run by bash as the runner would)", () => {
  /** The step's env (input → variable) and run script, read from the action file. */
  async function actionStep() {
    const yml = await readFile(join(REPO, "cli/action.yml"), "utf8");
    const env = /\n {6}env:\n((?: {8}.*\n|\n)+?) {6}run: \|\n/.exec(yml)![1]!;
    const run = /\n {6}run: \|\n((?: {8}.*\n|\n)+)/.exec(yml)![1]!.replace(/^ {8}/gm, "");
    const inputs = Object.fromEntries([...env.matchAll(/^ {8}(\w+): \$\{\{ inputs\.([\w-]+) \}\}$/gm)].map((m) => [m[2]!, m[1]!]));
    const defaults = Object.fromEntries([...yml.matchAll(/^ {2}([\w-]+):\n(?: {4}.*\n)*? {4}default: "(.*)"$/gm)].map((m) => [m[1]!, m[2]!]));
    return { run, inputs, defaults };
  }

  /** What the runner does: each input (or its default) into the step's env, then bash runs the script. */
  async function runAction(given: Record<string, string>) {
    const { run, inputs, defaults } = await actionStep();
    const env: Record<string, string> = { ...github, GITHUB_ACTION_PATH: join(REPO, "cli") };
    for (const [input, name] of Object.entries(inputs)) env[name] = given[input] ?? defaults[input] ?? "";
    return watch("bash", ["-e", "-c", run], env, standIn);
  }

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the GitHub expression syntax is the subject
  it("passes every input through the environment, never as ${{ }} in the script", async () => {
    const { run, inputs } = await actionStep();
    expect(run).not.toContain("${{");
    expect(Object.keys(inputs).sort()).toEqual([
      "approvers",
      "description",
      "fields",
      "idempotency-key",
      "keep",
      "requester",
      "timeout",
      "token",
      "type",
      "url",
    ]);
  });

  it("a description or field that looks like shell or like an option stays text; SIGTERM reaches the gate", async () => {
    const description = 'Deploy "v2.3" $(touch pwned) `touch pwned2`; -x --keep';
    const gate = await runAction({
      url: standIn.url,
      token: standIn.token,
      description,
      type: "deploy",
      approvers: "U0ALEX, U0SAM\nU0KIM",
      requester: "U0REQUESTER",
      fields: "Environment=production\r\n\n  Commit = $(id) \n--Odd=-x",
      timeout: "10m",
    });
    await gate.stderrMatching(/notified U0APPROVER/);
    expect(standIn.calls[0]!.body).toEqual({
      type: "deploy",
      description,
      approvers: ["U0ALEX", "U0SAM", "U0KIM"],
      requester: "U0REQUESTER",
      source: { name: "github-actions", url: "https://github.com/acme/billing/actions/runs/9876543210", label: "deploy #42" },
      fields: { Environment: "production", Commit: "$(id)", "--Odd": "-x" },
    });
    gate.child.kill("SIGTERM"); // bash exec'd the gate: the signal is the gate's
    expect(await gate.exit).toBe(2);
    expect(standIn.only()).toMatchObject({ status: "cancelled", reason: "pipeline aborted (SIGTERM)" });
    expect(existsSync(join(tmp, "pwned")) || existsSync(join(tmp, "pwned2"))).toBe(false);
  });

  it("keep must be true or false", async () => {
    const gate = await runAction({ url: standIn.url, token: standIn.token, description: "Deploy", keep: "yes" });
    expect(await gate.exit).toBe(3);
    expect(gate.stderr()).toContain("keep must be true or false");
    expect(standIn.calls).toHaveLength(0);
  });
});

it("npx approval-gate runs the gate from the repository", async () => {
  const out = execFileSync("npx", ["--no-install", "approval-gate", "--help"], { cwd: REPO, env: { PATH: process.env.PATH ?? "" } }).toString();
  expect(out).toMatch(/^Usage:\n {2}approval-gate request --description TEXT/);
});
