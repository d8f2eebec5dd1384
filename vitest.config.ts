import { createServer } from "node:net";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";

/** A free loopback port for the fake Slack API, which test/global-setup.js starts on it. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const fakeSlackPort = Number(process.env.FAKE_SLACK_PORT ?? (await freePort()));
process.env.FAKE_SLACK_PORT = String(fakeSlackPort);
const fakeSlackUrl = `http://127.0.0.1:${fakeSlackPort}`;
const receiverPort = Number(process.env.WEBHOOK_RECEIVER_PORT ?? (await freePort()));
process.env.WEBHOOK_RECEIVER_PORT = String(receiverPort);
export const TEST_WEBHOOK_SECRET = "test-webhook-secret-0123456789";
process.env.TEST_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET;

/** Users the test policy names (tests that need fresh users name them in commands instead). */
export const POLICY_USERS = {
  quorum: ["U0QUORUMA", "U0QUORUMB", "U0QUORUMC"],
  level2: "U0LEVELTWO",
  level3: "U0LEVELTHREE",
  selfQuorum: ["U0SELFQA", "U0SELFQB"],
};

/** The policy the tests run with: one type per behaviour, actions pointing at the local receiver. */
const testPolicy = {
  types: {
    deploy: {
      title: "Production deploy",
      levels: [{ approvers: [], wait: "1 hour" }],
      action: { url: `http://127.0.0.1:${receiverPort}/hooks/deploy`, method: "POST", secret: "TEST_WEBHOOK_SECRET", timeout: "1 hour" },
    },
    // Same receiver under another host name, so the breaker test's open circuit is its own.
    flaky: {
      title: "Flaky action",
      levels: [{ approvers: [], wait: "1 hour" }],
      action: { url: `http://localhost:${receiverPort}/hooks/flaky`, method: "POST", secret: "TEST_WEBHOOK_SECRET" },
    },
    expense: { title: "Expense", levels: [{ approvers: POLICY_USERS.quorum, wait: "1 hour", quorum: 2 }] },
    chain: {
      title: "Three-level chain",
      reminder: "20 minutes",
      levels: [
        { approvers: [], wait: "1 hour" },
        { approvers: [POLICY_USERS.level2], wait: "1 hour" },
        { approvers: [POLICY_USERS.level3], wait: "1 hour" },
      ],
    },
    selfservice: { title: "Self-service", allowSelfApproval: true, levels: [{ approvers: [], wait: "1 hour" }] },
    // Self-approval with a quorum: the requester's own approval is one vote of two.
    selfquorum: { title: "Self-approval, two of two", allowSelfApproval: true, levels: [{ approvers: POLICY_USERS.selfQuorum, wait: "1 hour", quorum: 2 }] },
    // A user group as the level (the stand-in's @oncall: Maria and Sam), two of its members must approve.
    oncall: { title: "On-call change", levels: [{ approvers: ["S0ONCALL"], wait: "1 hour", quorum: 2 }] },
    // Escalation to a user group, and to one Slack cannot read (the requester is told; level 1 still decides).
    groupchain: {
      title: "Escalates to on-call",
      levels: [
        { approvers: [], wait: "1 hour" },
        { approvers: ["S0ONCALL"], wait: "1 hour" },
      ],
    },
    ghostchain: {
      title: "Escalates to a missing group",
      levels: [
        { approvers: [], wait: "1 hour" },
        { approvers: ["S0NOSUCH"], wait: "1 hour" },
      ],
    },
    // An approvals channel only (no DMs): anyone there sees it, only the approvers can decide.
    release: { title: "Release", channel: "C0APPROVALS", notify: "channel", levels: [{ approvers: ["U0RELEASEA", "U0RELEASEB"], wait: "1 hour" }] },
    // A channel with the default notify ("both"): posted in #approvals and sent by DM.
    releaseboth: { title: "Release (channel and DMs)", channel: "C0APPROVALS", levels: [{ approvers: ["U0BOTHA"], wait: "1 hour" }] },
    // notify "dm": the channel is named but only DMs go out.
    releasedm: { title: "Release (DMs only)", channel: "C0APPROVALS", notify: "dm", levels: [{ approvers: ["U0DMONLY"], wait: "1 hour" }] },
    // A channel the app was never added to: the request fails, saying what to do.
    outside: { title: "Outside", channel: "C0RANDOM", levels: [{ approvers: [], wait: "1 hour" }] },
    // Two quorum levels: approvals count within their own level only.
    twostage: {
      title: "Two-stage",
      levels: [
        { approvers: ["U0STAGEA1", "U0STAGEA2"], wait: "1 hour", quorum: 2 },
        { approvers: ["U0STAGEB1", "U0STAGEB2"], wait: "1 hour", quorum: 2 },
      ],
    },
  },
};

export const TEST_SETTINGS = {
  SLACK_SIGNING_SECRET: "test-signing-secret-0123456789",
  SLACK_BOT_TOKEN: "xoxb-test-token",
  API_TOKEN: "test-api-token-0123456789",
  SLACK_API_URL: `${fakeSlackUrl}/api/`,
  APPROVAL_TIMEOUT: "1 hour",
  ESCALATION_TIMEOUT: "1 hour",
  ESCALATION_USER: "UESCALATE",
  POLICY_JSON: JSON.stringify(testPolicy),
  TEST_WEBHOOK_SECRET,
  BREAKER_THRESHOLD: "3",
  BREAKER_RESET: "1 minute",
  LOCAL_DEV: "true",
};

/**
 * The users the test policy and settings name: members of the stand-in's workspace from the start
 * (tests make the rest with newUser()). Passed to test/global-setup.js, which starts the stand-in.
 */
const policyMembers = [
  ...new Set([TEST_SETTINGS.ESCALATION_USER, ...Object.values(testPolicy.types).flatMap((t) => t.levels.flatMap((l) => l.approvers))]),
].filter((id) => /^[UW]/.test(id));
process.env.STANDIN_MEMBERS = policyMembers.join(",");

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ...TEST_SETTINGS,
          FAKE_SLACK_URL: fakeSlackUrl,
          RECEIVER_URL: `http://127.0.0.1:${receiverPort}`,
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
        },
      },
    }),
  ],
  test: {
    // test/e2e runs in Node against wrangler dev and a browser: `npm run test:browser`.
    exclude: [...configDefaults.exclude, "test/e2e/**"],
    globalSetup: ["./test/global-setup.js"],
    setupFiles: ["./test/apply-migrations.ts"],
    // The Worker logs one JSON line per event; show them only for failing tests.
    silent: "passed-only",
    // The files mostly wait (Slack's pacing, retry backoffs, the engine's steps), not compute:
    // three at once on this 2-core machine take half the time of vitest's default (cores - 1).
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
