// The approval gate's pure logic (cli/gate-lib.mjs): arguments, durations, the CI environment,
// retries, progress lines, exit codes and GitHub outputs. The gate process itself is tested in
// Node against an HTTP server (test/e2e/gate-cli.test.ts).
import { describe, expect, it } from "vitest";
import * as gate from "../cli/gate-lib.mjs";

const base = { APPROVALS_URL: "https://approvals.example.com/", APPROVALS_TOKEN: "tok-0123456789abcdef" };
const github = {
  ...base,
  GITHUB_ACTIONS: "true",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_REPOSITORY: "acme/billing",
  GITHUB_RUN_ID: "9876543210",
  GITHUB_RUN_ATTEMPT: "2",
  GITHUB_RUN_NUMBER: "42",
  GITHUB_WORKFLOW: "deploy",
  GITHUB_JOB: "production",
  GITHUB_ACTION: "gate",
};
const gitlab = {
  ...base,
  GITLAB_CI: "true",
  CI_PROJECT_PATH: "acme/billing",
  CI_PROJECT_NAME: "billing",
  CI_PIPELINE_ID: "5551",
  CI_PIPELINE_IID: "77",
  CI_PIPELINE_URL: "https://gitlab.example.com/acme/billing/-/pipelines/5551",
  CI_JOB_ID: "123456",
};

/** What parseArgs(GATE_OPTIONS) hands over for `positionals` and `values`. */
function interpret(positionals: string[], values: Record<string, unknown>, env: Record<string, string> = base) {
  return gate.interpretArgs({ positionals, values } as never, { env, hostname: "build-7", randomUUID: () => "00000000-0000-4000-8000-000000000000" });
}

