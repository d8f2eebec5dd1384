// Ours against a fair peer: the stack a team would otherwise build (bench/peer/app.js: a Bolt
// HTTPReceiver app on Node, votes and claims in SQLite with a committed write each, escalation by
// in-process timers), on the same machine, the same Slack stand-in and the same signed payloads.
// 1. Clicks under load at 1/10/50 connections: each level gets PEER_PENDING fresh waiting requests;
//    the first click on each decides it, then each gets a
//    second click ("already decided", answered through its response_url), 2 × PEER_PENDING clicks
//    in all. Measured: clicks answered per second, the answer's p50/p95/p99 (both kinds, and each),
//    click → the stand-in receiving the chat.update of the approver's DM, and the service's CPU per
//    approval (its processes, from the first click until Slack heard the last call). Ours runs on
//    `wrangler dev` and on workerd without wrangler (bench/direct), the peer as one Node process.
// 2. The crash drill on all of them at once: PEER_CRASH_N requests wait (a quarter of them with a
//    level-1 wait that runs out while the service is down, a quarter clicked just before the kill,
//    half clicked after the restart); kill -9; the outage lasts until every such wait has run out;
//    restart on the same state. Counted: escalations that happen, decisions recorded in the durable
//    store and shown in Slack, PEER_CRASH_OBSERVE seconds after the restart, and again at the end,
//    after ours' cron-started maintenance has run once (it asks about waits 10 minutes overdue, so
//    the drill lasts about 12 minutes; the load runs meanwhile, beside the idle crashed stacks).
import { readdirSync } from "node:fs";
import autocannon from "autocannon";
import { startDirectStack } from "./direct/stack.js";
import { benchPort, cpuSince, createRequests, dmsTo, pool, signedHeadersSync, startBenchStack, summary, until, writeSection } from "./lib.js";
import { startPeer } from "./peer/stack.js";

const LEVELS = (process.env.PEER_CONCURRENCY ?? "1,10,50").split(",").map(Number);
const PENDING = Number(process.env.PEER_PENDING ?? 300);
const CRASH_N = Number(process.env.PEER_CRASH_N ?? 200);
const CRASH_WAIT = process.env.PEER_CRASH_WAIT ?? "60 seconds";
const OBSERVE_S = Number(process.env.PEER_CRASH_OBSERVE ?? 60);
/** 0: skip waiting for ours' maintenance run (the drill then ends after the first count). */
const MAINTENANCE = process.env.PEER_CRASH_MAINTENANCE !== "0";
/** How long past a wait's end maintenance leaves a request alone (src/workflows/maintenance.ts, WAIT_GRACE_MS). */
const MAINTENANCE_GRACE_MS = 10 * 60_000;

const port = (offset) => benchPort(8811 + offset, offset);
const PATIENT = { APPROVAL_TIMEOUT: "1 hour" };
const ESCALATION_USER = "U0KESCAL";
// No reminders (the peer has none): a reminder later than the wait means none.
const CRASH_POLICY = {
  types: {
    slow: {
      title: "Slow",
      reminder: "2 hours",
      levels: [
        { approvers: [], wait: "1 hour" },
        { approvers: [ESCALATION_USER], wait: "1 hour" },
      ],
    },
    quick: {
      title: "Quick",
      reminder: "2 hours",
      levels: [
        { approvers: [], wait: CRASH_WAIT },
        { approvers: [ESCALATION_USER], wait: "1 hour" },
      ],
    },
  },
};

