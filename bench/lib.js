// Helpers shared by the benchmarks: percentiles, a machine description and the results file.

import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { cpus, release, totalmem } from "node:os";

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s[s.length - 1]) };
}

export function machine() {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`;
}

/**
 * A benchmark's port: its default, or BENCH_PORT_BASE + offset, so a run can keep to a range of
 * ports while other runs use the defaults on the same machine.
 */
export const benchPort = (fallback, offset) => (process.env.BENCH_PORT_BASE ? Number(process.env.BENCH_PORT_BASE) + offset : fallback);

/** Slack's v0 signature headers, computed synchronously (autocannon builds each request synchronously). */
export function signedHeadersSync(secret, body, timestamp = Math.floor(Date.now() / 1000)) {
  const mac = createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex");
  return { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(timestamp), "x-slack-signature": `v0=${mac}` };
}

/** The pids of `rootPid` and all its descendants among `procs` ({ pid, ppid }). */
function descendants(rootPid, procs) {
  const mine = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (mine.has(p.ppid) && !mine.has(p.pid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  return mine;
}

let ticksPerSecond;
const msOfTicks = (ticks) => {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return (ticks * 1000) / ticksPerSecond;
};

/** One /proc/<dir>/stat: command name, parent and CPU ticks (user + system); null once it exited. */
function readStat(path) {
  let stat;
  try {
    stat = readFileSync(path, "utf8");
  } catch {
    return null; // exited meanwhile
  }
  // "pid (comm) state ppid … utime stime …": comm may hold spaces, so split after its ")".
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  return { comm: stat.slice(stat.indexOf("(") + 1, close), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** rootPid's process tree, read from /proc. */
function processTree(rootPid) {
  const procs = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => ({ pid: Number(name), ...readStat(`/proc/${name}/stat`) }))
    .filter((p) => p.comm !== undefined);
  const mine = descendants(rootPid, procs);
  return procs.filter((p) => mine.has(p.pid));
}

/**
 * CPU time (user + system, ms) used so far by a process and all its descendants, in total and by
 * command name (e.g. node, workerd), read from /proc/<pid>/stat.
 */
export function processTreeCpu(rootPid) {
  const byName = {};
  let total = 0;
  for (const p of processTree(rootPid)) {
    const ms = msOfTicks(p.ticks);
    // workerd, or node (wrangler, npx, Miniflare's host, the peer: all Node processes here).
    const name = p.comm.startsWith("workerd") ? "workerd" : /^(node|npm|npx)/.test(p.comm) ? "node" : p.comm;
    byName[name] = (byName[name] ?? 0) + ms;
    total += ms;
  }
  return { total, byName };
}

/**
 * CPU time (ms) used so far by each workerd thread under rootPid, keyed "pid/tid". workerd runs a
 * process's isolates on one thread, so under a closed loop its busiest thread sets the pace:
 * requests/s ≈ 1000 ÷ that thread's ms per request.
 */
export function workerdThreadCpu(rootPid) {
  const threads = {};
  for (const p of processTree(rootPid).filter((p) => p.comm.startsWith("workerd"))) {
    let tids = [];
    try {
      tids = readdirSync(`/proc/${p.pid}/task`);
    } catch {}
    for (const tid of tids) {
      const t = readStat(`/proc/${p.pid}/task/${tid}/stat`);
      if (t) threads[`${p.pid}/${tid}`] = msOfTicks(t.ticks);
    }
  }
  return threads;
}

/** The busiest workerd thread's CPU ms between two workerdThreadCpu readings. */
export function busiestThreadSince(before, after) {
  return Math.max(0, ...Object.entries(after).map(([k, ms]) => ms - (before[k] ?? 0)));
}

/**
 * Waits until a service is quiet: its processes (`s.cpu()`) used under `busyMs` of CPU in the
 * last `windowMs`, so the work earlier requests set off (replies, events, workflows) is done; at
 * most `limitMs`.
 */
export async function untilIdle(s, { windowMs = 500, busyMs = 50, limitMs = 120_000 } = {}) {
  const deadline = Date.now() + limitMs;
  for (let before = s.cpu(); Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = s.cpu();
    if (now.total - before.total < busyMs) return;
    before = now;
  }
}

/** CPU used between two processTreeCpu readings: total ms and ms by command name. */
export function cpuSince(before, after) {
  const byName = {};
  for (const [name, ms] of Object.entries(after.byName)) byName[name] = ms - (before.byName[name] ?? 0);
  return { total: after.total - before.total, byName };
}

const RESULTS = new URL("./RESULTS.md", import.meta.url);

/**
 * Replaces (or appends) one benchmark's section in bench/RESULTS.md. BENCH_TAG names a variant
 * run (e.g. \`BENCH_TAG="state on tmpfs" TMPDIR=/dev/shm\`), which gets its own section.
 */
export async function writeSection(title, body) {
  if (process.env.BENCH_TAG) title = `${title} (${process.env.BENCH_TAG})`;
  let text;
  try {
    text = await readFile(RESULTS, "utf8");
  } catch {
    text = "# Benchmark results\n\nProduced by `npm run bench`; each section is replaced when its benchmark runs again.\n";
  }
  const section = `## ${title}\n\n_${new Date().toISOString().slice(0, 10)} · ${machine()}_\n\n${body.trim()}\n`;
  const re = new RegExp(`## ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n[\\s\\S]*?(?=\\n## |$)`);
  text = re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}`;
  await writeFile(RESULTS, text.endsWith("\n") ? text : `${text}\n`);
}

// ---- a service to measure: wrangler dev + the Slack stand-in, on their own ports and state

import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalStack } from "../scripts/lib/local-stack.js";
import { clickForm, commandForm } from "../standin/payloads.js";
import { signedHeaders } from "../standin/signing.js";

/**
 * Signed-request bodies as Slack sends them, for a stand-in running in this process: every user a
 * body names becomes a member of its workspace (which, like Slack, knows no one else), and each
 * body carries a trigger_id and response_url the stand-in issued.
 */
export function slackBodies(fake) {
  const member = (id) => /^[UW][A-Z0-9]{2,}$/.test(id) && fake.addMember(id);
  return {
    commandBody(user, text) {
      member(user);
      for (const [, id] of text.matchAll(/<@([UW][A-Z0-9]+)/g)) member(id);
      const responseUrl = fake.issueResponseUrl({ kind: "commands", user, channel: "C0GENERAL" });
      return commandForm(user, text, { responseUrl, triggerId: fake.issueTriggerId(user) });
    },
    clickBody(user, id, action) {
      member(user);
      const responseUrl = fake.issueResponseUrl({ kind: "actions", user, channel: `D${user.slice(1)}` });
      return clickForm(user, id, action, { responseUrl, triggerId: fake.issueTriggerId(user) });
    },
  };
}

/**
 * How a benchmark talks to a service under test (ours on `wrangler dev` or on workerd directly, or
 * the peer): signed posts, Slack's bodies for the stand-in it runs with, and the JSON API.
 * @param {{ url: string, fake: any, signingSecret: string, apiToken?: string }} service
 */
export function serviceClient(service) {
  const { commandBody, clickBody } = slackBodies(service.fake);
  return {
    /** A signed POST to the service; resolves to { status, text, ms }. */
    async post(path, body, headers) {
      const t0 = performance.now();
      const res = await fetch(service.url + path, { method: "POST", headers: headers ?? (await signedHeaders(service.signingSecret, body)), body });
      const text = await res.text();
      return { status: res.status, text, ms: performance.now() - t0 };
    },
    commandBody,
    clickBody,
    async api(path) {
      const res = await fetch(service.url + path, { headers: { authorization: `Bearer ${service.apiToken}` } });
      if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      return res.json();
    },
  };
}

/** Starts a fresh service (empty state in a temp folder) with the stand-in; `vars` override settings. */
export async function startBenchStack({ port = 8797, fakeSlackPort = 8798, vars = {}, runtimeEnv = {}, wrangler } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "approvals-bench-"));
  const stack = await startLocalStack({ port, fakeSlackPort, persistTo: dir, quiet: true, forceFakeSlack: true, vars, runtimeEnv, wrangler });
  return {
    ...stack,
    ...serviceClient(stack),
    dir,
    /** How long `wrangler dev` took to answer at its last start (ms). */
    get startMs() {
      return stack.startMs;
    },
    /** The running `wrangler dev` (its process group holds workerd), also after a restart. */
    get pid() {
      return stack.child.pid;
    },
    /** CPU used so far by `wrangler dev` and its workerd processes (processTreeCpu). */
    cpu() {
      return processTreeCpu(stack.child.pid);
    },
    /** Crash drill: kill -9 of `wrangler dev` and its workerd, without a restart (restartService starts it again). */
    async kill() {
      const child = stack.child;
      const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", r)));
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
      await exited;
    },
    /** Resident memory (MiB) of the workerd processes serving this stack. */
    workerdMemoryMiB() {
      const ps = execFileSync("ps", ["-eo", "pid=,ppid=,rss=,comm="], { encoding: "utf8" });
      const rows = ps
        .trim()
        .split("\n")
        .map((l) => l.trim().split(/\s+/))
        .map(([pid, ppid, rss, comm]) => ({ pid: +pid, ppid: +ppid, rss: +rss, comm }));
      const mine = descendants(stack.child.pid, rows);
      return Math.round(rows.filter((r) => mine.has(r.pid) && r.comm.startsWith("workerd")).reduce((n, r) => n + r.rss, 0) / 1024);
    },
    async stop() {
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` over `items` with at most `concurrency` at a time. */
export async function pool(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

/** Polls `check` every `everyMs` until it returns truthy; throws after `timeoutMs`. */
export async function until(check, what, timeoutMs = 120_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Creates `n` requests (requester R<i>, approver A<i> with a run tag) and returns their ids. */
export async function createRequests(s, n, { tag = "B", concurrency = 16, text = (i) => `<@U0${tag}A${i}> bench request ${i}` } = {}) {
  return pool(
    Array.from({ length: n }, (_, i) => i),
    concurrency,
    async (i) => {
      const r = await s.post("/slack/commands", s.commandBody(`U0${tag}R${i}`, text(i)));
      const id = /`(req-[a-z0-9]{12})`/.exec(r.text)?.[1];
      if (!id) throw new Error(`request ${i} not created: ${r.status} ${r.text}`);
      return id;
    },
  );
}

/** Number of top-level DMs the stand-in holds for `user` (decision requests, receipts, outcomes). */
export const dmsTo = (s, user) => s.fake.state.messages.filter((m) => m.channel === `D${user.slice(1)}` && !m.thread_ts);

/**
 * Click latency: `n` requests wait for a decision, then each gets one signed click, one at a time.
 * Returns the route's answer times (what Slack waits for, limit 3 s), the times from the click
 * until the stand-in received the chat.update showing the outcome, and the Slack calls per approval.
 */
export async function clickLatency(s, n, tag = "L") {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const approver = `U0${tag}APPR${i}`;
    const { text } = await s.post("/slack/commands", s.commandBody(`U0${tag}REQ${i}`, `<@${approver}> bench request ${i}`));
    ids.push({ id: /`(req-[a-z0-9]{12})`/.exec(text)[1], approver });
  }
  // Every approver's DM out, so each click finds a waiting workflow.
  await until(() => ids.every(({ approver }) => dmsTo(s, approver).length >= 1), `${n} approver DMs`);
  const answer = [];
  const toUpdate = [];
  for (const { id, approver } of ids) {
    const channel = `D${approver.slice(1)}`;
    const sent = Date.now();
    const { status, ms } = await s.post("/slack/interactions", s.clickBody(approver, id, "approve"));
    if (status !== 200) throw new Error(`click answered ${status}`);
    answer.push(ms);
    const update = await until(
      () => s.fake.state.calls.find((c) => c.method === "chat.update" && c.args.channel === channel),
      `the chat.update for ${id}`,
      30_000,
      2,
    );
    toUpdate.push(update.at - sent);
  }
  // Let the last requester DMs go out before counting Slack calls (a fresh stack: every call is these approvals').
  const settle = Date.now() + 60_000;
  for (let last = -1; s.fake.state.calls.length !== last && Date.now() < settle; ) {
    last = s.fake.state.calls.length;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return { answer: summary(answer), toUpdate: summary(toUpdate), slackCallsPerApproval: +(s.fake.state.calls.length / n).toFixed(2) };
}

/**
 * How many requests can wait at once: `n` created (`concurrency` at a time), then counted once
 * each is waiting (its approver's DM posted) or failed, or after a bounded wait (the stock local
 * runtime stalls near its process-wide SQLite cap, and past it even /api/stats can fail).
 */
export async function waitingCapacity(s, n, { tag = "K", concurrency = 16 } = {}) {
  await createRequests(s, n, { tag, concurrency }).catch(() => null);
  let apiFailures = 0;
  const counts = async () => {
    const stats = await s.api("/api/stats").catch(() => {
      apiFailures++;
      return null;
    });
    const waiting = s.fake.state.messages.filter((m) => !m.thread_ts && m.channel.startsWith(`D0${tag}A`)).length;
    return { waiting, failed: stats?.byStatus.failed ?? 0 };
  };
  await until(
    async () => {
      const c = await counts();
      return c.waiting + c.failed >= n;
    },
    "every request waiting or failed",
    60_000 + n * 100,
    1000,
  ).catch(() => null);
  const c = await counts();
  return { ...c, stalled: n - c.waiting - c.failed, apiFailures, workerdMiB: s.workerdMemoryMiB() };
}

/** Resolves once a child process prints "ready " on its stdout; rejects if it exits first. */
export function untilReady(child, name) {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("ready ")) resolve(undefined);
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}
