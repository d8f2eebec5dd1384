import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      FAKE_SLACK_URL: string;
      RECEIVER_URL: string;
      TEST_WEBHOOK_SECRET: string;
    }
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
  }
}
