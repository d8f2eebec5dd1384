import { delegationState } from "../core/delegation";
import { requestsBy, waitingFor } from "../core/store";
import type { Env } from "../env";
import { botClient } from "./bot-client";
import type { SlackClient } from "./client";
import { type HomeNotice, homeView } from "./views";

/** KV key marking that a user has opened the App Home, so changes are worth republishing. */
export const homeKey = (user: string) => `home:${user}`;

/**
 * The answer to a user's last click in their App Home, shown at its top for an hour: a Home-tab
 * click has no response_url, so the Home itself answers, and keeps answering through the
 * refreshes a decision causes.
 */
export const homeNoticeKey = (user: string) => `home-notice:${user}`;
const NOTICE_TTL_SECONDS = 60 * 60;

export async function setHomeNotice(kv: KVNamespace, user: string, text: string, at = new Date()): Promise<void> {
  await kv.put(homeNoticeKey(user), JSON.stringify({ text, at: at.toISOString() }), { expirationTtl: NOTICE_TTL_SECONDS });
}

async function homeNotice(kv: KVNamespace, user: string): Promise<HomeNotice | undefined> {
  const stored = await kv.get<{ text?: unknown; at?: unknown }>(homeNoticeKey(user), "json").catch(() => null);
  if (typeof stored?.text !== "string" || typeof stored.at !== "string") return undefined;
  return { text: stored.text, at: stored.at };
}

/** Publishes a user's App Home from D1: the answer to their last click there, what waits for their decision, and their requests. */
export async function publishHome(db: D1Database, kv: KVNamespace, slack: SlackClient, user: string): Promise<void> {
  const [waiting, mine, notice, delegation] = await Promise.all([
    waitingFor(db, user, 10),
    requestsBy(db, user, 10),
    homeNotice(kv, user),
    delegationState(db, user),
  ]);
  await slack.call("views.publish", { user_id: user, view: homeView(waiting, mine, notice, delegation) });
}

/** Republishes the App Home of those users who use it (others are skipped: no wasted calls). */
export async function refreshHomes(kv: KVNamespace, db: D1Database, slack: SlackClient, users: string[]): Promise<number> {
  let published = 0;
  for (const user of new Set(users)) {
    if (!(await kv.get(homeKey(user)))) continue;
    await publishHome(db, kv, slack, user);
    published++;
  }
  return published;
}

/**
 * A user opened the Home tab: remember it (so workflows refresh it for them, and nobody else) and
 * publish it. The app is installed, then: a bot token known not to work is tried again first
 * (token-guard.ts), and calls work again if it passes.
 */
export async function homeOpened(env: Env, user: string): Promise<void> {
  await env.KV.put(homeKey(user), "1", { expirationTtl: 90 * 86_400 });
  const slack = botClient(env, { timeoutMs: 2500 });
  await slack.retryToken();
  await publishHome(env.DB, env.KV, slack, user);
}
