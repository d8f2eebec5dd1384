// Starts the service as `npm run dev` does (scripts/lib/local-stack.js: the Slack stand-in, the
// D1 migrations and a real `wrangler dev`), on its own ports and with a temporary state folder,
// for the whole browser / end-to-end run.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { LOCAL } from "../../scripts/lib/local-defaults.js";
import { startLocalStack } from "../../scripts/lib/local-stack.js";

export const E2E_PORTS = { service: Number(process.env.E2E_SERVICE_PORT ?? 8840), standin: Number(process.env.E2E_STANDIN_PORT ?? 8841) };

/**
 * The shipped policy, plus a type whose level needs two of the page's people (Maria and Sam), so a
 * quorum vote can be clicked on the page, and a type that expires within seconds (reminded after
 * two), so the pipeline gate's expiry runs end to end (test/e2e/gate.test.ts).
 */
async function e2ePolicy(): Promise<string> {
  const policy = JSON.parse(await readFile("approvals.config.json", "utf8"));
  policy.types.review = { title: "Peer review", levels: [{ approvers: ["U0APPROVER", "U0ESCALATE"], wait: "1 hour", quorum: 2 }] };
  policy.types["gate-quick"] = { title: "Quick gate", levels: [{ approvers: [], wait: "5 seconds" }], reminder: "2 seconds" };
  // An approvals channel (#approvals, the bot is in it): asked there only, Maria or Sam decides.
  policy.types.release = { title: "Release", channel: "C0APPROVALS", notify: "channel", levels: [{ approvers: ["U0APPROVER", "U0ESCALATE"], wait: "1 hour" }] };
  return JSON.stringify(policy);
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), "approvals-e2e-"));
  const stack = await startLocalStack({
    port: E2E_PORTS.service,
    fakeSlackPort: E2E_PORTS.standin,
    persistTo: dir,
    quiet: true,
    forceFakeSlack: true,
    vars: { POLICY_JSON: await e2ePolicy() },
  });
  const fake = stack.fake;
  if (!fake) throw new Error("the e2e run needs the Slack stand-in");
  project.provide("stack", {
    serviceUrl: stack.url,
    standinUrl: fake.url,
    apiToken: stack.apiToken,
    signingSecret: stack.signingSecret,
    botToken: LOCAL.vars.SLACK_BOT_TOKEN,
    appToken: fake.appToken,
    persistDir: dir,
  });
  return async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: {
      serviceUrl: string;
      standinUrl: string;
      apiToken: string;
      signingSecret: string;
      botToken: string;
      appToken: string;
      persistDir: string;
    };
  }
}
