// Starts the service locally: the Slack stand-in (unless real Slack is configured), the D1
// migrations, and `wrangler dev` with state persisted under the given folder.
import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { startFakeSlack } from "../../standin/server.js";
import { LOCAL, readDevVars } from "./local-defaults.js";

const wranglerEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/**
 * The users the policy (POLICY_JSON, else approvals.config.json) and ESCALATION_USER name: members
 * of the stand-in's workspace, so their DMs reach them (Slack refuses DMs to unknown users).
 */
export async function policyUsers(settings) {
  const { readFile } = await import("node:fs/promises");
  let policy;
  try {
    policy = JSON.parse(settings.POLICY_JSON ?? (await readFile("approvals.config.json", "utf8")));
  } catch {
    policy = {};
  }
  const ids = Object.values(policy.types ?? {}).flatMap((t) => (t?.levels ?? []).flatMap((l) => l?.approvers ?? []));
  return [...new Set([settings.ESCALATION_USER, ...ids].filter((id) => typeof id === "string" && /^[UW][A-Z0-9]{2,}$/.test(id)))];
}

/**
 * The Slack stand-in for a service run with `settings` (the local defaults and overrides): its bot
 * token, signing secret and Socket Mode app token, the policy's people as members, and the
 * service's URL for what a person does on its page.
 * @param {Record<string, string>} settings
 * @param {{ port: number, serviceUrl: string }} at
 */
export async function startStandInFor(settings, { port, serviceUrl }) {
  return startFakeSlack({
    port,
    token: settings.SLACK_BOT_TOKEN,
    signingSecret: settings.SLACK_SIGNING_SECRET,
    serviceUrl,
    appToken: LOCAL.appToken,
    members: await policyUsers(settings),
  });
}

/**
 * @param {{ port?: number, fakeSlackPort?: number, persistTo?: string, vars?: Record<string,string>, quiet?: boolean, forceFakeSlack?: boolean, runtimeEnv?: Record<string,string>, wrangler?: { command: string[], devArgs?: string[] }, cwd?: string }} [opts]
 *   runtimeEnv: extra environment for wrangler and workerd (e.g. WORKERD_ALL_AUTOGATES for large loads)
 *   wrangler: another wrangler to run (the toolchain benchmark's previous version): its command
 *   (default `npx wrangler`) and extra `wrangler dev` arguments (e.g. an older compatibility date)
 *   cwd: the tree to run (default the current directory); persistTo is resolved against the current directory
 */
export async function startLocalStack(opts = {}) {
  const port = opts.port ?? LOCAL.port;
  const wrangler = opts.wrangler?.command ?? ["npx", "wrangler"];
  const url = `http://127.0.0.1:${port}`;
  const persistTo = resolve(opts.persistTo ?? ".wrangler/state");
  const devVars = await readDevVars();
  const realSlack = Boolean(devVars.SLACK_BOT_TOKEN && devVars.SLACK_SIGNING_SECRET) && !opts.forceFakeSlack;

  let fake;
  // LOCAL_DEV opens the dashboard on loopback hosts; only local runs set it.
  const vars = { LOCAL_DEV: "true", ...opts.vars };
  if (!realSlack) {
    const settings = { ...LOCAL.vars, ...opts.vars };
    // The stand-in's page delivers what a person does there to this service, signed like Slack.
    fake = await startStandInFor(settings, { port: opts.fakeSlackPort ?? LOCAL.fakeSlackPort, serviceUrl: url });
    Object.assign(vars, { ...LOCAL.vars, SLACK_API_URL: fake.apiUrl, ...opts.vars });
  }

  /** Applies the D1 migrations of the tree in `cwd` to the local state (as `wrangler d1 migrations apply` before a deploy). */
  function migrate(cwd) {
    const r = spawnSync(wrangler[0], [...wrangler.slice(1), "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
      cwd,
      env: wranglerEnv,
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`D1 migrations failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  try {
    migrate(opts.cwd);
  } catch (err) {
    await fake?.close();
    throw err;
  }

  const args = [
    ...wrangler.slice(1),
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
    ...(opts.wrangler?.devArgs ?? []),
  ];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);

  /** How long the last start of `wrangler dev` took until it answered (ms). */
  let startMs = 0;
  /** Starts `wrangler dev` (on the tree in `cwd`, default this one) and waits until it answers. */
  async function startService(cwd = opts.cwd) {
    const started = performance.now();
    const child = spawn(wrangler[0], args, {
      cwd,
      env: { ...wranglerEnv, ...opts.runtimeEnv },
      stdio: opts.quiet ? ["ignore", "ignore", "inherit"] : "inherit",
      detached: true,
    });
    const deadline = Date.now() + 60_000;
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
        try {
          const res = await fetch(url);
          if (res.ok) break;
        } catch {}
        if (Date.now() > deadline) throw new Error("wrangler dev did not start within 60 s");
        await new Promise((r) => setTimeout(r, 200));
      }
    } catch (err) {
      // Leave nothing running behind a failed start.
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await fake?.close();
      throw err;
    }
    startMs = performance.now() - started;
    return child;
  }

  /** Stops `wrangler dev` and its workerd (the whole process group) with `signal`. */
  async function killService(child, signal) {
    try {
      process.kill(-child.pid, signal);
    } catch {}
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", r)));
    // npx exits before workerd (in the same group) has let go of the port; a restart that came
    // first failed with "Address already in use". Wait until nothing answers there any more.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await fetch(url, { signal: AbortSignal.timeout(1000) });
      } catch (err) {
        if (err?.cause?.code === "ECONNREFUSED") return;
      }
      if (Date.now() > deadline) throw new Error(`port ${port} still in use 30 s after wrangler dev was stopped`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const signingSecret = realSlack ? devVars.SLACK_SIGNING_SECRET : vars.SLACK_SIGNING_SECRET;
  const stack = {
    url,
    fake,
    realSlack,
    signingSecret,
    apiToken: realSlack ? devVars.API_TOKEN : vars.API_TOKEN,
    child: await startService(),
    /** The stand-in's ssl_check to the service's command URL, as Slack sends one (recorded, never fatal). */
    sslCheck: undefined,
    /** How long `wrangler dev` took to answer at its last start (ms). */
    get startMs() {
      return startMs;
    },
    /**
     * Crash drill: kill the service (default SIGKILL), keep the stand-in, start it again on the same
     * state. Upgrade drill: `cwd`, another tree (changed code) to start instead. `whileStopped`:
     * runs while nothing is running on the state (e.g. a copy of the local D1 put back, as a
     * Time Travel restore does to the remote one).
     */
    async restartService(signal = "SIGKILL", { cwd, whileStopped } = {}) {
      await killService(stack.child, signal);
      await whileStopped?.(persistTo);
      stack.child = await startService(cwd);
    },
    /** Applies the migrations of the tree in `cwd` (default this one) to the same local state. */
    migrate,
    async stop(signal = "SIGTERM") {
      await killService(stack.child, signal);
      await fake?.close();
    },
  };
  // Slack checks a command's Request URL with an unsigned ssl_check; the stand-in does the same
  // once the service answers, and records what it said (GET /_control/deliveries).
  if (fake) stack.sslCheck = await fake.sslCheck();
  return stack;
}
