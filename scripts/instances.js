// `npm run instances -- --url https://approvals.example.com`: the workflow instances that still wait,
// by version (GET /api/instances), so an operator knows when the code of an old version may go and
// what a rollback would touch (docs/runbook.md). Node 20 or newer, no dependencies.
//   --url      the service (default $APPROVALS_URL)
//   --token    its API_TOKEN (default $APPROVALS_TOKEN)
//   --version  list only that version's instances
//   --limit    how many instances to list (default 20, at most 500)
//   --check    ask each listed instance for its status too (at most 50)
//   --wake     wake each listed instance (POST /api/requests/:id/wake): after a local restart of
//              wrangler dev, whose engine forgets pending timers; harmless in production
//   --json     print the API's answer as it is
// Exit codes: 0 the answer was printed, 1 the service could not be asked, 2 bad options.
import { parseArgs } from "node:util";

const usage = "usage: npm run instances -- --url <service url> [--token <API_TOKEN>] [--version N] [--limit N] [--check] [--wake] [--json]";

let opts;
try {
  opts = parseArgs({
    options: {
      url: { type: "string", default: process.env.APPROVALS_URL },
      token: { type: "string", default: process.env.APPROVALS_TOKEN },
      version: { type: "string" },
      limit: { type: "string", default: "20" },
      check: { type: "boolean", default: false },
      wake: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
if (opts.help) {
  console.log(usage);
  process.exit(0);
}
if (!opts.url || !opts.token) {
  console.error(`--url and --token (or APPROVALS_URL and APPROVALS_TOKEN) are required\n${usage}`);
  process.exit(2);
}

const query = new URLSearchParams({ status: "waiting", limit: opts.limit });
if (opts.version) query.set("version", opts.version);
if (opts.check) query.set("instances", "1");
let res;
try {
  res = await fetch(new URL(`/api/instances?${query}`, opts.url), { headers: { authorization: `Bearer ${opts.token}` }, signal: AbortSignal.timeout(30_000) });
} catch (err) {
  console.error(`could not reach ${opts.url}: ${err.cause?.message ?? err.message}`);
  process.exit(1);
}
const body = await res.json().catch(() => null);
if (!res.ok) {
  console.error(`${opts.url} answered ${res.status}: ${body?.error ?? "no explanation"}`);
  process.exit(res.status === 400 ? 2 : 1);
}
const woken = opts.wake ? await wakeAll(body.instances) : null;
if (opts.json) {
  console.log(JSON.stringify(woken ? { ...body, woken } : body, null, 2));
  process.exit(0);
}
console.log(report(body).join("\n"));
if (woken) console.log(`\nWoken: ${woken.woken} of ${body.instances.length}${woken.failed.length ? `; not woken: ${woken.failed.join(", ")}` : ""}.`);

/** Wakes each listed instance (and its running action), four at a time; what could not be woken, with why. */
async function wakeAll(instances) {
  const result = { woken: 0, failed: [] };
  const queue = [...instances];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = queue.shift(); i; i = queue.shift()) {
        try {
          const res = await fetch(new URL(`/api/requests/${i.id}/wake`, opts.url), {
            method: "POST",
            headers: { authorization: `Bearer ${opts.token}` },
            signal: AbortSignal.timeout(30_000),
          });
          if (res.status === 202) result.woken++;
          else result.failed.push(`${i.id} (${res.status}: ${(await res.json().catch(() => null))?.error ?? "no explanation"})`);
        } catch (err) {
          result.failed.push(`${i.id} (${err.message})`);
        }
      }
    }),
  );
  return result;
}

/** The answer for a person: the code's versions, the count per version, what may be removed, the list. */
function report(r) {
  const lines = [`Code: creates version ${r.code.version}; has the paths of versions ${r.code.oldest} to ${r.code.newest}.`];
  if (!r.versions.length) lines.push("No instance waits.");
  for (const v of r.versions) {
    const note = v.newerThanCode
      ? " (newer than this code: a rollback; see docs/runbook.md)"
      : v.version < r.code.oldest
        ? " (older than this code's paths!)"
        : "";
    lines.push(`  version ${v.version}: ${v.waiting} waiting, the oldest created ${v.oldestCreatedAt}${note}`);
  }
  const waiting = new Set(r.versions.map((v) => v.version));
  for (let n = r.code.oldest; n < r.code.newest; n++) {
    lines.push(waiting.has(n) ? `Code for version ${n} must stay: its instances wait.` : `No version ${n} instance waits: its code may be removed.`);
  }
  if (r.instances.length) {
    lines.push("", "id                 v  status    level  waits until                action     created");
    for (const i of r.instances) {
      const workflow = i.workflow === undefined ? "" : `  instance ${i.workflow?.status ?? "gone"}`;
      lines.push(
        `${i.id}  ${String(i.version).padEnd(2)} ${i.status.padEnd(9)} ${String(i.level).padEnd(6)} ${(i.waitUntil ?? "-").padEnd(26)} ${(i.actionStatus ?? "-").padEnd(10)} ${i.createdAt}${workflow}`,
      );
    }
    if (r.truncated) lines.push(`… more: --limit (at most 500) or --version`);
  }
  return lines;
}
