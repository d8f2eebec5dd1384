// Scale: N requests pending at once (each a waiting ApprovalWorkflow instance), then all
// approved. Measures the time to create them, to have every approver's DM out, and to drain
// them, workerd's memory, and whether the cost per request stays flat as N grows.
import { createRequests, dmsTo, pool, startBenchStack, until, waitingCapacity, writeSection } from "./lib.js";

const SIZES = (process.env.SCALE_NS ?? "100,1000,5000").split(",").map(Number);
const CONCURRENCY = Number(process.env.SCALE_CONCURRENCY ?? 16);
// The stock local runtime caps all Durable Object SQLite in one workerd process at 512 MiB, and
// every waiting instance of the local Workflows engine keeps its own database open: about 2,600
// waiting instances fill it (SQLITE_NOMEM). workerd's "increase-sqlite-hard-heap-limit" autogate
// raises the cap to 8 GiB; miniflare cannot set one gate, so WORKERD_ALL_AUTOGATES turns them all
// on. Production is not affected: there each instance's storage lives in its own Durable Object.
const RAISED = { WORKERD_ALL_AUTOGATES: "1" };
const STOCK_N = Number(process.env.SCALE_STOCK_N ?? 5000);
// Long enough that no reminder or escalation fires while N requests wait.
const vars = { APPROVAL_TIMEOUT: "1 hour" };
const rows = [];

for (const n of SIZES) {
  const s = await startBenchStack({ port: 8801, fakeSlackPort: 8802, vars, runtimeEnv: RAISED });
  // Generous but bounded: about 30 ms per request is typical here.
  const limit = 60_000 + n * 150;
  try {
    const idle = s.workerdMemoryMiB();
    const t0 = performance.now();
    const ids = await createRequests(s, n, { tag: "S", concurrency: CONCURRENCY });
    const created = performance.now() - t0;
    await until(() => ids.every((_, i) => dmsTo(s, `U0SA${i}`).length >= 1), `${n} approver DMs`, limit, 250);
    const waiting = performance.now() - t0;
    const memory = s.workerdMemoryMiB();

    const t1 = performance.now();
    const clicks = await pool(ids, CONCURRENCY, (id, i) => s.post("/slack/interactions", s.clickBody(`U0SA${i}`, id, "approve")));
    const clicked = performance.now() - t1;
    const bad = clicks.filter((c) => c.status !== 200).length;
    await until(async () => ((await s.api("/api/stats")).byStatus.approved ?? 0) >= n, `${n} approvals`, limit, 500);
    // Drained: every requester has the outcome DM (the last thing a workflow does but the home refresh).
    await until(() => ids.every((_, i) => dmsTo(s, `U0SR${i}`).length >= 2), `${n} outcome DMs`, limit, 250);
    const drained = performance.now() - t1;
    const calls = s.fake.state.calls.length;
    const row = {
      n,
      createMs: Math.round(created),
      waitingMs: Math.round(waiting),
      clickMs: Math.round(clicked),
      drainMs: Math.round(drained),
      perCreateMs: +(waiting / n).toFixed(2),
      perDrainMs: +(drained / n).toFixed(2),
      idleMiB: idle,
      memoryMiB: memory,
      perRequestKiB: Math.round(((memory - idle) * 1024) / n),
      callsPerApproval: +(calls / n).toFixed(2),
      non200: bad,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  } catch (err) {
    // Report the size that could not be served instead of hiding it.
    const waiting = s.fake.state.messages.filter((m) => !m.thread_ts && JSON.stringify(m.blocks ?? "").includes("approval_approve")).length;
    rows.push({ n, failed: `${err.message}; approver DMs out: ${waiting}; workerd ${s.workerdMemoryMiB()} MiB` });
    console.log(`N=${n} failed: ${err.message}`);
  } finally {
    await s.stop();
  }
}

// The same load on the stock local runtime: how many requests can wait before its SQLite cap.
let stock = "not run";
/** Whether the stock runtime ran out before STOCK_N (the SQLite cap); null when not run. */
let capped = null;
if (STOCK_N > 0) {
  const s = await startBenchStack({ port: 8801, fakeSlackPort: 8802, vars });
  try {
    const c = await waitingCapacity(s, STOCK_N, { concurrency: CONCURRENCY });
    const api = c.apiFailures ? `; D1 itself failed too: ${c.apiFailures} reads of /api/stats answered an error` : "";
    capped = c.waiting < STOCK_N;
    stock = capped
      ? `${c.waiting} of ${STOCK_N} waiting; the other ${c.stalled} stalled inside the engine (their steps, even the one recording the failure, hit \`SQLITE_NOMEM\`), ${c.failed} failed cleanly${api} (workerd ${c.workerdMiB} MiB)`
      : `all ${STOCK_N} waiting, none stalled or failed${api} (workerd ${c.workerdMiB} MiB)`;
  } finally {
    await s.stop();
  }
  console.log(`stock runtime, N=${STOCK_N}: ${stock}`);
}

await writeSection(
  "Scale: N waiting requests, then all approved",
  `Each size on a fresh \`wrangler dev\` (empty local state) with the Slack stand-in; requests created by signed slash commands and approved by signed clicks, ${CONCURRENCY} at a time from a second process. "All waiting" means every approver's DM has been posted (each instance is then parked in \`waitForEvent\`). "Drained" means every requester has the outcome DM. Memory: resident size of the workerd processes after all N were waiting. Run with \`WORKERD_ALL_AUTOGATES=1\` (see below); \`APPROVAL_TIMEOUT\` 1 hour so that no reminder fires during the run.

| N | create (route answers) s | all waiting s | ms per request to waiting | all clicks answered s | drained s | ms per request to drain | workerd MiB idle → waiting | KiB per waiting request | Slack calls per approval | non-200 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.map((r) => (r.failed ? `| ${r.n} | failed: ${r.failed} | | | | | | | | | |` : `| ${r.n} | ${(r.createMs / 1000).toFixed(1)} | ${(r.waitingMs / 1000).toFixed(1)} | ${r.perCreateMs} | ${(r.clickMs / 1000).toFixed(1)} | ${(r.drainMs / 1000).toFixed(1)} | ${r.perDrainMs} | ${r.idleMiB} → ${r.memoryMiB} | ${r.perRequestKiB} | ${r.callsPerApproval} | ${r.non200} |`)).join("\n")}

**The stock local runtime** (no autogates), ${STOCK_N} requests created: ${stock}. ${
    capped === false
      ? "This runtime's SQLite no longer stalls where workerd of May 2026 did (its process-wide 512 MiB heap cap across all Durable Objects filled at about 2,700 waiting instances of the local Workflows engine, each keeping its database open; the toolchain section measures both side by side), so `WORKERD_ALL_AUTOGATES=1` is no longer needed for this size; the table still runs with it, as before."
      : "workerd caps the SQLite heap of all Durable Objects in one process at 512 MiB, and the local Workflows engine keeps every waiting instance's database open (three files and about 200 KiB of SQLite heap each), so a few thousand waiting requests fill it and further steps fail with `SQLITE_NOMEM`. The autogate `increase-sqlite-hard-heap-limit` (workerd 2026-04-26) raises the cap to 8 GiB; `npm run dev` picks up `WORKERD_ALL_AUTOGATES=1` from the environment for such loads."
  } In production each instance is its own Durable Object, so there is no shared cap.`,
);
