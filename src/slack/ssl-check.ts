import type { MiddlewareHandler } from "hono";
import { log } from "../core/log";
import type { AppEnv } from "../env";

/**
 * Slack's SSL check of a slash command's URL: an unsigned form POST of `token` and `ssl_check=1`
 * and nothing else, to be answered 200 ("Mostly, you may ignore these requests, but please do
 * confirm receipt"). It is answered before the signature check, empty, and acts on nothing; only
 * a body of exactly those fields counts, so a command with `ssl_check=1` added is still verified
 * and handled as the command it is (never skipped, never answered unverified).
 * @see https://docs.slack.dev/interactivity/implementing-slash-commands (quoted in java-slack-sdk bolt/src/main/java/com/slack/api/bolt/middleware/builtin/SSLCheck.java)
 * @see https://github.com/slackapi/bolt-python/blob/a2f21ae/tests/scenario_tests/test_ssl_check.py (test_ssl_check_param_does_not_bypass_request_verification)
 * @see https://github.com/seratch/slack-edge/blob/6bce2c5/src/app.ts ("Slack does not send the x-slack-signature header for this pattern")
 */
export const sslCheck: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === "POST" && c.req.path.endsWith("/commands") && /^application\/x-www-form-urlencoded/i.test(c.req.header("content-type") ?? "")) {
    const form = new URLSearchParams(await c.req.text());
    const fields = [...new Set(form.keys())];
    if (form.get("ssl_check") === "1" && fields.every((k) => k === "ssl_check" || k === "token")) {
      log("info", "Slack ssl_check answered");
      return c.body(null, 200);
    }
  }
  await next();
};
