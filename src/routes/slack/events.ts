import { Hono } from "hono";
import { log } from "../../core/log";
import { firstDelivery, forgetDelivery } from "../../core/store";
import type { AppEnv } from "../../env";
import { homeOpened } from "../../slack/home";
import { recordInstallationEvent } from "../../slack/token-guard";
import { slackEvent } from "../../slack/validators";
import { startFromStep } from "../../workflows/start-from-step";

import type { Ctx } from "./shared";

/** The Events API: url_verification, our Workflow Builder step, the App Home, the installation's events. */
export const eventRoutes = new Hono<AppEnv>();

// ---- Events API

/** Slack's retry headers, for the log: a retry of a delivery Slack thinks failed carries them. */
const retryOf = (c: Ctx) => ({ retryNum: c.req.header("x-slack-retry-num") ?? null, retryReason: c.req.header("x-slack-retry-reason") ?? null });

eventRoutes.post("/events", slackEvent, async (c) => {
  const event = c.req.valid("json");
  const ack = () => c.body(null, 200);
  switch (event.kind) {
    case "url_verification":
      return c.json({ challenge: event.challenge });
    case "ignored":
      log("info", "event acked, not used", { type: event.type, eventType: event.eventType, eventId: event.eventId ?? null, why: event.why, ...retryOf(c) });
      return ack();
    case "app_rate_limited":
      log("warn", "Slack rate-limits the app's events", { teamId: event.teamId, minuteRateLimited: event.minuteRateLimited });
      return ack();
  }
  // An event with an effect acts once: a retry (the same event_id) repeats nothing.
  if (event.eventId && !(await firstDelivery(c.env.DB, event.eventId, event.kind))) {
    log("info", "event already handled", { eventId: event.eventId, kind: event.kind, ...retryOf(c) });
    return ack();
  }
  try {
    switch (event.kind) {
      case "function_executed":
        // Our Workflow Builder step ran: start its request (acked within 3 s; one request per step run).
        await startFromStep(c.env, event, c.executionCtx);
        break;
      case "home_opened": {
        const user = event.user;
        c.executionCtx.waitUntil(homeOpened(c.env, user).catch((err) => log("warn", "home not published", { user, error: (err as Error).message })));
        break;
      }
      case "app_uninstalled":
      case "tokens_revoked": {
        const revoked = event.kind === "app_uninstalled" || event.bot.length > 0;
        const detail = event.kind === "tokens_revoked" ? `bot: ${event.bot.join(", ") || "none"}; user tokens: ${event.oauth.length}` : null;
        await recordInstallationEvent(c.env, { event: event.kind, revoked, teamId: event.teamId, enterpriseId: event.enterpriseId, detail });
        log(
          revoked ? "error" : "warn",
          revoked ? "Slack revoked the bot token: Slack steps fail fast until the app is reinstalled" : "Slack revoked user tokens",
          {
            event: event.kind,
            teamId: event.teamId,
            enterpriseId: event.enterpriseId,
            eventId: event.eventId ?? null,
          },
        );
        break;
      }
    }
  } catch (err) {
    // Not handled: forget the event_id, so Slack's retry (it retries a failed delivery) acts.
    if (event.eventId) await forgetDelivery(c.env.DB, event.eventId).catch(() => undefined);
    throw err;
  }
  return ack();
});
