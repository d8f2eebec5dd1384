// End-to-end tests in Node (default pool): the Slack stand-in and its page in headless Chromium,
// the Socket Mode bridge, and the dashboard, against a real `wrangler dev` (test/e2e/global-setup.ts).
// Run with `npm run test:browser`; `npm test` runs the workerd suite (vitest.config.ts).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["./test/e2e/global-setup.ts"],
    // One wrangler dev and one stand-in are shared: files run one after another.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
