// The approval gate (cli/approval-gate.mjs) end to end against the local stack (`npm run dev`
// style: wrangler dev and the Slack stand-in, started by test/e2e/global-setup.ts): the real CLI
// process creates a request through POST /api/requests, the stand-in's approver (Maria Lopez)
// approves, or rejects with a reason, through the page's own endpoints; the e2e policy's
// `gate-quick` type lets a request expire in seconds; Ctrl-C, SIGTERM and --timeout cancel the
// request and Maria's DM says so. What the real service cannot be made to do on cue (dropped
// answers, 5xx, 429, hangs, the cancel/decision race, a failed action) is in gate-cli.test.ts,
// against a contract stand-in.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import type { PageActionAnswer, PageState, StandinMessage } from "../../standin/control.js";
import type { ApiRequest } from "./api-request";
import { eventually } from "./eventually";
import { getJson, postJson } from "./http";

const stack = inject("stack");
const REPO = fileURLToPath(new URL("../..", import.meta.url).href);
const GATE = join(REPO, "cli/approval-gate.mjs");
/** The e2e policy's type that expires after 5 seconds, reminded after 2 (global-setup.ts). */
const QUICK_TYPE = "gate-quick";
const APPROVER = "U0APPROVER"; // Maria Lopez in the stand-in
const APPROVER_DM = "D0APPROVER";

type Run = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stderrMatching: (re: RegExp) => Promise<void>;
  exit: Promise<number | null>;
};

const running = new Set<ChildProcess>();
/** Runs whose output showed the API token (checked after each test). */
const leaks: string[] = [];
let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "approval-gate-e2e-"));
});
afterEach(async () => {
  for (const c of running) c.kill("SIGKILL");
  expect(leaks.splice(0)).toEqual([]);
  await rm(tmp, { recursive: true, force: true });
});

/** The gate as a pipeline runs it, with only the environment it needs (no CI variables of the runner). */
function runGate(args: string[], env: Record<string, string> = {}): Run {
  const vars = { PATH: process.env.PATH ?? "", APPROVALS_URL: stack.serviceUrl, APPROVALS_TOKEN: stack.apiToken, ...env };
  const child = spawn(process.execPath, [GATE, ...args], { cwd: tmp, env: vars, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let out = "";
  let err = "";
  const watchers = new Set<() => void>();
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    err += d;
    for (const w of watchers) w();
  });
  const exit = new Promise<number | null>((resolve) =>
    child.once("close", (code) => {
      running.delete(child);
      for (const w of watchers) w();
      if ((out + err).includes(stack.apiToken)) leaks.push(`${args.join(" ")}:\n${out}${err}`);
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
          reject(new Error(`the gate exited (${child.exitCode}) before ${re}:\n${err}`));
        }
      };
      watchers.add(check);
      check();
    });
  return { child, stdout: () => out, stderr: () => err, stderrMatching, exit };
}

const pagePost = (path: string, body: unknown) => postJson<PageActionAnswer>(`${stack.standinUrl}${path}`, body);

const api = (path: string) => getJson<ApiRequest>(`${stack.serviceUrl}${path}`, { authorization: `Bearer ${stack.apiToken}` });

const buttons = (m: StandinMessage) => JSON.stringify(m.blocks).includes("approval_approve");

/** Maria's DM about request `id` (the stand-in's record of it, kept up to date by chat.update). */
async function approverDm(id: string, pred: (m: StandinMessage) => boolean = buttons): Promise<StandinMessage> {
  return eventually(async () => {
    const messages = await getJson<StandinMessage[]>(`${stack.standinUrl}/_control/messages?channel=${APPROVER_DM}`);
    return messages.find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id) && pred(m));
  }, `Maria's DM about ${id}`);
}

/** The id from the gate's first stdout line, "Approval request req-…: <url>". */
async function requestId(gate: Run): Promise<string> {
  await gate.stderrMatching(/notified U0APPROVER/);
  const m = /^Approval request (req-[a-z0-9]{12}): (\S+)$/m.exec(gate.stdout());
  expect(m, gate.stdout()).toBeTruthy();
  expect(m![2]).toBe(`${stack.serviceUrl}/dashboard/requests/${m![1]}`);
  return m![1]!;
}

/** GitHub's multiline output syntax (name<<DELIM … DELIM) back to name → value. */
function readGithubOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2\n/gm)) outputs[m[1]!] = m[3]!;
  return outputs;
}

const github = {
  GITHUB_ACTIONS: "true",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_REPOSITORY: "acme/billing",
  GITHUB_RUN_ID: "123",
  GITHUB_RUN_ATTEMPT: "1",
  GITHUB_RUN_NUMBER: "7",
  GITHUB_WORKFLOW: "deploy",
  GITHUB_JOB: "prod",
};

