// What the toolchain move changed (issue 19), side by side in one run on the same code and machine:
// the previous toolchain (wrangler 4.86.0, the newest that ran on Node 20, with a workerd of May 2026
// and compatibility_date 2026-05-01) against the project's pinned wrangler. Both run under the
// project's Node, so the difference is the runtime: start-up of `wrangler dev`, the deploy bundle,
// click latency, how many requests can wait on the stock runtime (the process-wide SQLite cap), and
// whether a wait that ran out while `wrangler dev` was down fires by itself after a restart.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { clickLatency, startBenchStack, until, waitingCapacity, writeSection } from "./lib.js";

const PREVIOUS = "4.86.0";
const CLICKS = Number(process.env.TOOLCHAIN_CLICKS ?? 100);
const CAPACITY_N = Number(process.env.TOOLCHAIN_CAPACITY_N ?? 5000);
const STARTS = Number(process.env.TOOLCHAIN_STARTS ?? 3);
const RESTART_WAIT_S = Number(process.env.TOOLCHAIN_RESTART_WAIT ?? 90);

const version = (dir, name) => JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")).version;

/** The previous wrangler, installed once into bench/.toolchains (ignored by git). */
function previousToolchain() {
  const dir = new URL(`./.toolchains/wrangler-${PREVIOUS}/`, import.meta.url).pathname;
  const bin = join(dir, "node_modules", "wrangler", "bin", "wrangler.js");
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const r = spawnSync("npm", ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--prefix", dir, `wrangler@${PREVIOUS}`], {
      stdio: "inherit",
    });
    if (r.status !== 0) throw new Error(`could not install wrangler ${PREVIOUS}`);
  }
  // Its workerd supports compatibility dates up to 2026-05-03; the project's date is later.
  return {
    name: `wrangler ${PREVIOUS}`,
    workerd: version(dir, "workerd"),
    wrangler: { command: [process.execPath, bin], devArgs: ["--compatibility-date", "2026-05-01"] },
  };
}

function currentToolchain() {
  const root = process.cwd();
  const bin = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  return { name: `wrangler ${version(root, "wrangler")}`, workerd: version(root, "workerd"), wrangler: { command: [process.execPath, bin], devArgs: [] } };
}

const ports = { port: 8805, fakeSlackPort: 8806 };

/** Median start-up of `wrangler dev` (until it answers), over STARTS restarts on the same state. */
async function startup(tool) {
  const s = await startBenchStack({ ...ports, wrangler: tool.wrangler });
  const times = [s.startMs];
  try {
    for (let i = 1; i < STARTS; i++) {
      await s.restartService("SIGTERM");
      times.push(s.startMs);
    }
  } finally {
    await s.stop();
  }
  return Math.round(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]);
}

