import { requestsBy, waitingFor } from "../core/store";
import type { SlackClient } from "./client";
import { homeView } from "./views";

/** KV key marking that a user has opened the App Home, so changes are worth republishing. */
export const homeKey = (user: string) => `home:${user}`;

/** Publishes a user's App Home from D1: what waits for their decision, and their requests. */
export async function publishHome(db: D1Database, slack: SlackClient, user: string): Promise<void> {
  const [waiting, mine] = await Promise.all([waitingFor(db, user, 10), requestsBy(db, user, 10)]);
  await slack.call("views.publish", { user_id: user, view: homeView(waiting, mine) });
}

/** Republishes the App Home of those users who use it (others are skipped: no wasted calls). */
export async function refreshHomes(kv: KVNamespace, db: D1Database, slack: SlackClient, users: string[]): Promise<number> {
  let published = 0;
  for (const user of new Set(users)) {
    if (!(await kv.get(homeKey(user)))) continue;
    await publishHome(db, slack, user);
    published++;
  }
  return published;
}
