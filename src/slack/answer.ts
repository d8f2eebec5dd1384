import { loadConfig } from "../config";
import { log } from "../core/log";
import type { Env } from "../env";
import { botClient } from "./bot-client";
import { publishHome, setHomeNotice } from "./home";
import type { ReplyTarget } from "./interactions";
import { respondEphemeral } from "./respond";

/**
 * Answers the person who clicked, where Slack lets an app: ephemerally through the click's
 * response_url; for a Home-tab click (no channel, no response_url) by republishing their Home with
 * the answer at the top (views.publish), which shows where they clicked and notifies nobody (a DM
 * would ping them for every refusal or vote); for a click with neither (a modal), only the log.
 * @see https://docs.slack.dev/interactivity/handling-user-interaction (response_url)
 * @see https://docs.slack.dev/reference/methods/views.publish
 * @see https://docs.slack.dev/surfaces/app-home
 */
export async function answerPerson(env: Env, to: ReplyTarget, body: { text: string }, requestId?: string): Promise<void> {
  switch (to.via) {
    case "response_url":
      return respondEphemeral(to.url, loadConfig(env).SLACK_API_URL, body);
    case "home":
      await setHomeNotice(env.KV, to.user, requestId ? `\`${requestId}\`: ${body.text}` : body.text);
      await publishHome(env.DB, env.KV, botClient(env, { timeoutMs: 2500 }), to.user);
      return;
    case "ephemeral":
      // A Workflow Builder step's message has no response_url; an ephemeral message in its conversation says the same.
      // @see https://docs.slack.dev/reference/methods/chat.postEphemeral
      await botClient(env, { timeoutMs: 2500 }).call("chat.postEphemeral", { channel: to.channel, user: to.user, text: body.text });
      return;
    case "none":
      log("info", "click answered in the log only (no response_url, not the Home tab)", requestId ? { requestId } : {});
  }
}
