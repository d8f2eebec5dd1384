// What the stand-in sends the app is what Slack sends: slash-command text escaped as for a command
// with should_escape, modal inputs raw. Checked against a minimal app (tiny-app.ts) that records them.
import { webApi } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeSlack } from "../../standin/server.js";
import { startTinyApp, type Received } from "./tiny-app";

const SECRET = "delivery-test-secret-0123456789";
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** A stand-in delivering to a tiny app that answers with `answer`. */
async function setUp(answer: (r: Received) => Promise<{ status?: number; body?: unknown }> | { status?: number; body?: unknown } = () => ({}), opts: Parameters<typeof startFakeSlack>[0] = {}) {
  const app = await startTinyApp(SECRET, answer);
  cleanup.push(() => app.close());
  const fake = await startFakeSlack({ token: "xoxb-good", serviceUrl: app.url, signingSecret: SECRET, ...opts });
  cleanup.push(() => fake.close());
  const slack = new webApi.WebClient("xoxb-good", { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });
  return { app, fake, slack };
}

const pagePost = async (base: string, path: string, body: unknown): Promise<any> =>
  (await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();

async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("slash-command text, escaped as Slack escapes it for a command with should_escape", () => {
  it("entity-escapes & < > first, then makes Slack's tokens for URLs, broadcasts, known people, user groups and channels", async () => {
    const { app, fake } = await setUp();
    const typed = "@maria R&D <v2> see https://example.com/q?a=1&b=2. @here @channel @everyone cc @oncall in #general; @nobody #nowhere <@U0BOSS>";
    const sent = await pagePost(fake.url, "/_ui/command", { user: "U0REQUESTER", channel: "C0GENERAL", text: `/approval ${typed}` });
    expect(sent).toMatchObject({ ok: true });
    expect(app.received[0]!.form.text).toBe(
      "<@U0APPROVER|maria> R&amp;D &lt;v2&gt; see <https://example.com/q?a=1&amp;b=2>. <!here> <!channel> <!everyone> cc <!subteam^S0ONCALL|@oncall> in <#C0GENERAL|general>; @nobody #nowhere &lt;@U0BOSS&gt;",
    );
  });

  it("a modal's inputs arrive raw, as typed", async () => {
    const { app, fake, slack } = await setUp(async (r) => {
      if (r.path === "/slack/commands") {
        await slack.views.open({
          trigger_id: r.form.trigger_id!,
          view: {
            type: "modal",
            title: { type: "plain_text", text: "New" },
            submit: { type: "plain_text", text: "Send" },
            blocks: [{ type: "input", block_id: "what", label: { type: "plain_text", text: "What" }, element: { type: "plain_text_input", action_id: "text" } }],
          },
        });
      }
      return {};
    });
    await pagePost(fake.url, "/_ui/command", { user: "U0REQUESTER", channel: "C0GENERAL", text: "/approval" });
    const view = await eventually(() => (fake.state.modalStacks as Record<string, string[]>).U0REQUESTER?.[0], "the modal");
    const typed = "R&D <v2> @maria https://example.com/?a=1&b=2 @here";
    expect(await pagePost(fake.url, "/_ui/view_submission", { user: "U0REQUESTER", view_id: view, values: { what: { text: typed } } })).toMatchObject({ ok: true });
    const submitted = app.received.find((r) => r.payload?.type === "view_submission")!;
    expect(submitted.payload.view.state.values.what.text).toEqual({ type: "plain_text_input", value: typed });
  });
});
