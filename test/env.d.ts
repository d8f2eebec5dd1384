import type { D1Migration } from "cloudflare:test";
import type { Secrets } from "../src/env";

declare global {
  namespace Cloudflare {
    // The generated bindings (worker-configuration.d.ts), the Worker's secrets, and what the tests add.
    interface Env extends Secrets {
      TEST_MIGRATIONS: D1Migration[];
      FAKE_SLACK_URL: string;
      RECEIVER_URL: string;
      TEST_WEBHOOK_SECRET: string;
    }
  }
}
