// Reliability drills against `wrangler dev` and the Slack stand-in. Each prints what it tried
// and what was lost; the goal is nothing. Run one with `node bench/drills.js <name>`.
import { randomInt } from "node:crypto";
import { eventCallback, interactionForm } from "../standin/payloads.js";
import { signedHeaders } from "../standin/signing.js";
import { createRequests, dmsTo, pool, startBenchStack, until, writeSection } from "./lib.js";
import { upgradeDrill } from "./upgrade.js";

// The local default APPROVAL_TIMEOUT is 2 minutes: a drill that takes longer than that to get all
// its DMs out would measure escalation and expiry instead of what it drills.
const PATIENT = { APPROVAL_TIMEOUT: "1 hour" };

const only = process.argv[2];
const results = [];
const report = (name, tried, lost, detail) => {
  results.push({ name, tried, lost, detail });
  console.log(`${name}: tried ${tried}; lost ${lost}. ${detail}`);
};

/** Counts of what a request can change: D1 (via /api/stats) and Web API calls to Slack. */
async function footprint(s) {
  const stats = await s.api("/api/stats");
  return JSON.stringify({ stats, calls: s.fake.state.calls.filter((c) => c.method !== "auth.test").length });
}

// ---- 1. bad input
async function badInput() {
  const s = await startBenchStack({ port: 8803, fakeSlackPort: 8804 });
  try {
    // A few real waiting requests, so clicks have something to hit.
    const ids = await createRequests(s, 5, { tag: "X" });
    // Settled: each approver's DM and, a step later, each requester's receipt are out (a receipt
    // posted during the drill would count as a change the bad input made).
    await until(() => ids.every((_, i) => dmsTo(s, `U0XA${i}`).length >= 1 && dmsTo(s, `U0XR${i}`).length >= 1), "DMs and receipts");
    const before = await footprint(s);
    const N = Number(process.env.BAD_N ?? 10000);
    const secret = s.signingSecret;
    const now = () => Math.floor(Date.now() / 1000);
    const validClick = s.clickBody("U0XA0", ids[0], "approve");
    const kinds = {
      unsigned: async () => ({
        path: pick(["/slack/commands", "/slack/interactions", "/slack/events"]),
        body: validClick,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      wrongSecret: async () => ({
        path: "/slack/interactions",
        body: validClick,
        headers: await signedHeaders(`not-the-secret-${randomInt(1e9)}`, validClick),
      }),
      stale: async () => ({ path: "/slack/interactions", body: validClick, headers: await signedHeaders(secret, validClick, now() - 301 - randomInt(1e6)) }),
      future: async () => ({ path: "/slack/commands", body: validClick, headers: await signedHeaders(secret, validClick, now() + 301 + randomInt(1e6)) }),
      replayedTampered: async () => {
        // A genuine signature replayed with a changed body (a different clicker).
        const h = await signedHeaders(secret, validClick);
        return { path: "/slack/interactions", body: validClick.replace("U0XA0", "U0EVIL1"), headers: h };
      },
      malformedHeaders: async () => ({
        path: "/slack/interactions",
        body: validClick,
        headers: {
          "x-slack-request-timestamp": pick(["", "abc", "-1", "9".repeat(40)]),
          "x-slack-signature": pick(["", "v0=", "v1=abc", `v0=${"z".repeat(64)}`]),
        },
      }),
      oversized: async () => {
        const body = `payload=${"A".repeat(70_000 + randomInt(200_000))}`;
        return { path: pick(["/slack/commands", "/slack/interactions", "/slack/events"]), body, headers: await signedHeaders(secret, body) };
      },
      signedGarbage: async () => {
        const body = pick([
          "payload=%7Bnot json",
          `payload=${encodeURIComponent(JSON.stringify({ type: "block_actions" }))}`,
          "%%%",
          `payload=${encodeURIComponent("[]")}`,
          "",
          "{",
        ]);
        return { path: pick(["/slack/interactions", "/slack/events", "/slack/commands"]), body, headers: await signedHeaders(secret, body) };
      },
      signedMutated: async () => {
        // Correctly signed, but the payload is wrong in some field: unknown action, foreign
        // request id, bad user id, unknown view, wrong types, event of an unknown kind.
        const mutations = [
          () =>
            interactionForm({
              type: "block_actions",
              user: { id: "U0XA0" },
              actions: [{ action_id: "approval_approve", value: `req-${randomInt(1e11).toString(36).padStart(12, "0").slice(0, 12)}` }],
            }),
          () => interactionForm({ type: "block_actions", user: { id: "U0XA0" }, actions: [{ action_id: "delete_all", value: ids[0] }] }),
          () => interactionForm({ type: "block_actions", user: { id: "<!channel>" }, actions: [{ action_id: "approval_approve", value: ids[0] }] }),
          () =>
            interactionForm({
              type: "block_actions",
              user: { id: "U0XA0" },
              actions: [{ action_id: "approval_approve", value: `../../${"x".repeat(randomInt(3000))}` }],
            }),
          () => interactionForm({ type: "view_submission", user: { id: "U0XA0" }, view: { id: "V1", callback_id: "nope" } }),
          () =>
            interactionForm({
              type: "view_submission",
              user: { id: "U0XA0" },
              view: {
                id: "V1",
                callback_id: "approval_reject_reason",
                private_metadata: "req-zzzzzzzzzzzz",
                state: { values: { reason: { reason: { type: "plain_text_input", value: "nope nope" } } } },
              },
            }),
          () => interactionForm({ type: "shortcut", user: { id: "U0XA0" } }),
          () => s.commandBody("U0XR0", pick(["nonsense words", "status", "status req-???", `<@${"U".repeat(3)}>`, "deploy", "<@U0XA0>"])),
          () => s.commandBody("not-a-user", "<@U0XA0> x"),
          () => JSON.stringify(eventCallback({ type: pick(["message.im", "app_mention", "app_home_opened"]), user: "<!here>" })),
          () => JSON.stringify({ type: "url_verification" }),
        ];
        const body = pick(mutations)();
        const path = body.startsWith("payload=") ? "/slack/interactions" : body.startsWith("{") ? "/slack/events" : "/slack/commands";
        return { path, body, headers: await signedHeaders(secret, body) };
      },
    };
    const names = Object.keys(kinds);
    const statuses = {};
    const byKind = {};
    await pool(
      Array.from({ length: N }, (_, i) => names[i % names.length]),
      32,
      async (kind) => {
        const r = await kinds[kind]();
        const res = await s.post(r.path, r.body, r.headers);
        const cls = `${Math.floor(res.status / 100)}xx`;
        statuses[cls] = (statuses[cls] ?? 0) + 1;
        (byKind[kind] ??= {})[res.status] = ((byKind[kind] ??= {})[res.status] ?? 0) + 1;
      },
    );
    await new Promise((r) => setTimeout(r, 2000));
    const after = await footprint(s);
    const changed = before !== after;
    const fiveXX = statuses["5xx"] ?? 0;
    report(
      "bad input",
      `${N} requests to the three Slack routes (${names.join(", ")})`,
      fiveXX + (changed ? 1 : 0),
      `answers by class ${JSON.stringify(statuses)}; 5xx: ${fiveXX}; D1 counts and Slack Web API calls ${changed ? "CHANGED" : "unchanged"}; by kind ${JSON.stringify(byKind)}`,
    );
  } finally {
    await s.stop();
  }
}

// ---- 2. Slack faults
async function slackFaults() {
  const s = await startBenchStack({ port: 8805, fakeSlackPort: 8806, vars: PATIENT });
  try {
    await fetch(`${s.fake.url}/_control/chaos`, {
      method: "POST",
      body: JSON.stringify({ rate: 0.3, kinds: ["500", "429", "lost", "slow"], slowMs: 12_000, seed: 7 }),
    });
    const N = Number(process.env.FAULT_N ?? 200);
    const t0 = Date.now();
    const ids = await createRequests(s, N, { tag: "F" });
    await until(() => ids.every((_, i) => dmsTo(s, `U0FA${i}`).length >= 1), "all DMs despite faults", 1_800_000, 500);
    await pool(ids, 16, (id, i) => s.post("/slack/interactions", s.clickBody(`U0FA${i}`, id, "approve")));
    await until(async () => ((await s.api("/api/stats")).byStatus.approved ?? 0) >= N, "all approved", 1_800_000, 1000);
    await until(() => ids.every((_, i) => dmsTo(s, `U0FR${i}`).length >= 2), "all outcome DMs", 1_800_000, 1000);
    const counts = await (await fetch(`${s.fake.url}/_control/chaos-counts`)).json();
    const odd = ids
      .map((id, i) => ({ id, approver: dmsTo(s, `U0FA${i}`).length, requester: dmsTo(s, `U0FR${i}`).length }))
      .filter((x) => x.approver !== 1 || x.requester !== 2);
    if (odd.length) console.log("DMs not as expected:", JSON.stringify(odd));
    const doubles = odd.length;
    const stats = await s.api("/api/stats");
    const notApproved = N - (stats.byStatus.approved ?? 0);
    report(
      "Slack faults",
      `${N} approvals while 30% of Web API calls failed (${JSON.stringify(counts)}: HTTP 500, 429 with Retry-After 1, answer lost after Slack acted, answer after 12 s)`,
      notApproved + doubles,
      `all ${N - notApproved} approved in ${((Date.now() - t0) / 1000).toFixed(0)} s; requests with a DM missing or sent twice: ${doubles}; Web API calls ${s.fake.state.calls.length} (${(s.fake.state.calls.length / N).toFixed(1)} per approval)`,
    );
  } finally {
    await s.stop();
  }
}

// ---- 3. crash
async function crash() {
  const s = await startBenchStack({ port: 8807, fakeSlackPort: 8808, vars: PATIENT });
  try {
    const N = Number(process.env.CRASH_N ?? 200);
    const ids = await createRequests(s, N, { tag: "K" });
    await until(() => ids.every((_, i) => dmsTo(s, `U0KA${i}`).length >= 1), "all waiting", 600_000, 250);
    const t0 = Date.now();
    await s.restartService("SIGKILL");
    const restartMs = Date.now() - t0;
    const clicks = await pool(ids, 16, (id, i) => s.post("/slack/interactions", s.clickBody(`U0KA${i}`, id, "approve")));
    await until(async () => ((await s.api("/api/stats")).byStatus.approved ?? 0) >= N, "all approved after the crash", 600_000, 500);
    await until(() => ids.every((_, i) => dmsTo(s, `U0KR${i}`).length >= 2), "all outcome DMs", 600_000, 500);
    const twice = [];
    for (const id of ids) {
      const r = await s.api(`/api/requests/${id}`);
      if (r.audit.filter((a) => a.event === "approved").length !== 1 || r.workflow?.status !== "complete") twice.push(id);
    }
    const dmTwice = ids.filter((_, i) => dmsTo(s, `U0KA${i}`).length !== 1).length;
    report(
      "crash",
      `kill -9 of wrangler dev and workerd while ${N} requests waited; restart on the same state (${(restartMs / 1000).toFixed(1)} s), then ${N} clicks`,
      N - clicks.filter((c) => c.status === 200).length + twice.length + dmTwice,
      `clicks answered 200: ${clicks.filter((c) => c.status === 200).length}/${N}; requests not decided exactly once or not complete: ${twice.length}; approver DMs posted more than once: ${dmTwice}`,
    );
  } finally {
    await s.stop();
  }
}

// ---- 4. races
async function races() {
  const policy = { types: { race: { title: "Race", levels: [{ approvers: ["U0RACEA", "U0RACEB"], wait: "1 hour" }] } } };
  const s = await startBenchStack({ port: 8809, fakeSlackPort: 8810, vars: { POLICY_JSON: JSON.stringify(policy) } });
  try {
    const N = Number(process.env.RACE_N ?? 100);
    const ids = await createRequests(s, N, { tag: "Q", text: (i) => `race contested request ${i}` });
    await until(() => s.fake.state.messages.filter((m) => m.channel === "D0RACEB" && !m.thread_ts).length >= N, "all DMs", 600_000, 250);
    await pool(ids, 8, (id, i) =>
      Promise.all([
        s.post("/slack/interactions", s.clickBody("U0RACEA", id, "approve")),
        s.post("/slack/interactions", s.clickBody("U0RACEB", id, "approve")),
        s.post("/slack/interactions", s.clickBody(`U0QR${i}`, id, "cancel")),
      ]),
    );
    await until(
      async () => {
        const st = (await s.api("/api/stats")).byStatus;
        return (st.approved ?? 0) + (st.cancelled ?? 0) >= N;
      },
      "all decided",
      600_000,
      500,
    );
    await new Promise((r) => setTimeout(r, 3000));
    let inconsistent = 0;
    const outcomes = {};
    for (const id of ids) {
      const r = await s.api(`/api/requests/${id}`);
      await until(async () => (await s.api(`/api/requests/${id}`)).workflow?.status === "complete", `workflow ${id}`, 120_000, 200);
      const w = (await s.api(`/api/requests/${id}`)).workflow;
      outcomes[`${r.status} by ${r.decided_by === r.requester ? "requester" : r.decided_by}`] =
        (outcomes[`${r.status} by ${r.decided_by === r.requester ? "requester" : r.decided_by}`] ?? 0) + 1;
      const decisions = r.audit.filter((a) => ["approved", "rejected", "cancelled", "expired"].includes(a.event));
      // Slack: both approver DMs for this request were updated to the same, D1's outcome.
      const updates = s.fake.state.calls.filter(
        (c) => c.method === "chat.update" && JSON.stringify(c.args.blocks ?? "").includes(id) && ["D0RACEA", "D0RACEB"].includes(c.args.channel),
      );
      const word = r.status === "approved" ? "Approved" : "Cancelled";
      const slackOk = updates.length === 2 && updates.every((u) => JSON.stringify(u.args.blocks).includes(`${word}* by <@${r.decided_by}>`));
      if (decisions.length !== 1 || w.output?.status !== r.status || w.output?.decidedBy !== r.decided_by || !slackOk) inconsistent++;
    }
    report(
      "races",
      `${N} requests, each with two approvers' Approve and the requester's Cancel sent at the same moment`,
      inconsistent,
      `outcomes ${JSON.stringify(outcomes)}; requests whose D1 row, audit, workflow output and both Slack DMs do not agree on one outcome: ${inconsistent}`,
    );
  } finally {
    await s.stop();
  }
}

function pick(xs) {
  return xs[randomInt(xs.length)];
}

// ---- 5. upgrade: requests waiting through a deploy of a changed workflow (bench/upgrade.js)
const upgrade = () => upgradeDrill(report);

const drills = { "bad-input": badInput, "slack-faults": slackFaults, crash, races, upgrade };
for (const [name, fn] of Object.entries(drills)) if (!only || only === name) await fn();

await writeSection(
  only ? `Reliability drill: ${only}` : "Reliability drills",
  `| drill | what was tried | lost | details |
| --- | --- | --- | --- |
${results.map((r) => `| ${r.name} | ${r.tried} | **${r.lost}** | ${r.detail.replace(/\|/g, "/")} |`).join("\n")}`,
);
if (results.some((r) => r.lost > 0)) process.exitCode = 1;
