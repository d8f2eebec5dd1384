// What an approval costs on Cloudflare: COST_N simple approvals (`/approval @approver …`, approved
// at level 1) and COST_N escalated ones (level 1's reminder and wait run out, level 2's approver
// gets the DM and approves), on workerd without wrangler (bench/direct) running ours wrapped by
// bench/cost/worker.js, which counts D1 rows (each statement's meta), KV and Analytics Engine
// calls, Worker requests and each workflow instance's distinct steps. CPU: the workerd process's
// user + system time over each flow divided by its approvals, an upper bound (it includes the
// local Workflows engine, D1 and KV, which production runs elsewhere and does not bill as Worker
// CPU). Slack calls: the stand-in's count. Priced with Cloudflare's published Workers Paid prices.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { startDirectStack } from "./direct/stack.js";
import { benchPort, createRequests, dmsTo, processTreeCpu, until, writeSection } from "./lib.js";

const N = Number(process.env.COST_N ?? 100);
/** Level 1's wait in the escalated flow (its reminder comes at half of it, as by default). */
const ESCALATE_AFTER = process.env.COST_ESCALATE_AFTER ?? "20 seconds";
/**
 * Level-2 approvers of the escalated flow. Slack allows one post a second per channel (ours paces
 * its posts), so one escalation user for all would make the flow last N seconds; each request
 * still has exactly one level-2 approver, and the cost per approval is the same.
 */
const ESCALATION_USERS = Array.from({ length: 10 }, (_, i) => `U0CESC${i}`);

/**
 * Workers Paid prices (USD), as Cloudflare's pages below gave them when read on PRICES_READ (Workers:
 * requests $0.30/M over 10 M, CPU $0.02/M ms over 30 M; Workflows: billed as Workers, storage $0.20
 * per GB-month over 1 GB; D1: rows read $0.001/M over 25 G, written $1.00/M over 50 M, storage $0.75
 * per GB-month over 5 GB; KV: reads $0.50/M over 10 M, writes, deletes and lists $5.00/M over 1 M
 * each; Analytics Engine: data points $0.25/M over 10 M). Included amounts are per month; the $5
 * monthly subscription covers them. Read them again before relying on the dollar figures.
 */
const PRICES_READ = "2026-11-27";
const PRICES = {
  requests: { perMillion: 0.3, included: 10e6, source: "https://developers.cloudflare.com/workers/platform/pricing/" },
  cpuMs: { perMillion: 0.02, included: 30e6, source: "https://developers.cloudflare.com/workers/platform/pricing/" },
  d1RowsRead: { perMillion: 0.001, included: 25e9, source: "https://developers.cloudflare.com/d1/platform/pricing/" },
  d1RowsWritten: { perMillion: 1.0, included: 50e6, source: "https://developers.cloudflare.com/d1/platform/pricing/" },
  kvReads: { perMillion: 0.5, included: 10e6, source: "https://developers.cloudflare.com/kv/platform/pricing/" },
  kvWrites: { perMillion: 5.0, included: 1e6, source: "https://developers.cloudflare.com/kv/platform/pricing/" },
  analytics: { perMillion: 0.25, included: 10e6, source: "https://developers.cloudflare.com/analytics/analytics-engine/pricing/" },
  d1StorageGbMonth: { price: 0.75, included: 5, source: "https://developers.cloudflare.com/d1/platform/pricing/" },
  workflowsStorageGbMonth: { price: 0.2, included: 1, source: "https://developers.cloudflare.com/workflows/reference/pricing/" },
};
const SUBSCRIPTION = 5;
const NAMES = {
  requests: "requests",
  cpuMs: "CPU time",
  d1RowsRead: "D1 rows read",
  d1RowsWritten: "D1 rows written",
  kvReads: "KV reads",
  kvWrites: "KV writes",
  analytics: "Analytics Engine data points",
};
/** Workflows: 10,000 steps per instance by default (up to 25,000); completed instances' state kept 7 days by default (up to 30). */
const STEP_LIMIT = 10_000;
const WORKFLOW_RETENTION_DAYS = 7;
const LIMITS_SOURCE = "https://developers.cloudflare.com/workflows/reference/limits/";
const AUDIT_RETENTION_DAYS = 365;

