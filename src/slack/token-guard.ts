import { NonRetryableError } from "cloudflare:workflows";
import { loadConfig } from "../config";
import { log } from "../core/log";
import { botTokenState, recentAppEvents, recordAppEvent, type SlackAppEventRow } from "../core/store";
import type { Env } from "../env";

/**
 * While the bot token is known not to work (the app was uninstalled, the token revoked, or a call's
 * token error that auth.test confirmed), Slack calls fail at once with a clear error instead of
 * each one asking Slack again: the state is the latest slack_app_events row for this token (D1,
 * so every instance and route sees the same). A new token (another fingerprint) starts clean; the
 * same token is tried again (auth.test) when someone opens the App Home, the sign that the app is
 * installed, and works again when that passes.
 * @see https://docs.slack.dev/reference/events/app_uninstalled
 * @see https://docs.slack.dev/reference/events/tokens_revoked
 * @see https://docs.slack.dev/reference/methods/auth.test
 */

/** Slack's answers that mean the token itself does not work (every method's error table). */
export const TOKEN_ERRORS = new Set(["token_revoked", "invalid_auth", "account_inactive", "not_authed", "token_expired"]);

/**
 * A Slack call not made: the bot token is known not to work. No retry helps until it does (it
 * keeps NonRetryableError's name, by which the Workflows engine skips the retries).
 */
export class SlackTokenRevokedError extends NonRetryableError {}

/** A fingerprint of the token (SHA-256, 16 hex characters): stored and logged instead of the token. */
export async function tokenId(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What auth.test said: the token works, does not (a token error), or no answer (unknown). */
export type Probe = "works" | "revoked" | "unknown";

/** The error message, for the request's status and the logs. */
export function revokedMessage(state: Pick<SlackAppEventRow, "event" | "at" | "detail">): string {
  const why = state.event === "token_error" ? `Slack answered ${state.detail}` : state.event;
  return `Slack's bot token does not work (${why}, ${state.at}): reinstall the app and set SLACK_BOT_TOKEN`;
}

export interface TokenGuard {
  /** Before a call: throws SlackTokenRevokedError while the token is known not to work. */
  before(): Promise<void>;
  /** After a call's token error: true when `probe` (auth.test) confirms the token does not work (recorded for everyone). */
  confirm(code: string, probe: () => Promise<Probe>): Promise<boolean>;
  /** Tries a token known not to work again: true (and recorded) when `probe` says it works. */
  retry(probe: () => Promise<Probe>): Promise<boolean>;
}

export function tokenGuard(db: D1Database, token: string): TokenGuard {
  let id: Promise<string> | undefined;
  const own = () => (id ??= tokenId(token));
  const record = async (event: string, botToken: "revoked" | "works", detail: string) =>
    recordAppEvent(db, { event, bot_token: botToken, token_id: await own(), team_id: null, enterprise_id: null, detail, at: new Date().toISOString() });
  const revoked = async () => {
    const state = await botTokenState(db, await own());
    return state?.bot_token === "revoked" ? state : null;
  };
  return {
    async before() {
      let state: SlackAppEventRow | null;
      try {
        state = await revoked();
      } catch (err) {
        // The guard saves calls; it must not stop one when D1 cannot answer.
        log("warn", "bot token state unknown", { error: (err as Error).message });
        return;
      }
      if (state) throw new SlackTokenRevokedError(revokedMessage(state));
    },
    async confirm(code, probe) {
      if ((await probe()) !== "revoked") return false;
      await record("token_error", "revoked", code);
      log("error", "Slack bot token does not work: Slack steps fail fast until it does", { error: code, tokenId: await own() });
      return true;
    },
    async retry(probe) {
      if (!(await revoked()) || (await probe()) !== "works") return false;
      await record("token_works", "works", "auth.test passed");
      log("info", "Slack bot token works again", { tokenId: await own() });
      return true;
    },
  };
}

/** The configured bot token's state: null while nothing says it does not work. */
export async function botTokenProblem(env: Env): Promise<{ message: string; state: SlackAppEventRow } | null> {
  const state = await botTokenState(env.DB, await tokenId(loadConfig(env).SLACK_BOT_TOKEN));
  return state?.bot_token === "revoked" ? { message: revokedMessage(state), state } : null;
}

/**
 * Records an installation event (app_uninstalled, tokens_revoked) for the configured bot token;
 * `revoked`: it says the bot token no longer works (else it changes nothing, e.g. only user tokens).
 */
export async function recordInstallationEvent(
  env: Env,
  e: { event: string; revoked: boolean; teamId: string | null; enterpriseId: string | null; detail: string | null },
): Promise<void> {
  await recordAppEvent(env.DB, {
    event: e.event,
    bot_token: e.revoked ? "revoked" : null,
    token_id: await tokenId(loadConfig(env).SLACK_BOT_TOKEN),
    team_id: e.teamId,
    enterprise_id: e.enterpriseId,
    detail: e.detail,
    at: new Date().toISOString(),
  });
}

/** For /api/stats and the dashboard: whether the bot token works, and the app's latest installation events. */
export async function slackAppStatus(env: Env): Promise<{
  botToken: "works" | "revoked";
  problem: string | null;
  since: string | null;
  events: Omit<SlackAppEventRow, "token_id">[];
}> {
  const [problem, events] = await Promise.all([botTokenProblem(env), recentAppEvents(env.DB, 10)]);
  return {
    botToken: problem ? "revoked" : "works",
    problem: problem?.message ?? null,
    since: problem?.state.at ?? null,
    events: events.map(({ token_id: _token, ...e }) => e),
  };
}
