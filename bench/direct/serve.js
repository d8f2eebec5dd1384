// The Worker on workerd without `wrangler dev`: one Miniflare instance in this process, configured
// from wrangler.toml the way `wrangler dev` configures its own (unstable_getMiniflareWorkerOptions:
// the three workflows, D1, KV, Analytics Engine, the cron trigger, the vars), running the bundle
// `wrangler deploy --dry-run` produced. No proxy worker, no second workerd, no live reload: a
// request goes from the socket to Miniflare's entry worker and on to ours.
// Started by bench/direct/stack.js with BENCH_DIRECT={ port, persist, bundleDir, main, vars }; prints
// "ready <url>" once it answers, and stops on SIGTERM.
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const config = JSON.parse(process.env.BENCH_DIRECT ?? "{}");
const { workerOptions } = unstable_getMiniflareWorkerOptions(new URL("../../wrangler.toml", import.meta.url).pathname);
// rootPath and modulesRules describe the TypeScript sources; the bundle is one module.
const { rootPath: _root, modulesRules: _rules, ...worker } = workerOptions;
const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: config.port,
    resourcePersistencePath: config.persist,
    // Drop the request log and the Worker's log lines (wrangler dev prints them; quiet benchmarks do not read them).
    logRequests: false,
    log: new NoOpLog(),
    handleStructuredLogs: () => {},
    // GET /cdn-cgi/handler/scheduled runs the cron handler, as under wrangler dev.
    unsafeTriggerHandlers: true,
    workers: [
      {
        ...worker,
        name: "slack-approvals",
        modules: true,
        modulesRoot: config.bundleDir,
        scriptPath: join(config.bundleDir, config.main),
        bindings: { ...worker.bindings, ...config.vars },
      },
    ],
  }),
);
const url = await mf.ready;
process.stdout.write(`ready ${url.href}\n`);
const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
