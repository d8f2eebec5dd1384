// Runs the peer (bench/peer/app.js) in its own Node process with the Slack stand-in in this one:
// the same interface as lib.js's startBenchStack (url, fake, post, commandBody, clickBody, cpu,
// kill, restartService, stop), plus `record(id)`, which reads a request from the peer's SQLite file.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCAL } from "../../scripts/lib/local-defaults.js";
import { startStandInFor } from "../../scripts/lib/local-stack.js";
import { processTreeCpu, serviceClient, untilReady } from "../lib.js";

const appJs = new URL("./app.js", import.meta.url).pathname;

/**
 * @param {{ port: number, fakeSlackPort: number, vars?: Record<string, string>, rearm?: boolean }} opts
 *   vars: the same settings ours takes (POLICY_JSON, APPROVAL_TIMEOUT, ESCALATION_USER, …)
 *   rearm: re-arm the timers of undecided requests from SQLite when the process starts
 */
export async function startPeer({ port, fakeSlackPort, vars = {}, rearm = false }) {
  const dir = await mkdtemp(join(tmpdir(), "approvals-peer-"));
  const settings = { ...LOCAL.vars, ...vars };
  const url = `http://127.0.0.1:${port}`;
  const fake = await startStandInFor(settings, { port: fakeSlackPort, serviceUrl: url });
  const db = join(dir, "peer.sqlite");
  const childEnv = {
    ...process.env,
    ...settings,
    PORT: String(port),
    PEER_DB: db,
    SLACK_API_URL: fake.apiUrl,
    PEER_REARM: rearm ? "1" : "0",
  };

  let startMs = 0;
  async function start() {
    const started = performance.now();
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", appJs], { env: childEnv, stdio: ["ignore", "pipe", "inherit"] });
    await untilReady(child, "bench/peer/app.js");
    startMs = performance.now() - started;
    return child;
  }
  async function kill(child, signal) {
    const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", r)));
    try {
      child.kill(signal);
    } catch {}
    await exited;
  }

  let child;
  try {
    child = await start();
  } catch (err) {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const service = { url, fake, signingSecret: settings.SLACK_SIGNING_SECRET };
  return {
    ...service,
    ...serviceClient(service),
    dir,
    db,
    get startMs() {
      return startMs;
    },
    get pid() {
      return child.pid;
    },
    cpu: () => processTreeCpu(child.pid),
    /** A request as the peer's SQLite holds it (a read-only connection; the WAL lets it read while the peer writes). */
    async record(id) {
      // Imported here: node:sqlite prints an ExperimentalWarning on Node 22, once, for the runs that read the file.
      const { DatabaseSync } = await import("node:sqlite");
      const reader = new DatabaseSync(db, { readOnly: true });
      try {
        return reader.prepare("SELECT id, status, level, claimed_by, wait_until FROM requests WHERE id = ?").get(id);
      } finally {
        reader.close();
      }
    },
    /** Crash drill: kill -9 of the peer's process, without a restart. */
    kill: () => kill(child, "SIGKILL"),
    /** Kill the peer (default kill -9) and start it again on the same SQLite file. */
    async restartService(signal = "SIGKILL") {
      await kill(child, signal);
      child = await start();
    },
    async stop() {
      await kill(child, "SIGTERM");
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