describe("arguments", () => {
  it("builds the request body from flags, splitting approvers and fields", () => {
    const opts = interpret(["request"], {
      type: "deploy",
      description: "  Deploy billing-api v2.3  ",
      approver: ["U0MARIA,U0SAM", "U0ALEX"],
      requester: "U0REQ",
      field: ["Environment=prod", "Notes=a=b ", " Version = v2.3"],
      timeout: "2h",
      keep: true,
      json: true,
    });
    expect(opts).toMatchObject({
      command: "request",
      conn: { url: "https://approvals.example.com", token: base.APPROVALS_TOKEN, insecure: false },
      json: true,
      keep: true,
      timeoutMs: 7_200_000,
      body: {
        type: "deploy",
        description: "Deploy billing-api v2.3",
        approvers: ["U0MARIA", "U0SAM", "U0ALEX"],
        requester: "U0REQ",
        fields: { Environment: "prod", Notes: "a=b", Version: "v2.3" },
        source: { name: "approval-gate", label: "build-7" },
      },
      idempotencyKey: "approval-gate/00000000-0000-4000-8000-000000000000",
    });
  });

  it("leaves out what was not given, and --url / --token override the environment", () => {
    const opts = interpret(["request"], { description: "x", url: "http://127.0.0.1:8787", token: "flag-token" });
    expect(opts).toMatchObject({
      conn: { url: "http://127.0.0.1:8787", token: "flag-token", insecure: false },
      timeoutMs: null,
      keep: false,
      noWait: false,
      json: false,
    });
    expect(interpret(["request"], { description: "x", "no-wait": true })).toMatchObject({ noWait: true });
    if (opts.command !== "request") throw new Error("expected a request");
    expect(Object.keys(opts.body).sort()).toEqual(["description", "source"]);
  });

  it("status and cancel take one request id; cancel takes a reason", () => {
    expect(interpret(["status", "req-abc123def456"], { json: true })).toMatchObject({ command: "status", id: "req-abc123def456", json: true });
    expect(interpret(["cancel", "req-abc123def456"], { reason: "not needed" })).toMatchObject({
      command: "cancel",
      id: "req-abc123def456",
      reason: "not needed",
    });
    expect(interpret([], { help: true })).toEqual({ command: "help" });
  });

  it.each([
    [[], {}, "missing command"],
    [["approve"], {}, 'unknown command "approve"'],
    [["request"], {}, "--description is required"],
    [["request"], { description: "   " }, "--description is required"],
    [["request", "Deploy", "now"], { description: "x" }, 'unexpected argument "Deploy"'],
    [["request"], { description: "x", reason: "r" }, '--reason does not apply to "request"'],
    [["status"], {}, "status needs one request id"],
    [["status", "../admin"], {}, "is not a request id"],
    [["cancel", "req-abc123def456"], { keep: true }, '--keep does not apply to "cancel"'],
    [["request"], { description: "x", field: ["Environment"] }, "must be KEY=VALUE"],
    [["request"], { description: "x", field: ["=prod"] }, "must be KEY=VALUE"],
    [["request"], { description: "x", field: ["A=1", "A=2"] }, "--field A is given twice"],
    [["request"], { description: "x", timeout: "90" }, "is not a duration"],
    [["request"], { description: "x", "no-wait": true, timeout: "1h" }, "--no-wait does not wait"],
    [["request"], { description: "x", "no-wait": true, keep: true }, "--no-wait does not wait"],
    [["request"], { description: "x", "idempotency-key": "é" }, "printable ASCII"],
    [["request"], { description: "x", "idempotency-key": "k".repeat(201) }, "printable ASCII"],
  ])("refuses %j %j: %s", (positionals, values, message) => {
    expect(() => interpret(positionals as string[], values)).toThrow(message);
    expect(() => interpret(positionals as string[], values)).toThrow(gate.UsageError);
  });

  it.each([
    [{}, "set APPROVALS_URL"],
    [{ APPROVALS_URL: "https://a.example" }, "set APPROVALS_TOKEN"],
    [{ APPROVALS_URL: "approvals.example.com", APPROVALS_TOKEN: "t" }, "is not a URL"],
    [{ APPROVALS_URL: "ftp://a.example", APPROVALS_TOKEN: "t" }, "http(s)"],
    [{ APPROVALS_URL: "https://user:pw@a.example", APPROVALS_TOKEN: "t" }, "must not hold credentials"],
    [{ APPROVALS_URL: "https://a.example/?x=1", APPROVALS_TOKEN: "t" }, "without ?query"],
  ])("refuses the settings %j: %s", (env, message) => {
    expect(() => interpret(["status", "req-abc123def456"], {}, env as Record<string, string>)).toThrow(message);
  });

  it("keeps a base path and flags plain http to another host", () => {
    const a = interpret(["status", "req-abc123def456"], {}, { APPROVALS_URL: "https://corp.example/approvals//", APPROVALS_TOKEN: "t" });
    expect(a.command === "status" && a.conn).toEqual({ url: "https://corp.example/approvals", token: "t", insecure: false });
    expect(gate.apiUrl("https://corp.example/approvals", "/api/requests")).toBe("https://corp.example/approvals/api/requests");
    const b = interpret(["status", "req-abc123def456"], {}, { APPROVALS_URL: "http://approvals.internal", APPROVALS_TOKEN: "t" });
    expect(b.command === "status" && b.conn.insecure).toBe(true);
    const c = interpret(["status", "req-abc123def456"], {}, { APPROVALS_URL: "http://localhost:8787", APPROVALS_TOKEN: "t" });
    expect(c.command === "status" && c.conn.insecure).toBe(false);
  });
});

