// The upgrade drill (issue 17): requests wait on today's code (at level 1, escalated to level 2, and
// approved with their action still running), the code is replaced by a changed workflow and
// `wrangler dev` restarted on the same local state, then every request is decided and new ones run
// on the new code. Nothing may be lost, no DM posted twice, old instances must finish on their own
// path and new ones on the new path (docs/architecture.md, "Changing a workflow while instances wait").
//
// The changed workflow is bench/upgrade/v2.patch, applied to a temporary copy of this tree (never to
// the tree itself): version 2 with a new step before the first wait (the request announced in
// #general), a renamed message builder, a new param with a default (priority) and a step removed
// (the requester's outcome DM), each structural change behind `since(params, 2)`.
// UPGRADE_WITHOUT_VERSIONS=1 applies the same change without the version branches, to show that
// the drill catches it. When the patch no longer applies (the workflow changed), remake it: copy
// the tree, make the same five changes, `git diff -- src > bench/upgrade/v2.patch`.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { verifyApprovalsSignature } from "../test/webhook-receiver.js";
import { createRequests, dmsTo, pool, startBenchStack, until } from "./lib.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const PORTS = { service: 8934, standin: 8935, receiver: 8936 };
const SECRET = "drill-webhook-secret-0123456789";
const LEVEL2 = "U0UPGLEVEL2";

const policy = {
  types: {
    single: { title: "Drill: one level", levels: [{ approvers: [], wait: "1 hour" }] },
    // Level 1 runs out (reminded after 10 s) before the deploy; level 2 waits through it.
    escalating: {
      title: "Drill: escalates",
      levels: [
        { approvers: [], wait: "20 seconds" },
        { approvers: [LEVEL2], wait: "1 hour" },
      ],
    },
    action: {
      title: "Drill: with an action",
      levels: [{ approvers: [], wait: "1 hour" }],
      action: { url: `http://127.0.0.1:${PORTS.receiver}/hooks/deploy`, method: "POST", secret: "DRILL_WEBHOOK_SECRET", timeout: "1 hour" },
    },
  },
};

/**
 * An action receiver that holds every job: 202 and a status URL, whose polls answer "running" until
 * `release()`, then "complete". It verifies each call's signature, answers a repeated
 * Idempotency-Key as the first time, and counts the calls per key (each action must be called once).
 */
async function startHoldingReceiver() {
  const calls = new Map();
  let held = true;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const key = String(req.headers["idempotency-key"] ?? "");
      const signed = verifyApprovalsSignature({
        secret: SECRET,
        method: req.method,
        path: req.url,
        idempotencyKey: key,
        timestamp: req.headers["x-approvals-timestamp"],
        signature: req.headers["x-approvals-signature"],
        body,
      });
      const answer = (status, value) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (!signed) return answer(401, { error: "bad signature" });
      if (req.url?.startsWith("/status/")) return answer(200, held ? { state: "running", progress: 50 } : { state: "complete", message: "deployed" });
      calls.set(key, (calls.get(key) ?? 0) + 1);
      return answer(202, { statusUrl: `/status/${encodeURIComponent(key)}` });
    });
  });
  await new Promise((r) => server.listen(PORTS.receiver, "127.0.0.1", r));
  return {
    calls,
    release: () => {
      held = false;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/** A copy of this tree (what git tracks, plus new files) with the v2 patch applied, sharing node_modules. */
async function changedTree() {
  const dir = await mkdtemp(join(tmpdir(), "approvals-v2-"));
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: REPO, encoding: "utf8" }).split("\0").filter(Boolean);
  execFileSync("tar", ["-cf", join(dir, "tree.tar"), "--null", "-T", "-"], { cwd: REPO, input: files.join("\0") });
  execFileSync("tar", ["-xf", "tree.tar"], { cwd: dir });
  await rm(join(dir, "tree.tar"));
  await symlink(join(REPO, "node_modules"), join(dir, "node_modules"));
  const applied = spawnSync("git", ["apply", "--whitespace=nowarn", join(REPO, "bench/upgrade/v2.patch")], { cwd: dir, encoding: "utf8" });
  if (applied.status !== 0)
    throw new Error(`bench/upgrade/v2.patch no longer applies (the workflow changed): remake it (see bench/upgrade.js)\n${applied.stderr}`);
  if (process.env.UPGRADE_WITHOUT_VERSIONS === "1") {
    // The same change made the wrong way: the new path for every instance.
    await edit(join(dir, "src/workflows/approval.ts"), "if (since(this.ctx.params, 2)) await this.messages.announce();", "await this.messages.announce();");
    await edit(join(dir, "src/workflows/approval/slack-messages.ts"), " && !since(params, 2)) {", " && false) {");
  }
  return dir;
}

async function edit(path, from, to) {
  const text = await readFile(path, "utf8");
  if (!text.includes(from)) throw new Error(`${path}: expected ${from}`);
  await writeFile(path, text.replace(from, to));
}

