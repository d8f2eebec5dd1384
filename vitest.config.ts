import { createServer } from "node:net";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
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

export const TEST_SETTINGS = {
  SLACK_SIGNING_SECRET: "test-signing-secret-0123456789",
  SLACK_BOT_TOKEN: "xoxb-test-token",
  API_TOKEN: "test-api-token-0123456789",
  SLACK_API_URL: `${fakeSlackUrl}/api/`,
  APPROVAL_TIMEOUT: "1 hour",
  ESCALATION_TIMEOUT: "1 hour",
  ESCALATION_USER: "UESCALATE",
};

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ...TEST_SETTINGS,
          FAKE_SLACK_URL: fakeSlackUrl,
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
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