describe("durations", () => {
  it.each([
    ["30s", 30_000],
    ["10m", 600_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    ["1h30m", 5_400_000],
    ["1d2h3m4s", 93_784_000],
    [" 45m ", 2_700_000],
  ])("%s = %d ms", (text, ms) => {
    expect(gate.parseDuration(text)).toBe(ms);
  });

  it.each(["", "0s", "90", "2 hours", "1.5h", "h", "2h1d", "-1m", "25d"])("refuses %j", (text) => {
    expect(() => gate.parseDuration(text)).toThrow(gate.UsageError);
  });

  it("formats the way it parses", () => {
    expect(gate.formatDuration(7_200_000)).toBe("2h");
    expect(gate.formatDuration(5_430_000)).toBe("1h30m30s");
    expect(gate.formatDuration(93_784_000)).toBe("1d2h3m4s");
    expect(gate.formatDuration(400)).toBe("0s");
    expect(gate.formatDuration(1_600)).toBe("2s");
  });
});

describe("the CI environment", () => {
  const body = { type: "deploy", description: "Deploy billing-api v2.3", fields: { Environment: "prod" } };

  it("GitHub Actions: the run is the source, the job step and body make the key", () => {
    expect(gate.ciSource(github, "runner-1")).toEqual({
      name: "github-actions",
      url: "https://github.com/acme/billing/actions/runs/9876543210",
      label: "deploy #42",
    });
    const key = gate.idempotencyKey(github, body, () => "random");
    expect(key).toBe(`acme/billing/9876543210/2/production/gate/${gate.fnv1a64(JSON.stringify(body))}`);
    // A re-run of the step in the same attempt asks nothing new; another attempt, another step,
    // another job or another question (a matrix leg) asks again.
    expect(gate.idempotencyKey({ ...github }, { ...body }, () => "other")).toBe(key);
    for (const env of [
      { ...github, GITHUB_RUN_ATTEMPT: "3" },
      { ...github, GITHUB_ACTION: "__run_2" },
      { ...github, GITHUB_JOB: "staging" },
    ]) {
      expect(gate.idempotencyKey(env, body, () => "r")).not.toBe(key);
    }
    expect(gate.idempotencyKey(github, { ...body, fields: { Environment: "staging" } }, () => "r")).not.toBe(key);
    // Without a step id the type names it.
    expect(gate.idempotencyKey({ ...github, GITHUB_ACTION: "" }, body, () => "r")).toContain("/production/deploy/");
  });

  it("GitHub Enterprise's server and a missing workflow name", () => {
    expect(gate.ciSource({ ...github, GITHUB_SERVER_URL: "https://ghe.acme.example", GITHUB_WORKFLOW: "" }, "h")).toEqual({
      name: "github-actions",
      url: "https://ghe.acme.example/acme/billing/actions/runs/9876543210",
      label: "#42",
    });
  });

  it("GitLab CI: the pipeline is the source, the job makes the key", () => {
    expect(gate.ciSource(gitlab, "runner-1")).toEqual({ name: "gitlab-ci", url: gitlab.CI_PIPELINE_URL, label: "billing pipeline #77" });
    expect(gate.idempotencyKey(gitlab, body, () => "r")).toBe(`acme/billing/5551/123456/deploy/${gate.fnv1a64(JSON.stringify(body))}`);
    expect(gate.idempotencyKey({ ...gitlab, CI_JOB_ID: "123457" }, body, () => "r")).not.toBe(gate.idempotencyKey(gitlab, body, () => "r"));
  });

  it("elsewhere: this machine, and a random key", () => {
    expect(gate.ciSource({}, "laptop.local")).toEqual({ name: "approval-gate", label: "laptop.local" });
    expect(gate.idempotencyKey({}, body, () => "4f1c")).toBe("approval-gate/4f1c");
  });

  it("the key stays printable ASCII and at most 200 characters", () => {
    const long = { ...github, GITHUB_REPOSITORY: `acme/${"r".repeat(100)}`, GITHUB_JOB: "j".repeat(100), GITHUB_ACTION: "ünïcode" };
    const key = gate.idempotencyKey(long, body, () => "r");
    expect(key.length).toBe(200);
    expect(key).toMatch(/^[\x20-\x7e]+$/);
    expect(gate.idempotencyKey({ ...github, GITHUB_ACTION: "ünïcode" }, body, () => "r")).toContain("/_n_code/");
  });

  it("given source parts override the CI's; a given name replaces it", () => {
    const opts = interpret(["request"], { description: "x", "source-label": "release 2.3" }, github);
    expect(opts.command === "request" && opts.body.source).toEqual({
      name: "github-actions",
      url: "https://github.com/acme/billing/actions/runs/9876543210",
      label: "release 2.3",
    });
    const other = interpret(["request"], { description: "x", "source-name": "argo", "source-url": "https://argo.example/wf/1" }, github);
    expect(other.command === "request" && other.body.source).toEqual({ name: "argo", url: "https://argo.example/wf/1" });
  });
});

describe("retries", () => {
  it("retries timeouts, throttling and server errors, nothing else", () => {
    expect([408, 429, 500, 502, 503, 504].every(gate.isRetryableStatus)).toBe(true);
    expect([200, 201, 400, 401, 403, 404, 409, 422].some(gate.isRetryableStatus)).toBe(false);
  });

  it("backs off from 1 s doubling to 30 s, with jitter between half and all of it", () => {
    const low = Array.from({ length: 8 }, (_, n) => gate.backoffDelay(n, () => 0));
    const high = Array.from({ length: 8 }, (_, n) => gate.backoffDelay(n, () => 1));
    expect(high).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(low).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]);
    expect(gate.backoffDelay(1_000, () => 1)).toBe(30_000);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(gate.retryAfterMs("7", now)).toBe(7_000);
    expect(gate.retryAfterMs("Wed, 25 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(gate.retryAfterMs("Wed, 25 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(gate.retryAfterMs(null, now)).toBeNull();
    expect(gate.retryAfterMs("soon", now)).toBeNull();
  });
});

describe("progress and outcome", () => {
  it.each([
    [{ event: "created", actor: "U0REQ", detail: "Deploy" }, "request created by U0REQ"],
    [{ event: "created", actor: null, detail: "Deploy" }, "request created"],
    [{ event: "notified", actor: "U0MARIA", detail: "level 1" }, "notified U0MARIA (level 1)"],
    [{ event: "reminded", actor: null, detail: "level 1" }, "reminded the approvers (level 1)"],
    [{ event: "escalated", actor: "U0ONCALL1,U0ONCALL2", detail: "level 2" }, "escalated to U0ONCALL1, U0ONCALL2 (level 2)"],
    [{ event: "voted", actor: "U0QUORUMA", detail: "approve" }, "U0QUORUMA voted approve"],
    [{ event: "notify-failed", actor: "U0GONE", detail: "user_not_found" }, "could not notify U0GONE: user_not_found"],
    [{ event: "approved", actor: "U0MARIA", detail: null }, "approved by U0MARIA"],
    [{ event: "rejected", actor: "U0MARIA", detail: "Not during the freeze" }, "rejected by U0MARIA: Not during the freeze"],
    [{ event: "cancelled", actor: "api:github-actions", detail: "pipeline aborted (SIGINT)" }, "cancelled by api:github-actions: pipeline aborted (SIGINT)"],
    [{ event: "expired", actor: null, detail: null }, "expired: nobody decided in time"],
    [{ event: "failed", actor: null, detail: "invalid_auth" }, "failed: invalid_auth"],
    [{ event: "action-started", actor: null, detail: "deploy.example.com" }, "action started (deploy.example.com)"],
    [{ event: "action-succeeded", actor: null, detail: "deployed" }, "action succeeded: deployed"],
    [{ event: "something-new", actor: "U0X", detail: "d" }, "something-new U0X d"],
  ])("%j → %s", (entry, line) => {
    expect(gate.progressLine({ at: "2026-11-25T10:00:00.000Z", ...entry })).toBe(line);
  });

  it("puts text from the server on one line, so it cannot fake a log line or a workflow command", () => {
    const line = gate.progressLine({ event: "rejected", actor: "U0MARIA", detail: "no\n::add-mask::x\r\u001b[2Jbye\u2028", at: "" });
    expect(line).toBe("rejected by U0MARIA: no ::add-mask::x [2Jbye");
    expect(gate.outcomeLine({ id: "req-a", status: "rejected", decided_by: "U0MARIA", reason: "line 1\nline 2" })).toBe(
      "req-a rejected by U0MARIA: line 1 line 2",
    );
  });

  it("shows each audit entry once, also when the list is read again", () => {
    const seen = new Set<string>();
    const a = { event: "created", actor: "U0REQ", detail: "x", at: "2026-11-25T10:00:00.000Z" };
    const b = { event: "notified", actor: "U0MARIA", detail: "level 1", at: "2026-11-25T10:00:01.000Z" };
    const c = { event: "approved", actor: "U0MARIA", detail: null, at: "2026-11-25T10:05:00.000Z" };
    expect(gate.newEntries(seen, [a, b])).toEqual([a, b]);
    expect(gate.newEntries(seen, [a, b, c])).toEqual([c]);
    expect(gate.newEntries(seen, undefined)).toEqual([]);
    expect(gate.clock(c.at)).toBe("10:05:00");
    expect(gate.clock("never")).toBe("");
  });

  it("maps the request's status to the exit code", () => {
    expect(["approved", "rejected", "expired", "cancelled", "failed", "pending", "weird"].map(gate.exitCodeFor)).toEqual([0, 1, 2, 2, 3, 3, 3]);
  });

  it("says how it ended", () => {
    expect(gate.outcomeLine({ id: "req-a", status: "approved", decided_by: "U0MARIA" })).toBe("req-a approved by U0MARIA");
    expect(gate.outcomeLine({ id: "req-a", status: "expired" })).toBe("req-a expired: nobody decided in time");
    expect(gate.outcomeLine({ id: "req-a", status: "failed", error: "invalid_auth" })).toBe("req-a failed: invalid_auth");
    expect(gate.outcomeLine({ id: "req-a", status: "pending" })).toBe("req-a still pending");
  });

  it("the result object: the request's fields, or status error with the error", () => {
    expect(gate.resultObject({ id: "req-a", status: "rejected", decided_by: "U0M", reason: "no", url: "u", audit: [] })).toEqual({
      id: "req-a",
      status: "rejected",
      decided_by: "U0M",
      reason: "no",
      url: "u",
    });
    expect(gate.resultObject({ id: null }, "HTTP 401: missing or invalid bearer token")).toEqual({
      id: null,
      status: "error",
      decided_by: null,
      reason: null,
      url: null,
      error: "HTTP 401: missing or invalid bearer token",
    });
  });

  it("writes GitHub outputs in the multiline form", () => {
    const text = gate.githubOutputs({ id: "req-a", status: "rejected", decided_by: "U0M", reason: "no\nreason=x", url: "https://a/d" }, "EOF_1");
    expect(text).toBe(
      "request-id<<EOF_1\nreq-a\nEOF_1\nstatus<<EOF_1\nrejected\nEOF_1\ndecided-by<<EOF_1\nU0M\nEOF_1\nreason<<EOF_1\nno\nreason=x\nEOF_1\nurl<<EOF_1\nhttps://a/d\nEOF_1\n",
    );
    expect(gate.githubOutputs({ id: null, status: "error", decided_by: null, reason: null, url: null, error: "boom" }, "D")).toContain("reason<<D\nboom\nD\n");
    expect(() => gate.githubOutputs({ id: "x", status: "rejected", decided_by: null, reason: "sneaky\nD\nstatus<<D", url: null }, "D")).toThrow("delimiter");
  });

  it("turns an API error answer into one line naming the bad fields", () => {
    expect(
      gate.apiErrorMessage(422, {
        error: "invalid request",
        issues: [
          { path: "fields.Environment", message: "at most 300 characters" },
          { path: ["approvers", 0], message: "not a user id" },
        ],
      }),
    ).toBe("HTTP 422: invalid request; fields.Environment: at most 300 characters; approvers.0: not a user id");
    expect(gate.apiErrorMessage(502, null, "Bad Gateway")).toBe("HTTP 502: Bad Gateway");
    expect(gate.apiErrorMessage(500, "oops")).toBe("HTTP 500: no error message");
  });
});