const dm = (user) => `D${user.slice(1)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** When each channel's first chat.update at or after `since` reached the stand-in. */
function updatesByChannel(s, since) {
  const at = new Map();
  for (const c of s.fake.state.calls) if (c.method === "chat.update" && c.at >= since && !at.has(c.args.channel)) at.set(c.args.channel, c.at);
  return at;
}

/** Waits until the stand-in has had no new Web API call for `quietMs` (the work a load set off is done). */
async function settled(s, quietMs = 2000, limitMs = 120_000) {
  const deadline = Date.now() + limitMs;
  for (let last = -1; s.fake.state.calls.length !== last && Date.now() < deadline; ) {
    last = s.fake.state.calls.length;
    await sleep(quietMs);
  }
}

// ---- 1. clicks under load

/** One level: fresh waiting requests, then 2 × PENDING signed clicks over `connections`. */
async function clickLoad(s, connections, tag) {
  const ids = await createRequests(s, PENDING, { tag });
  const approvers = ids.map((_, i) => `U0${tag}A${i}`);
  await until(() => approvers.every((a) => dmsTo(s, a).length >= 1), `${PENDING} approver DMs`, 300_000, 250);
  await settled(s, 1000);
  const sent = new Array(PENDING);
  const latency = { deciding: [], second: [] };
  let n = 0;
  // Throughput over the clicks themselves (from the first sent to the last answered): autocannon's
  // own clock ticks in whole seconds, too coarse for a few hundred fast clicks.
  let firstSent = 0;
  let lastAnswered = 0;
  const since = Date.now();
  const cpu0 = s.cpu();
  const result = await autocannon({
    url: s.url,
    connections,
    amount: 2 * PENDING,
    timeout: 30,
    requests: [
      {
        method: "POST",
        path: "/slack/interactions",
        // Built as it is sent: a fresh response_url and signature per click; the first PENDING
        // clicks decide their request, the next PENDING click each request again.
        setupRequest: (req, context) => {
          const k = n++;
          firstSent ||= performance.now();
          const i = k % PENDING;
          context.kind = k < PENDING ? "deciding" : "second";
          if (k < PENDING) sent[i] = Date.now();
          const body = s.clickBody(approvers[i], ids[i], "approve");
          return { ...req, body, headers: signedHeadersSync(s.signingSecret, body) };
        },
      },
    ],
    // One request at a time per connection, so a response belongs to the request its client built last.
    setupClient: (client) =>
      client.on("response", (_status, _bytes, ms) => {
        latency[client.requestIterator.context.kind ?? "deciding"].push(ms);
        lastAnswered = performance.now();
      }),
  });
  const answered = latency.deciding.length + latency.second.length;
  let updates = new Map();
  await until(() => (updates = updatesByChannel(s, since)).size >= PENDING, "every approver's DM updated", 300_000, 100).catch(() => null);
  await settled(s);
  const cpu = cpuSince(cpu0, s.cpu());
  const toUpdate = ids.flatMap((_, i) => (updates.has(dm(approvers[i])) && sent[i] ? [updates.get(dm(approvers[i])) - sent[i]] : []));
  const all = summary([...latency.deciding, ...latency.second]);
  return {
    c: connections,
    rps: Math.round(answered / ((lastAnswered - firstSent) / 1000)),
    ...all,
    decidingP99: summary(latency.deciding).p99,
    secondP99: summary(latency.second).p99,
    update: summary(toUpdate),
    cpuMs: Math.round(cpu.total / PENDING),
    cpuBy: Object.entries(cpu.byName)
      .filter(([, ms]) => ms >= 0.5 * PENDING)
      .map(([name, ms]) => `${name} ${Math.round(ms / PENDING)}`)
      .join(", "),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Every level on a fresh service; also its Slack Web API calls per approval over all of them. */
async function loadRuns(name, start) {
  const s = await start();
  const rows = [];
  try {
    for (const c of LEVELS) {
      const r = await clickLoad(s, c, `L${c}`);
      rows.push({ app: name, ...r });
      console.log(`${name} c=${c}: ${JSON.stringify(r)}`);
    }
    slackCalls[name] = +(s.fake.state.calls.length / (PENDING * LEVELS.length)).toFixed(2);
  } finally {
    await s.stop();
  }
  return rows;
}
const slackCalls = {};

// ---- 2. the crash drill

/** A request in ours' local D1 (its SQLite file under the state folder), read without the service. */
async function oursRecord(s, id) {
  const { DatabaseSync } = await import("node:sqlite");
  const folder = `${s.dir}/v3/d1/miniflare-D1DatabaseObject`;
  const file = readdirSync(folder).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  const db = new DatabaseSync(`${folder}/${file}`, { readOnly: true });
  try {
    return db.prepare("SELECT id, status, claimed_by, wait_until FROM requests WHERE id = ?").get(id);
  } finally {
    db.close();
  }
}

/**
 * Sets the drill up on one service and runs it through the restart; returns its groups and a
 * `count()` of what survived so far. `record(id)` reads the service's durable store directly.
 */
async function crashDrill(name, s, record) {
  const nE = Math.round(CRASH_N / 4);
  const nB = nE;
  const nA = CRASH_N - nE - nB;
  const slow = await createRequests(s, nA + nB, { tag: "KS", text: (i) => `slow <@U0KSA${i}> crash drill ${i}` });
  // Created last, so their waits end last: each must run out while the service is down.
  const quick = await createRequests(s, nE, { tag: "KQ", text: (i) => `quick <@U0KQA${i}> crash drill ${i}` });
  await until(
    () => slow.every((_, i) => dmsTo(s, `U0KSA${i}`).length >= 1) && quick.every((_, i) => dmsTo(s, `U0KQA${i}`).length >= 1),
    "every crash-drill request waiting",
    600_000,
    250,
  );
  // When each quick request's wait runs out (ours records it as the wait starts, just after the DMs).
  let due = [];
  await until(
    async () => {
      due = await Promise.all(quick.map(async (id) => (await record(id))?.wait_until));
      return due.every(Boolean);
    },
    "every quick request's deadline recorded",
    120_000,
    250,
  );
  due = due.map((w) => (typeof w === "number" ? w : Date.parse(w))); // ours: ISO text; the peer: ms
  const B = slow.slice(0, nB).map((id, i) => ({ id, approver: `U0KSA${i}` }));
  const A = slow.slice(nB).map((id, j) => ({ id, approver: `U0KSA${nB + j}` }));
  const E = quick;
  const bClicks = await pool(B, 16, ({ id, approver }) => s.post("/slack/interactions", s.clickBody(approver, id, "approve")));
  const killedAt = Date.now();
  await s.kill();
  // The outage: until every quick request's wait has run out.
  await sleep(Math.max(0, Math.max(...due) + 2000 - Date.now()));
  const downAt = Date.now();
  await s.restartService("SIGKILL");
  const restartedAt = Date.now();
  const aClicks = await pool(A, 16, ({ id, approver }) => s.post("/slack/interactions", s.clickBody(approver, id, "approve")));
  const count = async () => {
    const escalations = s.fake.state.messages.filter((m) => m.channel === dm(ESCALATION_USER) && !m.thread_ts);
    const escalated = E.filter((id) => escalations.some((m) => JSON.stringify(m.blocks).includes(id))).length;
    const updated = updatesByChannel(s, 0);
    const group = async (g, clicks) => {
      let recorded = 0;
      for (const { id, approver } of g) if ((await record(id))?.claimed_by === approver) recorded++;
      return { answered: clicks.filter((c) => c.status === 200).length, recorded, shown: g.filter(({ approver }) => updated.has(dm(approver))).length };
    };
    return { escalated, B: await group(B, bClicks), A: await group(A, aClicks) };
  };
  await sleep(OBSERVE_S * 1000);
  const first = await count();
  console.log(`${name} crash, ${OBSERVE_S} s after the restart: ${JSON.stringify(first)}`);
  return {
    name,
    s,
    sizes: { E: nE, B: nB, A: nA },
    valid: killedAt < Math.min(...due) && downAt > Math.max(...due),
    outageS: Math.round((restartedAt - killedAt) / 1000),
    restartMs: Math.round(s.startMs),
    lastDue: Math.max(...due),
    first,
    count,
  };
}

/** Ours' cron handler, as the 15-minute trigger runs it in production (`wrangler dev` serves it on one of these paths). */
async function runCron(s) {
  for (const path of ["/cdn-cgi/handler/scheduled", "/cdn-cgi/local/scheduled"]) {
    const res = await fetch(s.url + path).catch(() => null);
    if (res?.ok) return path;
  }
  throw new Error("the scheduled handler did not answer");
}

// ---- the run

const crashStacks = [];
const drills = [];
try {
  const ours = await startBenchStack({ port: port(2), fakeSlackPort: port(3), vars: { POLICY_JSON: JSON.stringify(CRASH_POLICY) } });
  crashStacks.push(ours);
  const peer = await startPeer({ port: port(4), fakeSlackPort: port(5), vars: { POLICY_JSON: JSON.stringify(CRASH_POLICY) } });
  crashStacks.push(peer);
  const rearmed = await startPeer({ port: port(6), fakeSlackPort: port(7), vars: { POLICY_JSON: JSON.stringify(CRASH_POLICY) }, rearm: true });
  crashStacks.push(rearmed);
  drills.push(
    ...(await Promise.all([
      crashDrill("ours (wrangler dev)", ours, (id) => oursRecord(ours, id)),
      crashDrill("peer (in-process timers)", peer, (id) => peer.record(id)),
      crashDrill("peer, timers re-armed from SQLite at start", rearmed, (id) => rearmed.record(id)),
    ])),
  );

  // The load, while the crashed stacks idle (their CPU over the load is reported).
  const idle0 = crashStacks.map((s) => s.cpu().total);
  const loadStarted = performance.now();
  const rows = [
    ...(await loadRuns("ours (wrangler dev)", () => startBenchStack({ port: port(0), fakeSlackPort: port(1), vars: PATIENT }))),
    ...(await loadRuns("ours (workerd direct)", () => startDirectStack({ port: port(0), fakeSlackPort: port(1), vars: PATIENT }))),
    ...(await loadRuns("peer (Bolt + SQLite)", () => startPeer({ port: port(0), fakeSlackPort: port(1), vars: PATIENT }))),
  ];
  const loadS = (performance.now() - loadStarted) / 1000;
  const idleCpuS = crashStacks.reduce((sum, s, i) => sum + s.cpu().total - idle0[i], 0) / 1000;

  // Ours' maintenance, once the waits that ran out during the outage are 10 minutes overdue.
  const oursDrill = drills[0];
  let cron = "not run (PEER_CRASH_MAINTENANCE=0)";
  if (MAINTENANCE) {
    await sleep(Math.max(0, oursDrill.lastDue + MAINTENANCE_GRACE_MS + 5000 - Date.now()));
    const path = await runCron(ours);
    const ranAt = Date.now();
    await until(
      async () => {
        const c = await oursDrill.count();
        return c.escalated >= oursDrill.sizes.E && c.B.shown >= oursDrill.sizes.B;
      },
      "maintenance's wake-ups",
      180_000,
      2000,
    ).catch(() => null);
    cron = `run once (GET ${path}) ${Math.round((ranAt - oursDrill.lastDue) / 60_000)} minutes after the last wait ran out`;
  }
  for (const d of drills) {
    d.final = await d.count();
    console.log(`${d.name} crash, final: ${JSON.stringify(d.final)}`);
  }

  // ---- the section
  const f = (x) => (x === undefined || Number.isNaN(x) ? "—" : x);
  const loadTable = rows
    .map(
      (r) =>
        `| ${r.app} | ${r.c} | ${r.rps} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${f(r.decidingP99)} | ${f(r.secondP99)} | ${f(r.update.p50)} / ${f(r.update.p95)} / ${f(r.update.p99)} (${r.update.n}) | ${r.cpuMs} (${r.cpuBy}) | ${r.non2xx} | ${r.errors} |`,
    )
    .join("\n");
  const ratio = (a, b, digits = 2) => (a > 0 && b > 0 ? (a / b).toFixed(digits) : "—");
  const peerRow = (c) => rows.find((r) => r.c === c && r.app.startsWith("peer"));
  const ratios = rows
    .filter((r) => r.app.startsWith("ours"))
    .map((r) => {
      const p = peerRow(r.c);
      return `| ${r.app} | ${r.c} | ${ratio(r.rps, p.rps)} | ${ratio(r.p99, p.p99)} | ${ratio(r.update.p95, p.update.p95)} | ${ratio(r.cpuMs, p.cpuMs)} |`;
    })
    .join("\n");
  const crashRow = (d, c, when) =>
    `| ${d.name} | ${when} | ${c.escalated} of ${d.sizes.E} | ${c.B.recorded} / ${c.B.shown} of ${d.sizes.B} | ${c.A.answered} / ${c.A.recorded} / ${c.A.shown} of ${d.sizes.A} |`;
  const crashTable = drills.flatMap((d) => [crashRow(d, d.first, `${OBSERVE_S} s after the restart`), crashRow(d, d.final, "at the end")]).join("\n");
  const [o, p, pr] = drills;
  const survived = (d) => d.final.escalated + d.final.B.shown + d.final.A.shown;
  const crashRatios = [p, pr]
    .map(
      (d) =>
        `| ${d.name} | ${ratio(o.final.escalated, d.final.escalated)} (${o.final.escalated} / ${d.final.escalated}) | ${ratio(o.final.B.shown, d.final.B.shown)} (${o.final.B.shown} / ${d.final.B.shown}) | ${ratio(o.final.A.shown, d.final.A.shown)} (${o.final.A.shown} / ${d.final.A.shown}) | ${ratio(survived(o), survived(d))} |`,
    )
    .join("\n");
  await writeSection(
    "Ours against a fair peer (Bolt + SQLite + timers)",
    `**The peer** (\`bench/peer/\`): what a team would otherwise build on Node: a \`@slack/bolt\` 5.1.0 App on its HTTPReceiver (Bolt verifies each signature), requests, votes and claims in one SQLite file (\`node:sqlite\`, WAL, \`synchronous=FULL\`: each vote and its claim one committed transaction before the answer), the approver's DM updated and the requester told through Bolt's Web API client, a second click answered "already decided" through its response_url, escalation by \`setTimeout\` armed when a request is created. Both apps talk to the same Slack stand-in and get the same signed payloads. Slack Web API calls per approval in the load runs: ${Object.entries(
      slackCalls,
    )
      .map(([app, n]) => `${app} ${n}`)
      .join(", ")} (the peer: the approver's DM, its update, the requester's outcome; ours: see "Click route latency").

**Clicks under load.** autocannon from the benchmark's process; per level ${PENDING} fresh waiting requests, then ${2 * PENDING} clicks: the first on each request decides it, then a second click on each (already decided). Answer times in ms over all clicks, and p99 of each kind; click → \`chat.update\`: from sending the deciding click until the stand-in received the update of that approver's DM (p50 / p95 / p99, and how many); CPU: the service's processes (ours: wrangler's Node, its workerd processes; direct: Miniflare's Node and workerd; the peer: its Node) per approval (both clicks and all the work they set off), by process. The floors ("verify + parse only" on the same runtime, a Bolt app that only acks) are in "Click route under load".

| app | connections | clicks/s | p50 | p95 | p99 | p99 deciding | p99 second | click → chat.update ms | CPU ms per approval | non-2xx | errors |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${loadTable}

| ours ÷ peer | connections | throughput | p99 answer | p95 click → chat.update | CPU per approval |
| --- | --- | --- | --- | --- | --- |
${ratios}

**Crash drill.** ${CRASH_N} requests waiting on each (ours on \`wrangler dev\`, the peer, and the peer with its timers re-armed from SQLite when it starts): ${o.sizes.E} whose level-1 wait (${CRASH_WAIT}) ran out while the service was down (escalation due to ${ESCALATION_USER}), ${o.sizes.B} clicked just before the kill (each click answered, then kill -9 at once), ${o.sizes.A} clicked after the restart. Outage: ${drills.map((d) => `${d.name} ${d.outageS} s (its restart ${d.restartMs} ms)`).join(", ")}${drills.every((d) => d.valid) ? "" : " (**a wait ran out before the kill or after the restart: raise PEER_CRASH_WAIT**)"}; restart: ours \`restartService("SIGKILL")\` of bench/lib.js's stack (on the same local state), the peer a new Node process on the same SQLite file. Counted ${OBSERVE_S} s after the restart and at the end (ours' maintenance ${cron}; the load above ran meanwhile; the idle crashed stacks used ${idleCpuS.toFixed(1)} CPU-s over its ${Math.round(loadS)} s). Escalated: the escalation user got its DM. Recorded: the claim is in the service's durable store (read from its SQLite file). Shown: the approver's DM was updated. The peer updates the DM after it has answered, from memory: a kill in between loses that update for good (how many depends on how far it got before the kill), and a timer lost with the process never fires unless the timers are re-armed from SQLite at start; ours records both in its workflow, which the restart (or maintenance's wake-up) picks up again.

| app | when | escalations due during the outage that happened | clicked before the kill: recorded / shown | clicked after the restart: answered / recorded / shown |
| --- | --- | --- | --- | --- |
${crashTable}

| ours ÷ peer, at the end | escalations | decisions before the kill shown | decisions after the restart shown | all that survived |
| --- | --- | --- | --- | --- |
${crashRatios}`,
  );
} finally {
  for (const s of crashStacks) await s.stop().catch(() => null);
}