/** Top-level messages Slack holds with the service's metadata key (each post of a step carries one). */
function postsByKey(fake) {
  const counts = new Map();
  for (const m of fake.state.messages) {
    if (m.thread_ts || !m.metadata) continue;
    const meta = typeof m.metadata === "string" ? JSON.parse(m.metadata) : m.metadata;
    const key = meta?.event_payload?.key;
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** `npm run instances -- --json` against the stack: the listing an operator reads (and with `--wake`, what it woke). */
function listing(s, ...more) {
  const args = [join(REPO, "scripts/instances.js"), "--url", s.url, "--token", s.apiToken, "--json", "--limit", "500", ...more];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8" }));
}
const byVersion = (l) => Object.fromEntries(l.versions.map((v) => [`v${v.version}`, v.waiting]));

/**
 * Starts one batch of requests on whatever code runs now: `single` (approved, or cancelled by the
 * requester), `escalating` (escalated to level 2 before it goes on) and `action` (approved at once,
 * its action held by the receiver). Resolves when every one waits where it should.
 */
async function startBatch(s, n, tag) {
  const counts = { single: Math.ceil(n * 0.4), escalating: Math.ceil(n * 0.3) };
  counts.action = Math.max(1, n - counts.single - counts.escalating);
  const batch = [];
  for (const [type, count] of Object.entries(counts)) {
    const t = `${tag}${type[0].toUpperCase()}`;
    const ids = await createRequests(s, count, { tag: t, text: (i) => `${type} <@U0${t}A${i}> upgrade drill ${tag} ${type} ${i}` });
    batch.push(...ids.map((id, i) => ({ id, type, requester: `U0${t}R${i}`, approver: `U0${t}A${i}`, cancel: type === "single" && i % 2 === 1 })));
  }
  await until(() => batch.every((r) => dmsTo(s, r.approver).length >= 1), `${tag}: every first DM`, 600_000, 250);
  const actions = batch.filter((r) => r.type === "action");
  await pool(actions, 8, (r) => s.post("/slack/interactions", s.clickBody(r.approver, r.id, "approve")));
  await until(
    async () => (await Promise.all(batch.map((r) => s.api(`/api/requests/${r.id}`)))).every((row, i) => waitingAsPlanned(batch[i], row)),
    `${tag}: every request waiting where planned`,
    600_000,
    1000,
  );
  return batch;
}

/** Level 1 waiting; escalated and waiting at level 2; approved with its action running. */
function waitingAsPlanned(r, row) {
  if (r.type === "single") return row.status === "pending" && row.wait_until !== null;
  if (r.type === "escalating") return row.status === "pending" && row.level === 2 && row.audit.some((a) => a.event === "notified" && a.actor === LEVEL2);
  return row.status === "approved" && row.action_status === "running" && row.action_progress === 50;
}

/** Decides what still waits for a decision: single ones approved or cancelled, escalated ones approved at level 2. */
async function decide(s, batch) {
  await pool(
    batch.filter((r) => r.type !== "action"),
    8,
    (r) =>
      r.type === "escalating"
        ? s.post("/slack/interactions", s.clickBody(LEVEL2, r.id, "approve"))
        : s.post("/slack/interactions", s.clickBody(r.cancel ? r.requester : r.approver, r.id, r.cancel ? "cancel" : "approve")),
  );
}

/** What each request must end as, and the posts it must have: one of each, the version's own. */
function expectations(r, version) {
  const posts = { [`${r.id}:L1-${r.approver}`]: 1, [`${r.id}:receipt`]: 1 };
  if (r.type === "escalating") posts[`${r.id}:L2-${LEVEL2}`] = 1;
  // Version 1 tells the requester the outcome (not their own cancellation); version 2 removed that step.
  posts[`${r.id}:outcome`] = version === 1 && !r.cancel ? 1 : 0;
  // Version 2 announces the request before its first wait; version 1 never.
  posts[`${r.id}:announce`] = version === 2 ? 1 : 0;
  return { status: r.cancel ? "cancelled" : "approved", action: r.type === "action" ? "succeeded" : null, posts };
}

export async function upgradeDrill(report) {
  const N = Number(process.env.UPGRADE_N ?? 30);
  const M = Number(process.env.UPGRADE_NEW ?? Math.max(3, Math.ceil(N / 3)));
  const unversioned = process.env.UPGRADE_WITHOUT_VERSIONS === "1";
  const v2 = await changedTree();
  const receiver = await startHoldingReceiver();
  const s = await startBenchStack({
    port: PORTS.service,
    fakeSlackPort: PORTS.standin,
    vars: { POLICY_JSON: JSON.stringify(policy), DRILL_WEBHOOK_SECRET: SECRET, APPROVAL_TIMEOUT: "1 hour", ESCALATION_TIMEOUT: "1 hour" },
  });
  try {
    const t0 = Date.now();
    const old = await startBatch(s, N, "O");
    const before = listing(s);
    const callsBefore = s.fake.state.calls.length;

    // The deploy: migrations first (the changed tree's), then the new code on the same state.
    s.migrate(v2);
    const t1 = Date.now();
    await s.restartService("SIGTERM", { cwd: v2 });
    const restartMs = Date.now() - t1;
    // The runbook's step after a local restart: the local engine forgot every timer (a sleeping
    // action's poll, a wait's timeout) when wrangler dev stopped; a wake-up brings each back.
    const woken = listing(s, "--wake");
    if (woken.code.version !== 2) throw new Error(`the changed code is not running (it says version ${woken.code.version})`);

    const fresh = await startBatch(s, M, "N");
    const during = listing(s);
    receiver.release();
    await decide(s, [...old, ...fresh]);

    const all = [...old.map((r) => ({ ...r, version: 1 })), ...fresh.map((r) => ({ ...r, version: 2 }))];
    const rows = new Map();
    await until(
      async () => {
        for (const r of all) {
          if (rows.has(r.id)) continue;
          const row = await s.api(`/api/requests/${r.id}`);
          const settled = row.status !== "pending" && row.workflow?.status === "complete" && (r.type !== "action" || row.action_status !== "running");
          if (settled) rows.set(r.id, row);
        }
        return rows.size === all.length;
      },
      "every request decided and its instance finished",
      900_000,
      1000,
    ).catch(async (err) => {
      for (const r of all.filter((x) => !rows.has(x.id))) {
        const row = await s.api(`/api/requests/${r.id}`);
        console.log(
          `unsettled: v${r.version} ${r.type} ${r.id} ${row.status} level ${row.level} action ${row.action_status} instance ${JSON.stringify(row.workflow)}`,
        );
      }
      throw err;
    });
    const after = listing(s);

    const posts = postsByKey(s.fake);
    const problems = { lost: [], twice: [], wrongPath: [], version: [], webhook: [] };
    for (const r of all) {
      const want = expectations(r, r.version);
      const row = rows.get(r.id);
      if (row.status !== want.status || (want.action && row.action_status !== want.action)) problems.lost.push(`${r.id} ${row.status}/${row.action_status}`);
      if (row.workflow_version !== r.version) problems.version.push(`${r.id} v${row.workflow_version}`);
      for (const [key, n] of Object.entries(want.posts)) {
        const got = posts.get(key) ?? 0;
        if (got > 1) problems.twice.push(`${key} ×${got}`);
        else if (got !== n) problems.wrongPath.push(`${key} ${got} (v${r.version} expects ${n})`);
      }
      if (r.type === "action") {
        const key = `${r.id}-action-call-webhook`;
        if (receiver.calls.get(key) !== 1) problems.webhook.push(`${key} ×${receiver.calls.get(key) ?? 0}`);
      }
    }
    for (const [k, v] of Object.entries(problems)) if (v.length) console.log(`${k}:`, v.slice(0, 20).join("; "));
    const lost = problems.lost.length + problems.twice.length + problems.wrongPath.length + problems.version.length + problems.webhook.length;
    const dmCount = [...posts.values()].reduce((a, b) => a + b, 0);
    // Counted by hand, not Object.groupBy: `node bench/drills.js upgrade` may run on a Node 20 outside npm.
    const types = (b) => [...new Set(b.map((r) => r.type))].map((t) => `${b.filter((r) => r.type === t).length} ${t}`).join(", ");
    report(
      unversioned ? "upgrade (v2 without version branches)" : "upgrade",
      `${old.length} requests waiting on today's code (${types(old)}: at level 1, escalated to level 2, approved with the action held by the receiver), then the code replaced by bench/upgrade/v2.patch${unversioned ? " WITHOUT its since(params, 2) branches" : ""} (a step before the first wait, a renamed message builder, a param with a default, a step removed) and wrangler dev restarted on the same state (${(restartMs / 1000).toFixed(1)} s; then \`npm run instances -- --wake\` woke ${woken.woken.woken} of ${woken.instances.length}, as the runbook says after a local restart); ${fresh.length} new requests (${types(fresh)}) on the new code; all decided`,
      lost,
      `waiting by version before ${JSON.stringify(byVersion(before))}, after the deploy ${JSON.stringify(byVersion(during))}, at the end ${JSON.stringify(byVersion(after))}; requests lost or in the wrong state: ${problems.lost.length}; posts (DMs, receipts, outcomes, announcements; ${dmCount} in all) made twice: ${problems.twice.length}; made or missing against their version's path: ${problems.wrongPath.length}; wrong version in D1: ${problems.version.length}; actions not called exactly once: ${problems.webhook.length}; Slack calls ${callsBefore} before the deploy, ${s.fake.state.calls.length} in all; ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
  } finally {
    await s.stop();
    await receiver.close();
    await rm(v2, { recursive: true, force: true });
  }
}
