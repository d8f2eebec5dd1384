import { log } from "../core/log";

/**
 * Posts an ephemeral reply to an interaction's response_url after the route has acked.
 * The URL came in a signed payload, but we still only post to Slack's hooks host (or the
 * configured Slack API's origin, for the local stand-in), never to an arbitrary address.
 * @see https://docs.slack.dev/interactivity/handling-user-interaction (response_url: up to 5 responses within 30 minutes)
 * @see https://docs.slack.dev/interactivity/implementing-slash-commands (response_url is https://hooks.slack.com/commands/…)
 */
export async function respondEphemeral(responseUrl: string | undefined, slackApiUrl: string, body: { text: string }): Promise<void> {
  if (!responseUrl) return;
  const url = new URL(responseUrl);
  const allowed = url.origin === "https://hooks.slack.com" || url.origin === new URL(slackApiUrl).origin;
  if (!allowed) {
    log("warn", "response_url refused", { host: url.host });
    return;
  }
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ response_type: "ephemeral", replace_original: false, ...body }),
      signal: AbortSignal.timeout(5000),
    });
    await res.body?.cancel();
    if (!res.ok) log("warn", "response_url post failed", { status: res.status });
  } catch (err) {
    log("warn", "response_url post failed", { error: (err as Error).name });
  }
}