/** The Worker as `wrangler deploy` would upload it: bytes and gzip bytes. */
async function bundle(tool) {
  const out = await mkdtemp(join(tmpdir(), "approvals-bundle-"));
  try {
    const [cmd, ...args] = tool.wrangler.command;
    const r = spawnSync(cmd, [...args, "deploy", "--dry-run", "--outdir", out, ...tool.wrangler.devArgs], {
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`deploy --dry-run failed: ${r.stderr.slice(-500)}`);
    const file = join(out, "index.js");
    return { bytes: statSync(file).size, gzip: gzipSync(readFileSync(file)).length };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function clicks(tool) {
  const s = await startBenchStack({ ...ports, wrangler: tool.wrangler });
  try {
    return await clickLatency(s, CLICKS, "T");
  } finally {
    await s.stop();
  }
}

/** How many requests wait at once on the stock runtime (no autogates), out of CAPACITY_N. */
async function capacity(tool) {
  const s = await startBenchStack({ ...ports, wrangler: tool.wrangler, vars: { APPROVAL_TIMEOUT: "1 hour" } });
  try {
    return await waitingCapacity(s, CAPACITY_N, { tag: "C" });
  } finally {
    await s.stop();
  }
}

/**
 * A request whose only wait (20 s, reminder at 10 s) runs out while `wrangler dev` is down: after
 * a kill -9 and a restart on the same state, does it expire by itself, or only when woken?
 */
async function timeoutAfterRestart(tool) {
  const s = await startBenchStack({ ...ports, wrangler: tool.wrangler, vars: { APPROVAL_TIMEOUT: "20 seconds", ESCALATION_USER: "" } });
  try {
    const { text } = await s.post("/slack/commands", s.commandBody("U0RREQ", "<@U0RAPPR> restart drill"));
    const id = /`(req-[a-z0-9]{12})`/.exec(text)[1];
    await until(() => s.fake.state.messages.some((m) => m.channel === "D0RAPPR"), "the approver's DM");
    const killedAt = Date.now();
    await s.restartService("SIGKILL");
    const expired = await until(async () => (await s.api(`/api/requests/${id}`)).status === "expired", "the expiry", RESTART_WAIT_S * 1000, 500).catch(
      () => false,
    );
    return expired
      ? `expired by itself, ${Math.round((Date.now() - killedAt) / 1000)} s after the kill`
      : `still pending ${RESTART_WAIT_S} s after the kill (needs a wake)`;
  } finally {
    await s.stop();
  }
}

const tools = [previousToolchain(), currentToolchain()];
const results = [];
for (const tool of tools) {
  console.log(`\n== ${tool.name} (workerd ${tool.workerd})`);
  const r = { tool };
  r.startMs = await startup(tool);
  console.log(`start-up ${r.startMs} ms`);
  r.bundle = await bundle(tool);
  console.log(`bundle ${JSON.stringify(r.bundle)}`);
  r.clicks = await clicks(tool);
  console.log(`clicks ${JSON.stringify(r.clicks)}`);
  r.capacity = CAPACITY_N > 0 ? await capacity(tool) : null;
  console.log(`capacity ${JSON.stringify(r.capacity)}`);
  r.restart = await timeoutAfterRestart(tool);
  console.log(`restart: ${r.restart}`);
  results.push(r);
}

const [old, now] = results;
const ratio = (a, b) => (a ? (b / a).toFixed(2) : "—");
const row = (what, a, b, r = "") => `| ${what} | ${a} | ${b} | ${r} |`;
const cap = (c) =>
  c
    ? `${c.waiting} waiting, ${c.stalled} stalled, ${c.failed} failed${c.apiFailures ? `, ${c.apiFailures} /api/stats errors` : ""} (workerd ${c.workerdMiB} MiB)`
    : "not run";
await writeSection(
  "Toolchain: the previous runtime against the current one",
  `The same code and machine, both under the project's Node (${process.version}): ${old.tool.name} (workerd ${old.tool.workerd}, compatibility_date 2026-05-01) and ${now.tool.name} (workerd ${now.tool.workerd}, the project's compatibility_date). Start-up: median of ${STARTS} starts of \`wrangler dev\` until it answers. Clicks: ${CLICKS} waiting requests, one signed click each, one after another. Capacity: ${CAPACITY_N} requests created on the stock runtime (no autogates). Restart: a request whose only wait (20 s) runs out while \`wrangler dev\` is down (kill -9, restart on the same state), watched for ${RESTART_WAIT_S} s without a wake.

| measure | ${old.tool.name} | ${now.tool.name} | current / previous |
| --- | --- | --- | --- |
${row("`wrangler dev` start-up (ms)", old.startMs, now.startMs, ratio(old.startMs, now.startMs))}
${row("deploy bundle (KiB, gzip KiB)", `${(old.bundle.bytes / 1024).toFixed(0)}, ${(old.bundle.gzip / 1024).toFixed(0)}`, `${(now.bundle.bytes / 1024).toFixed(0)}, ${(now.bundle.gzip / 1024).toFixed(0)}`, ratio(old.bundle.bytes, now.bundle.bytes))}
${row("click answer p50 / p95 / p99 (ms)", `${old.clicks.answer.p50} / ${old.clicks.answer.p95} / ${old.clicks.answer.p99}`, `${now.clicks.answer.p50} / ${now.clicks.answer.p95} / ${now.clicks.answer.p99}`, ratio(old.clicks.answer.p95, now.clicks.answer.p95))}
${row("click → chat.update p50 / p95 (ms)", `${old.clicks.toUpdate.p50} / ${old.clicks.toUpdate.p95}`, `${now.clicks.toUpdate.p50} / ${now.clicks.toUpdate.p95}`, ratio(old.clicks.toUpdate.p95, now.clicks.toUpdate.p95))}
${row("Slack calls per approval", old.clicks.slackCallsPerApproval, now.clicks.slackCallsPerApproval)}
${row(`requests waiting at once, stock runtime (of ${CAPACITY_N})`, cap(old.capacity), cap(now.capacity), old.capacity && now.capacity ? ratio(old.capacity.waiting, now.capacity.waiting) : "")}
${row("a wait that ran out while down, after a restart", old.restart, now.restart)}`,
);
