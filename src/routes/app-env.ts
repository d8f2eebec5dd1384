import type { Env } from "../env";

/** Hono's typing for this app: the Worker's bindings, and the raw body the Slack middleware keeps. */
export interface AppEnv {
  Bindings: Env;
  Variables: { rawBody: string };
}
