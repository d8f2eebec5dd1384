// Click route throughput and latency under load (autocannon, every request correctly signed),
// side by side with a minimal @slack/bolt app (HTTPReceiver, same signing secret) that verifies
// and acks the same payloads; plus the cost of one signature verification, ours vs Bolt's.

import bolt from "@slack/bolt";
import autocannon from "autocannon";
import { build } from "esbuild";
import { signedHeaders } from "../standin/signing.js";
import { createRequests, machine, startBenchStack, summary, until, writeSection } from "./lib.js";

const LEVELS = (process.env.CONCURRENCY ?? "1,10,50").split(",").map(Number);
const DURATION = Number(process.env.DURATION ?? 5);
const PENDING = Number(process.env.PENDING ?? 300);

/** autocannon with exact per-request latencies (its own percentiles skip p95). */
async function load(url, connections, requests) {
  const latencies = [];
  const result = await autocannon({
    url,
    connections,
    duration: DURATION,
    requests,
    setupClient: (client) => client.on("response", (_status, _bytes, ms) => latencies.push(ms)),
  });
  const l = summary(latencies);
  return { rps: Math.round(result.requests.average), non2xx: result.non2xx, errors: result.errors + result.timeouts, ...l };
}

// ---- our route, against wrangler dev
const s = await startBenchStack();
const rows = [];
try {
  const ids = await createRequests(s, PENDING, { tag: "L" });
  await until(
    () => s.fake.state.messages.filter((m) => m.blocks?.length && JSON.stringify(m.blocks).includes("approval_approve")).length >= PENDING,
    "all DMs",
    300_000,
  );
  // The same route stack without D1 or Workflows: a signed url_verification on /slack/events
  // (signature check, zod parse, JSON answer). Separates the runtime's cost from our work.
  for (const c of LEVELS) {
    const body = JSON.stringify({ type: "url_verification", challenge: "bench-challenge", token: "x" });
    const headers = { ...(await signedHeaders(s.signingSecret, body)), "content-type": "application/json" };
    const r = await load(s.url, c, [{ method: "POST", path: "/slack/events", headers, body }]);
    rows.push({ app: "ours: verify + parse only", c, ...r });
    console.log(`ours verify-only c=${c}: ${JSON.stringify(r)}`);
  }
  for (const c of LEVELS) {
    // Signed once per level (a signature is valid for 5 minutes). The first click per request
    // decides it; later ones take the "already decided" path, as a double click would.
    const requests = await Promise.all(
      ids.map(async (id, i) => {
        const body = s.clickBody(`U0LA${i}`, id, "approve");
        return { method: "POST", path: "/slack/interactions", headers: await signedHeaders(s.signingSecret, body), body };
      }),
    );
    const r = await load(s.url, c, requests);
    rows.push({ app: "ours: clicks (wrangler dev)", c, ...r });
    console.log(`ours  c=${c}: ${JSON.stringify(r)}`);
  }
  // autocannon walks the request list from the start on every connection, so the first requests
  // get most clicks. Let the decided workflows finish (approved count stable) before Bolt runs.
  let last = -1;
  for (;;) {
    const approved = (await s.api("/api/stats")).byStatus.approved ?? 0;
    if (approved === last) break;
    last = approved;
    await new Promise((r) => setTimeout(r, 5000));
  }
  console.log(`requests decided by the load: ${last}`);
} finally {
  await s.stop();
}

// ---- the Bolt baseline: HTTPReceiver, verifies the signature and acks
const boltPort = 8799;
const app = new bolt.App({
  signingSecret: s.signingSecret,
  // A fixed authorization, so Bolt makes no auth.test call (Slack is not reachable from here).
  authorize: async () => ({ botToken: "xoxb-bolt-baseline", botId: "B0BOLT", botUserId: "U0BOLT" }),
  logLevel: bolt.LogLevel.ERROR,
});
app.action(/^approval_/, async ({ ack }) => {
  await ack();
});
await app.start(boltPort);
try {
  for (const c of LEVELS) {
    const requests = await Promise.all(
      Array.from({ length: PENDING }, async (_, i) => {
        const body = s.clickBody(`U0LA${i}`, `req-${String(i).padStart(12, "0")}`, "approve");
        return { method: "POST", path: "/slack/events", headers: await signedHeaders(s.signingSecret, body), body };
      }),
    );
    const r = await load(`http://127.0.0.1:${boltPort}`, c, requests);
    rows.push({ app: "Bolt HTTPReceiver", c, ...r });
    console.log(`bolt  c=${c}: ${JSON.stringify(r)}`);
  }
} finally {
  await app.stop();
}

// ---- one signature verification: ours (src/slack/verify.ts, WebCrypto) vs Bolt's (node:crypto)
const bundled = await build({
  entryPoints: ["src/slack/verify.ts"],
  bundle: true,
  format: "esm",
  platform: "neutral",
  write: false,
  external: ["cloudflare:*"],
  logLevel: "silent",
});
const { verifySlackSignature } = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString("base64")}`);
const body = s.clickBody("U0SIG", "req-000000000000", "approve");
const headers = await signedHeaders(s.signingSecret, body);
const ts = headers["x-slack-request-timestamp"];
const sig = headers["x-slack-signature"];
async function perOp(fn, n = 20000) {
  for (let i = 0; i < 2000; i++) await fn(); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t0) * 1000) / n;
}
const oursUs = await perOp(async () => {
  const r = await verifySlackSignature(s.signingSecret, ts, sig, body);
  if (!r.ok) throw new Error("ours refused a valid signature");
});
const boltUs = await perOp(async () => {
  bolt.verifySlackRequest({ signingSecret: s.signingSecret, body, headers: { "x-slack-signature": sig, "x-slack-request-timestamp": Number(ts) } });
});
console.log(`verify one signature: ours ${oursUs.toFixed(1)} µs, Bolt ${boltUs.toFixed(1)} µs`);

const table = rows.map((r) => `| ${r.app} | ${r.c} | ${r.rps} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.max} | ${r.non2xx} | ${r.errors} |`).join("\n");
const ratios = LEVELS.map((c) => {
  const o = rows.find((r) => r.c === c && r.app.startsWith("ours: clicks"));
  const b = rows.find((r) => r.c === c && r.app.startsWith("Bolt"));
  return `| ${c} | ${(o.rps / b.rps).toFixed(3)} | ${(o.p99 / b.p99).toFixed(2)} |`;
}).join("\n");
await writeSection(
  "Click route under load, and the Bolt baseline",
  `autocannon from a second process, ${DURATION} s per level, every request signed. Ours: \`POST /slack/interactions\` on \`wrangler dev\` (workerd, local D1 and Workflows) over ${PENDING} waiting requests: the first click on each decides it (D1 vote + claim, sendEvent), the rest take the "already decided" path (D1 + an ephemeral reply), while the decided workflows run on the same 2 cores. Bolt: \`@slack/bolt\` ${"5.1.0"} App with its HTTPReceiver on Node, same signing secret, an action handler that only acks.

| app | connections | req/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx | errors |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${table}

| connections | ours/Bolt throughput | ours/Bolt p99 |
| --- | --- | --- |
${ratios}

One signature verification (Node ${process.version}, ${machine().split(",")[0]}): ours (WebCrypto HMAC, imported key cached, \`crypto.subtle.verify\`) ${oursUs.toFixed(1)} µs, Bolt's \`verifySlackRequest\` (node:crypto HMAC + timing-safe compare) ${boltUs.toFixed(1)} µs.`,
);