// One request type per level-2 approver (escalated-0 … escalated-9), the same chain otherwise.
const policy = { types: {} };
for (const [i, user] of ESCALATION_USERS.entries()) {
  policy.types[`escalated-${i}`] = {
    title: "Escalated",
    levels: [
      { approvers: [], wait: ESCALATE_AFTER },
      { approvers: [user], wait: "24 hours" },
    ],
  };
}

const s = await startDirectStack({
  port: benchPort(8825, 0),
  fakeSlackPort: benchPort(8826, 1),
  entry: new URL("./cost/worker.js", import.meta.url).pathname,
  // Production's defaults for the simple flow: 24 hours to decide, then the escalation user.
  vars: { POLICY_JSON: JSON.stringify(policy), APPROVAL_TIMEOUT: "24 hours", ESCALATION_TIMEOUT: "24 hours", ESCALATION_USER: "U0CESCALATE" },
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const counters = () => s.api("/__bench/counters");
const workerdCpu = () => processTreeCpu(s.pid).byName.workerd ?? 0;
/** The bytes D1's tables and indexes hold (SQLite's dbstat: page bytes in use), read from the local database file. */
async function d1Bytes() {
  const { DatabaseSync } = await import("node:sqlite");
  const folder = join(s.dir, "state", "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(folder).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  const db = new DatabaseSync(join(folder, file), { readOnly: true });
  try {
    return db.prepare("SELECT SUM(pgsize - unused) AS used FROM dbstat").get().used;
  } finally {
    db.close();
  }
}

/** Waits until the stand-in has had no Web API call for 3 s. */
async function settled() {
  for (let last = -1; s.fake.state.calls.length !== last; ) {
    last = s.fake.state.calls.length;
    await sleep(3000);
  }
}

/** Runs one flow and returns what it used, per approval. */
async function flow(name, run) {
  await settled();
  const c0 = await counters();
  const cpu0 = workerdCpu();
  const calls0 = s.fake.state.calls.length;
  const d1Bytes0 = await d1Bytes();
  const t0 = performance.now();
  const ids = await run();
  await settled();
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = workerdCpu() - cpu0;
  const c1 = await counters();
  const instances = Object.entries(c1.workflows.ApprovalWorkflow?.instances ?? {})
    .filter(([id]) => ids.includes(id))
    .map(([, i]) => i);
  const steps = instances.map((i) => i.steps);
  const requests = Object.entries(c1.requests).map(([route, n]) => [route, n - (c0.requests[route] ?? 0)]);
  const byKey = (after, before) =>
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)])
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${+(v / N).toFixed(2)}`)
      .join(", ");
  const slackMethods = {};
  for (const c of s.fake.state.calls.slice(calls0)) slackMethods[c.method] = (slackMethods[c.method] ?? 0) + 1;
  const per = (x) => x / N;
  const r = {
    name,
    seconds,
    workerRequests: per(requests.filter(([route]) => route.startsWith("POST /slack/")).reduce((sum, [, n]) => sum + n, 0)),
    routes: requests.filter(([route, n]) => n > 0 && route.startsWith("POST /slack/")).map(([route, n]) => `${route} ${per(n)}`),
    instances: per(new Set(ids).size),
    runs: per((c1.workflows.ApprovalWorkflow?.runs ?? 0) - (c0.workflows.ApprovalWorkflow?.runs ?? 0)),
    cpuMs: per(cpuMs),
    stepsAvg: steps.reduce((a, b) => a + b, 0) / Math.max(1, steps.length),
    stepsMax: Math.max(0, ...steps),
    d1Queries: per(c1.d1.queries - c0.d1.queries),
    d1RowsRead: per(c1.d1.rowsRead - c0.d1.rowsRead),
    d1RowsWritten: per(c1.d1.rowsWritten - c0.d1.rowsWritten),
    kvKeys: byKey(c1.kvKeys, c0.kvKeys),
    slackMethods: byKey(slackMethods, {}),
    kvReads: per(c1.kv.get - c0.kv.get),
    // Deletes and lists are priced as writes.
    kvWrites: per(c1.kv.put - c0.kv.put + (c1.kv.delete - c0.kv.delete) + (c1.kv.list - c0.kv.list)),
    analytics: per(c1.analytics - c0.analytics),
    slackCalls: per(s.fake.state.calls.length - calls0),
    d1Bytes: per((await d1Bytes()) - d1Bytes0),
    workflowBytes: instances.reduce((a, i) => a + i.bytes, 0) / Math.max(1, instances.length),
  };
  console.log(JSON.stringify(r));
  return r;
}

/** Every request decided and its requester told (receipt + outcome DM). */
const outcomes = (tag, ids) => until(() => ids.every((_, i) => dmsTo(s, `U0${tag}R${i}`).length >= 2), "every outcome DM", 600_000, 250);

let simple;
let escalated;
const idleCpu = {};
try {
  // workerd's own background work while nothing happens (subtracting it would lower the upper bound a little).
  const idle0 = workerdCpu();
  await sleep(10_000);
  idleCpu.msPerS = (workerdCpu() - idle0) / 10;

  simple = await flow("simple", async () => {
    const ids = await createRequests(s, N, { tag: "CS" });
    await until(() => ids.every((_, i) => dmsTo(s, `U0CSA${i}`).length >= 1), "approver DMs", 600_000, 250);
    for (const [i, id] of ids.entries()) {
      const r = await s.post("/slack/interactions", s.clickBody(`U0CSA${i}`, id, "approve"));
      if (r.status !== 200) throw new Error(`click answered ${r.status}`);
    }
    await outcomes("CS", ids);
    return ids;
  });

  escalated = await flow("escalated", async () => {
    const escalationUser = (i) => ESCALATION_USERS[i % ESCALATION_USERS.length];
    const ids = await createRequests(s, N, { tag: "CE", text: (i) => `escalated-${i % ESCALATION_USERS.length} <@U0CEA${i}> cost escalated ${i}` });
    // Level 1 runs out (its reminder first), then level 2's approver has the request in a DM.
    const escalatedTo = (i) =>
      s.fake.state.messages.some((m) => m.channel === `D${escalationUser(i).slice(1)}` && !m.thread_ts && JSON.stringify(m.blocks).includes(ids[i]));
    await until(() => ids.every((_, i) => escalatedTo(i)), "every escalation DM", 600_000, 500);
    for (const [i, id] of ids.entries()) {
      const r = await s.post("/slack/interactions", s.clickBody(escalationUser(i), id, "approve"));
      if (r.status !== 200) throw new Error(`click answered ${r.status}`);
    }
    await outcomes("CE", ids);
    return ids;
  });
} finally {
  await s.stop();
}

// ---- the bill
const usd = (x) => (x >= 0.01 ? `$${x.toFixed(2)}` : x > 0 ? `$${x.toPrecision(2)}` : "$0");
const per1000 = (r) => {
  const kvWrites = r.kvWrites * 1000;
  const lines = {
    requests: (r.workerRequests + r.instances) * 1000,
    cpuMs: r.cpuMs * 1000,
    d1RowsRead: r.d1RowsRead * 1000,
    d1RowsWritten: r.d1RowsWritten * 1000,
    kvReads: r.kvReads * 1000,
    kvWrites,
    analytics: r.analytics * 1000,
  };
  const dollars = Object.fromEntries(Object.entries(lines).map(([k, v]) => [k, (v / 1e6) * PRICES[k].perMillion]));
  // Workflow state is kept WORKFLOW_RETENTION_DAYS after an instance completes: a one-time cost.
  const wfGbMonth = ((r.workflowBytes * 1000) / 1e9) * (WORKFLOW_RETENTION_DAYS / 30);
  dollars.workflowStorage = wfGbMonth * PRICES.workflowsStorageGbMonth.price;
  // D1 keeps the records (audit trail for AUDIT_RETENTION): a cost per month they are kept, outside the total.
  const d1Gb = (r.d1Bytes * 1000) / 1e9;
  const d1PerMonth = d1Gb * PRICES.d1StorageGbMonth.price;
  const total = Object.values(dollars).reduce((a, b) => a + b, 0);
  // Approvals a month inside the subscription's included amounts: the first dimension to run out.
  const [first, fits] = Object.entries(lines)
    .map(([k, v]) => [k, v > 0 ? (PRICES[k].included / v) * 1000 : Infinity])
    .sort((a, b) => a[1] - b[1])[0];
  return { lines, dollars, total, fits, first, d1Gb, d1PerMonth, wfGbMonth };
};
const bs = per1000(simple);
const be = per1000(escalated);
const n = (x, digits = 0) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: digits }) : "—");
const row = (what, a, b, price, da, db) => `| ${what} | ${a} | ${b} | ${price} | ${da} | ${db} |`;
const table = [
  row(
    "Worker requests (slash command + click; events and the dashboard not counted)",
    n(bs.lines.requests - simple.instances * 1000),
    n(be.lines.requests - escalated.instances * 1000),
    "$0.30 / million (10 M included)",
    "",
    "",
  ),
  row("Workflow invocations (one instance per request)", n(simple.instances * 1000), n(escalated.instances * 1000), "as Worker requests", "", ""),
  row("requests, billed together", n(bs.lines.requests), n(be.lines.requests), "", usd(bs.dollars.requests), usd(be.dollars.requests)),
  row(
    "CPU ms (workerd, upper bound)",
    n(bs.lines.cpuMs),
    n(be.lines.cpuMs),
    "$0.02 / million ms (30 M included)",
    usd(bs.dollars.cpuMs),
    usd(be.dollars.cpuMs),
  ),
  row(
    "D1 rows read",
    n(bs.lines.d1RowsRead),
    n(be.lines.d1RowsRead),
    "$0.001 / million (25 G included)",
    usd(bs.dollars.d1RowsRead),
    usd(be.dollars.d1RowsRead),
  ),
  row(
    "D1 rows written",
    n(bs.lines.d1RowsWritten),
    n(be.lines.d1RowsWritten),
    "$1.00 / million (50 M included)",
    usd(bs.dollars.d1RowsWritten),
    usd(be.dollars.d1RowsWritten),
  ),
  row("KV reads (get)", n(bs.lines.kvReads), n(be.lines.kvReads), "$0.50 / million (10 M included)", usd(bs.dollars.kvReads), usd(be.dollars.kvReads)),
  row(
    "KV writes (put; deletes and lists priced the same)",
    n(bs.lines.kvWrites),
    n(be.lines.kvWrites),
    "$5.00 / million (1 M included)",
    usd(bs.dollars.kvWrites),
    usd(be.dollars.kvWrites),
  ),
  row(
    "Analytics Engine data points",
    n(bs.lines.analytics),
    n(be.lines.analytics),
    "$0.25 / million (10 M included)",
    usd(bs.dollars.analytics),
    usd(be.dollars.analytics),
  ),
  row(
    `workflow state (params, step results, events; kept ${WORKFLOW_RETENTION_DAYS} days), GB-month`,
    n(bs.wfGbMonth, 6),
    n(be.wfGbMonth, 6),
    "$0.20 / GB-month (1 GB included)",
    usd(bs.dollars.workflowStorage),
    usd(be.dollars.workflowStorage),
  ),
  row("**total per 1,000 approvals, beyond the included amounts (D1 storage apart)**", "", "", "", `**${usd(bs.total)}**`, `**${usd(be.total)}**`),
  row(
    `D1 storage added (tables and indexes), GB, kept ${AUDIT_RETENTION_DAYS} days (\`AUDIT_RETENTION\`)`,
    n(bs.d1Gb, 5),
    n(be.d1Gb, 5),
    "$0.75 / GB-month (5 GB included)",
    `${usd(bs.d1PerMonth)} a month`,
    `${usd(be.d1PerMonth)} a month`,
  ),
  row(
    "Slack Web API calls (not billed; target for a simple approval: at most 5 each, issue 16)",
    n(simple.slackCalls * 1000),
    n(escalated.slackCalls * 1000),
    "",
    "",
    "",
  ),
  row(
    `Workflow steps per instance, average (max), against the default limit of ${n(STEP_LIMIT)}`,
    `${n(simple.stepsAvg, 1)} (${simple.stepsMax}; ${((100 * simple.stepsMax) / STEP_LIMIT).toFixed(2)}% of it)`,
    `${n(escalated.stepsAvg, 1)} (${escalated.stepsMax}; ${((100 * escalated.stepsMax) / STEP_LIMIT).toFixed(2)}% of it)`,
    "",
    "",
    "",
  ),
  row("D1 queries", n(simple.d1Queries * 1000), n(escalated.d1Queries * 1000), "not billed (rows are)", "", ""),
].join("\n");

