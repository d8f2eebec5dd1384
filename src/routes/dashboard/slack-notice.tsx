/** @jsxImportSource hono/jsx */
import { env } from "cloudflare:workers";
import type { FC } from "hono/jsx";
import { log } from "../../core/log";
import type { Env } from "../../env";
import { botTokenProblem } from "../../slack/token-guard";

/**
 * A notice at the top of every dashboard page while Slack's bot token does not work (the app was
 * uninstalled, the token revoked): no request can reach anyone until the app is reinstalled. It
 * reads the state itself (the Worker's bindings: the same for every page), so a page shows it
 * with one line; a failure to read it shows nothing rather than no page.
 */
export const SlackNotice: FC = async () => {
  let problem: Awaited<ReturnType<typeof botTokenProblem>>;
  try {
    problem = await botTokenProblem(env as Env);
  } catch (err) {
    log("warn", "Slack notice not shown", { error: (err as Error).message });
    return null;
  }
  if (!problem) return null;
  return (
    <div role="alert" class="slack-notice" style="background:#fde2e2;border:1px solid #e01e5a;border-radius:8px;padding:10px 14px;margin:12px 0;">
      <strong>Slack cannot be reached.</strong> {problem.message}. Until then new requests are refused and Slack steps of waiting requests fail at once.
    </div>
  );
};
