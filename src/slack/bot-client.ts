import { loadConfig } from "../config";
import { channelPacer } from "../core/pacer";
import type { Env } from "../env";
import { SlackClient } from "./client";
import { tokenGuard } from "./token-guard";

/**
 * The service's Slack client for its bot token: guarded (calls fail fast while the token is known
 * not to work), paced for workflows (`paced`: about one post a second per channel), with a short
 * timeout for routes that must answer Slack within 3 s.
 */
export function botClient(env: Env, opts: { paced?: boolean; timeoutMs?: number } = {}): SlackClient {
  const config = loadConfig(env);
  return new SlackClient({
    token: config.SLACK_BOT_TOKEN,
    baseUrl: config.SLACK_API_URL,
    guard: tokenGuard(env.DB, config.SLACK_BOT_TOKEN),
    ...(opts.paced ? { pace: channelPacer(env.KV) } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
}

/**
 * A client for one workflow token (xwfp-, a Workflow Builder step's "just in time" token: 15
 * minutes, revoked when the step completes). Never guarded: its expiry says nothing about the bot
 * token, and must not make the service think the bot token was revoked.
 * @see https://docs.slack.dev/authentication/tokens (workflow tokens)
 */
export function workflowTokenClient(env: Env, token: string, opts: { paced?: boolean; timeoutMs?: number } = {}): SlackClient {
  const config = loadConfig(env);
  return new SlackClient({
    token,
    baseUrl: config.SLACK_API_URL,
    ...(opts.paced ? { pace: channelPacer(env.KV) } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
}