await writeSection(
  "What an approval costs on Cloudflare",
  `${N} simple approvals (\`/approval @approver …\`, approved at level 1) and ${N} escalated ones (level 1's wait of ${ESCALATE_AFTER} runs out after its reminder, the level-2 approver gets the DM and approves), on workerd without wrangler (\`bench/direct\`) running ours inside a counting wrapper (\`bench/cost/worker.js\`, bench-only, src unchanged). Everything is counted, not estimated: D1 rows are the sums of \`meta.rows_read\` / \`meta.rows_written\` that local D1 (SQLite, as production D1) returns for every statement the store runs; KV and Analytics Engine calls and Worker requests are counted at the bindings and the fetch handler; workflow steps are each instance's distinct step names (what the ${n(STEP_LIMIT)}-step limit counts); Slack calls are the stand-in's. CPU is the workerd process's user + system time over each flow divided by its approvals: an **upper bound**, since it includes the local Workflows engine, D1, KV and the entry worker (production bills the Worker's and the workflow's own CPU only); workerd idled at ${n(idleCpu.msPerS, 2)} CPU ms per second meanwhile (simple flow ${n(simple.seconds)} s, escalated ${n(escalated.seconds)} s, included above). Per approval the local engine called \`run()\` ${n(simple.runs, 2)} (simple) and ${n(escalated.runs, 2)} (escalated) times; production may replay an instance woken after a long wait, each a Workflow invocation (the table counts one per instance).

Per 1,000 approvals, priced with the Workers Paid prices as Cloudflare's pages gave them when read on **${PRICES_READ}** ([Workers](${PRICES.requests.source}), [Workflows](${PRICES.workflowsStorageGbMonth.source}): requests and CPU as Workers, [D1](${PRICES.d1RowsRead.source}), [KV](${PRICES.kvReads.source}), [Analytics Engine](${PRICES.analytics.source}); limits: [Workflows](${LIMITS_SOURCE})):

| per 1,000 approvals | simple | escalated (one level) | price | simple | escalated |
| --- | --- | --- | --- | --- | --- |
${table}

Per approval, simple / escalated: routes ${simple.routes.join(", ")} / ${escalated.routes.join(", ")}; KV by operation and key prefix ${simple.kvKeys} / ${escalated.kvKeys}; Slack calls ${simple.slackMethods} / ${escalated.slackMethods}. The $${SUBSCRIPTION} monthly Workers Paid subscription includes the amounts in brackets: about ${n(bs.fits)} simple (or ${n(be.fits)} escalated) approvals a month fit in them before the first of them (${NAMES[bs.first]}) is used up. Storage: about ${n(simple.d1Bytes / 1024, 1)} KiB of D1 per simple approval and ${n(escalated.d1Bytes / 1024, 1)} KiB per escalated one (bytes in use in SQLite's pages, indexes included), kept while the records are; workflow state ${n(simple.workflowBytes / 1024, 1)} / ${n(escalated.workflowBytes / 1024, 1)} KiB per instance (the JSON of its params, step results and events: what the engine must keep, without its own bookkeeping).`,
);
