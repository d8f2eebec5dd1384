// Ours on workerd without `wrangler dev`'s plumbing (bench/direct/serve.js), with the Slack stand-in
// in this process: the same interface as lib.js's startBenchStack, so a benchmark can run the same
// load against both. The Worker is the bundle `wrangler deploy --dry-run` makes (what production
// runs), or of another entry module (the cost benchmark's counting wrapper); D1 is migrated with
// `wrangler d1 migrations apply --local` into the state folder Miniflare then uses.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCAL } from "../../scripts/lib/local-defaults.js";
import { startStandInFor } from "../../scripts/lib/local-stack.js";
import { processTreeCpu, serviceClient, untilReady } from "../lib.js";

const wranglerBin = new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url).pathname;
const serveJs = new URL("./serve.js", import.meta.url).pathname;
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

function wrangler(args) {
  const r = spawnSync(process.execPath, [wranglerBin, ...args], { env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wrangler ${args.slice(0, 2).join(" ")} failed:\n${r.stdout.slice(-1000)}\n${r.stderr.slice(-1000)}`);
}

/**
 * @param {{ port: number, fakeSlackPort: number, vars?: Record<string, string>, entry?: string }} opts
 *   entry: another module to bundle instead of wrangler.toml's main (it must export the same classes)
 */
export async function startDirectStack({ port, fakeSlackPort, vars = {}, entry }) {
  const dir = await mkdtemp(join(tmpdir(), "approvals-direct-"));
  const settings = { ...LOCAL.vars, ...vars };
  const url = `http://127.0.0.1:${port}`;
  const fake = await startStandInFor(settings, { port: fakeSlackPort, serviceUrl: url });
  let child;
  let startMs = 0;
  try {
    const started = performance.now();
    const bundleDir = join(dir, "bundle");
    wrangler(["deploy", "--dry-run", "--outdir", bundleDir, ...(entry ? [entry] : [])]);
    wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", join(dir, "state")]);
    // index.js, or named after the other entry module.
    const main = (await readdir(bundleDir)).find((f) => f.endsWith(".js"));
    const config = { port, persist: join(dir, "state", "v3"), bundleDir, main, vars: { LOCAL_DEV: "true", ...settings, SLACK_API_URL: fake.apiUrl } };
    child = spawn(process.execPath, [serveJs], { env: { ...env, BENCH_DIRECT: JSON.stringify(config) }, stdio: ["ignore", "pipe", "inherit"], detached: true });
    await untilReady(child, "bench/direct/serve.js");
    startMs = performance.now() - started;
  } catch (err) {
    try {
      if (child) process.kill(-child.pid, "SIGKILL");
    } catch {}
    await fake.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const service = { url, fake, signingSecret: settings.SLACK_SIGNING_SECRET, apiToken: settings.API_TOKEN };
  return {
    ...service,
    ...serviceClient(service),
    dir,
    /** Bundle, migrations and start until it answered (ms). */
    startMs,
    pid: child.pid,
    /** CPU used so far by the Miniflare process and its workerd (processTreeCpu). */
    cpu: () => processTreeCpu(child.pid),
    async stop() {
      const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", r)));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
