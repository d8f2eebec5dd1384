// No stand-in, bridge or test code ends up in the Worker that is deployed: the bundle
// `wrangler deploy --dry-run` would upload is checked for it.
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { expect, it } from "vitest";

it("the deployed bundle holds the service and the dashboard, and nothing of the Slack stand-in", async () => {
  const out = await mkdtemp(join(tmpdir(), "approvals-bundle-"));
  try {
    const run = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out], {
      encoding: "utf8",
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    });
    expect(run.status, run.stderr).toBe(0);
    const bundle = await readFile(join(out, "index.js"), "utf8");
    const map = JSON.parse(await readFile(join(out, "index.js.map"), "utf8")) as { sources: string[] };
    // The service is there (routes, workflow, dashboard)...
    for (const present of ["/slack/commands", "ApprovalWorkflow", "approvals_dashboard"]) expect(bundle).toContain(present);
    // ...and nothing of the stand-in, its page, the bridge or the local settings.
    for (const absent of [
      "_control/",
      "startFakeSlack",
      "/_ui/",
      "apps.connections.open",
      "WebSocketServer",
      "playwright",
      "local-dev-signing-secret",
      "xapp-1-local-dev-app-token",
    ]) {
      expect(bundle, absent).not.toContain(absent);
    }
    // Sources are relative to the output folder: judge them by their path inside the repository.
    const inRepo = map.sources.map((s) => relative(process.cwd(), resolve(out, s)));
    expect(inRepo.filter((s) => /^(test|scripts|bench|standin)\//.test(s))).toEqual([]);
    expect(inRepo).toContain("src/routes/dashboard/index.tsx");
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
