/**
 * Settings that are not in wrangler.toml: secrets (.dev.vars locally, `wrangler secret put` in
 * production; webhook signing secrets are named by the policy, e.g. DEPLOY_WEBHOOK_SECRET) and
 * optional overrides.
 */
export interface Secrets {
  SLACK_SIGNING_SECRET?: string;
  SLACK_BOT_TOKEN?: string;
  API_TOKEN?: string;
  /** An operator's policy override (JSON); the repository's approvals.config.json otherwise. */
  POLICY_JSON?: string;
  /** "true" only under `npm run dev` and the tests: opens the dashboard on loopback hosts. */
  LOCAL_DEV?: string;
}

/**
 * The Worker's environment: bindings and vars as wrangler.toml declares them (generated into
 * worker-configuration.d.ts by `npm run types`, checked by `npm run typecheck`), plus the secrets.
 */
export interface Env extends Cloudflare.Env, Secrets {}

/** Hono's typing for this app: the Worker's bindings. */
export interface AppEnv {
  Bindings: Env;
}