describe("the approval gate against the local stack", () => {
  it("approved in Slack: exit 0, progress on stderr, the outcome on stdout and in the step outputs; the DM shows the pipeline as requester", async () => {
    const outputFile = join(tmp, "github-output");
    const gate = runGate(
      ["request", "--approver", APPROVER, "--description", "Deploy billing-api v2.3", "--field", "Environment=production", "--timeout", "10m"],
      { ...github, GITHUB_RUN_ID: `${Date.now()}`, GITHUB_OUTPUT: outputFile },
    );
    const id = await requestId(gate);
    const dm = await approverDm(id);
    const text = JSON.stringify(dm.blocks);
    expect(text).toContain("github-actions (deploy #7) asks for approval"); // issue 13: a request without a Slack requester
    expect(text).toContain("https://github.com/acme/billing/actions/runs/");
    expect(text).toContain("*Environment*\\nproduction");
    expect(await api(`/api/requests/${id}`)).toMatchObject({
      requester: null,
      source: { name: "github-actions", label: "deploy #7" },
      fields: { Environment: "production" },
    });
    await pagePost("/_ui/action", { user: APPROVER, channel: APPROVER_DM, ts: dm.ts, block_id: `decision:${id}`, action_id: "approval_approve" });
    expect(await gate.exit).toBe(0);
    expect(gate.stdout()).toContain(`${id} approved by ${APPROVER}`);
    expect(gate.stderr()).toMatch(/request created by api:github-actions[\s\S]*notified U0APPROVER \(level 1\)[\s\S]*approved by U0APPROVER/);
    expect(readGithubOutputs(await readFile(outputFile, "utf8"))).toEqual({
      "request-id": id,
      status: "approved",
      "decided-by": APPROVER,
      reason: "",
      url: `${stack.serviceUrl}/dashboard/requests/${id}`,
    });
  });

  it("rejected with a reason: exit 1 and the reason, which survives the step outputs over two lines", async () => {
    const outputFile = join(tmp, "github-output");
    const gate = runGate(["request", "--approver", APPROVER, "--description", "Drop the audit table", "--json"], { GITHUB_OUTPUT: outputFile });
    await gate.stderrMatching(/notified U0APPROVER/);
    const id = /(req-[a-z0-9]{12})/.exec(gate.stderr())![1]!;
    const dm = await approverDm(id);
    await pagePost("/_ui/action", { user: APPROVER, channel: APPROVER_DM, ts: dm.ts, block_id: `decision:${id}`, action_id: "approval_reject" });
    const state = await eventually(async () => {
      const s = await getJson<PageState>(`${stack.standinUrl}/_ui/state?user=${APPROVER}`);
      return s.modal ? s : undefined;
    }, "the reason modal");
    expect(
      await pagePost("/_ui/view_submission", {
        user: APPROVER,
        view_id: state.modal!.id,
        values: { reason: { reason: "Not during the freeze.\nAsk again on Monday." } },
      }),
    ).toMatchObject({
      ok: true,
    });
    expect(await gate.exit).toBe(1);
    expect(JSON.parse(gate.stdout())).toEqual({
      id,
      status: "rejected",
      decided_by: APPROVER,
      reason: "Not during the freeze.\nAsk again on Monday.",
      url: `${stack.serviceUrl}/dashboard/requests/${id}`,
    });
    expect(gate.stderr()).toContain("rejected by U0APPROVER: Not during the freeze. Ask again on Monday.");
    expect(readGithubOutputs(await readFile(outputFile, "utf8")).reason).toBe("Not during the freeze.\nAsk again on Monday.");
  });

  it("nobody decides: the reminder shows as it happens, then the request expires (exit 2)", async () => {
    const gate = runGate(["request", "--type", QUICK_TYPE, "--approver", APPROVER, "--description", "Rotate the keys"]);
    // Shown while still waiting: the long poll answers when the trail grows (after=).
    await gate.stderrMatching(/reminded the approvers \(level 1\)/);
    expect(gate.child.exitCode).toBeNull();
    expect(await gate.exit).toBe(2);
    expect(gate.stdout()).toMatch(/req-[a-z0-9]{12} expired: nobody decided in time/);
  });

  it.each(["SIGINT", "SIGTERM"] as const)("%s cancels the request (exit 2) and Maria's DM says it was cancelled, by whom, as text", async (signal) => {
    const gate = runGate(["request", "--approver", APPROVER, "--description", `Deploy billing-api v2.4 (${signal})`]);
    const id = await requestId(gate);
    await approverDm(id);
    gate.child.kill(signal);
    expect(await gate.exit).toBe(2);
    expect(gate.stdout()).toContain(`${id} cancelled: pipeline aborted (${signal})`);
    const r = await api(`/api/requests/${id}`);
    expect(r).toMatchObject({ status: "cancelled", decided_by: "api:approval-gate", reason: `pipeline aborted (${signal})` });
    expect(r.audit.at(-1)).toMatchObject({ event: "cancelled", actor: "api:approval-gate", detail: `pipeline aborted (${signal})` });
    const updated = await approverDm(id, (m) => !buttons(m));
    const blocks = JSON.stringify(updated.blocks);
    expect(blocks).toContain("*Cancelled* by approval-gate (API)");
    expect(blocks).toContain(`>pipeline aborted (${signal})`);
    expect(blocks).not.toContain("<@api");
  });

  it("--timeout cancels with its reason (exit 2); with --keep, or Ctrl-C with --keep, the request stays pending", async () => {
    const timed = runGate(["request", "--approver", APPROVER, "--description", "Deploy within 3 seconds", "--timeout", "3s"]);
    expect(await timed.exit).toBe(2);
    const id = /(req-[a-z0-9]{12}) cancelled: approval gate timed out after 3s/.exec(timed.stdout())?.[1];
    expect(id, timed.stdout()).toBeTruthy();
    expect(await api(`/api/requests/${id}`)).toMatchObject({ status: "cancelled", reason: "approval gate timed out after 3s" });

    const kept = runGate(["request", "--approver", APPROVER, "--description", "Deploy, keep it", "--timeout", "2s", "--keep", "--json"]);
    expect(await kept.exit).toBe(2);
    const keptId = JSON.parse(kept.stdout()).id as string;
    expect((await api(`/api/requests/${keptId}`)).status).toBe("pending");

    const interrupted = runGate(["request", "--approver", APPROVER, "--description", "Deploy, keep it too", "--keep"]);
    const otherId = await requestId(interrupted);
    interrupted.child.kill("SIGINT");
    expect(await interrupted.exit).toBe(2);
    expect((await api(`/api/requests/${otherId}`)).status).toBe("pending");
  });

  it("the same Idempotency-Key re-attaches to the first request instead of asking twice (--no-wait)", async () => {
    const args = [
      "request",
      "--approver",
      APPROVER,
      "--description",
      "Deploy billing-api v2.5",
      "--idempotency-key",
      `e2e-${Date.now()}`,
      "--no-wait",
      "--json",
    ];
    const first = runGate(args);
    expect(await first.exit).toBe(0);
    const second = runGate(args);
    expect(await second.exit).toBe(0);
    expect(JSON.parse(second.stdout()).id).toBe(JSON.parse(first.stdout()).id);
    expect(second.stderr()).toContain("re-attached to");
    const other = runGate(["request", "--approver", APPROVER, "--description", "Something else", "--idempotency-key", args[6]!, "--no-wait"]);
    expect(await other.exit).toBe(3);
    expect(other.stderr()).toMatch(/HTTP 422: .*was used with a different body/);
  });

  it("status and cancel: read a request, cancel it with a reason (exit 0), a second cancel says it is closed (exit 1)", async () => {
    const created = runGate(["request", "--approver", APPROVER, "--description", "Deploy, then think again", "--no-wait", "--json"]);
    expect(await created.exit).toBe(0);
    const { id } = JSON.parse(created.stdout()) as { id: string };
    await approverDm(id);
    // The DM is posted one step before its "notified" entry is written: wait for the entry.
    await eventually(async () => (await api(`/api/requests/${id}`)).audit.some((a) => a.event === "notified"), "the notified entry");

    const status = runGate(["status", id]);
    expect(await status.exit).toBe(0);
    expect(status.stdout()).toMatch(
      new RegExp(`^${id} still pending\\n${stack.serviceUrl}/dashboard/requests/${id}\\n .*request created by api:approval-gate\\n .*notified U0APPROVER`),
    );

    const cancel = runGate(["cancel", id, "--reason", "release postponed"]);
    expect(await cancel.exit).toBe(0);
    expect(cancel.stdout()).toBe(`${id} cancelled\n`);
    const again = runGate(["cancel", id, "--json"]);
    expect(await again.exit).toBe(1);
    expect(JSON.parse(again.stdout())).toMatchObject({ id, status: "cancelled" });
    const json = runGate(["status", id, "--json"]);
    expect(await json.exit).toBe(0);
    expect(JSON.parse(json.stdout())).toEqual({
      id,
      status: "cancelled",
      decided_by: "api:approval-gate",
      reason: "release postponed",
      url: `${stack.serviceUrl}/dashboard/requests/${id}`,
    });
    const unknown = runGate(["status", "req-000000000000"]);
    expect(await unknown.exit).toBe(3);
    expect(unknown.stderr()).toContain("HTTP 404: request not found");
  });

  it("refused: a bad field is named (422) and a wrong token is a 401 and never printed, exit 3 both", async () => {
    const bad = runGate(["request", "--approver", APPROVER, "--description", "x", "--field", `Environment=${"p".repeat(301)}`]);
    expect(await bad.exit).toBe(3);
    expect(bad.stderr()).toMatch(/HTTP 422: .*fields\.Environment: at most 300 characters/);
    const wrong = runGate(["status", "req-abc123def456"], { APPROVALS_TOKEN: "not-the-token-0123456789" });
    expect(await wrong.exit).toBe(3);
    expect(wrong.stderr()).toContain("HTTP 401: missing or invalid bearer token");
    expect(wrong.stdout() + wrong.stderr()).not.toContain("not-the-token");
  });
});
