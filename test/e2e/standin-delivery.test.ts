// What the stand-in sends the app is what Slack sends: slash-command text escaped as for a command
// with should_escape, modal inputs raw, Events API deliveries retried on Slack's schedule with
// Slack's headers, the unsigned ssl_check, any event body on request, and Home-tab clicks without
// channel, message or response_url. Checked against a minimal app (tiny-app.ts) that records them.
import { type EnvelopedEvent, webApi } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type DeliveryRecord, type PageActionAnswer, standinControl } from "../../standin/control.js";
import { startFakeSlack } from "../../standin/server.js";
import { eventually } from "./eventually";
import { getJson, postJson } from "./http";
import { eventEnvelope, type Received, startTinyApp, type TinyAnswer, withPayload } from "./tiny-app";

const SECRET = "delivery-test-secret-0123456789";
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** A stand-in delivering to a tiny app that answers with `answer`. */
async function setUp(answer: (r: Received) => Promise<TinyAnswer> | TinyAnswer = () => ({}), opts: Parameters<typeof startFakeSlack>[0] = {}) {
  const app = await startTinyApp(SECRET, answer);
  cleanup.push(() => app.close());
  const fake = await startFakeSlack({ token: "xoxb-good", serviceUrl: app.url, signingSecret: SECRET, ...opts });
  cleanup.push(() => fake.close());
  const slack = new webApi.WebClient("xoxb-good", { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });
  return { app, fake, slack, control: standinControl(fake.url) };
}

const pagePost = (base: string, path: string, body: unknown) => postJson<PageActionAnswer>(`${base}${path}`, body);
const deliveries = (base: string) => getJson<DeliveryRecord[]>(`${base}/_control/deliveries`);

/**
 * What a Socket Mode app receives on its WebSocket: an Events API envelope, or another message
 * (hello, disconnect, other envelopes) this file does not read.
 * @see https://docs.slack.dev/apis/events-api/using-socket-mode
 */
type SocketMessage =
  | { type: "events_api"; envelope_id: string; payload: EnvelopedEvent; accepts_response_payload: boolean; retry_attempt: number; retry_reason: string }
  | { type: "hello" | "disconnect" | "slash_commands" | "interactive"; envelope_id?: string };
type EventsApiEnvelope = Extract<SocketMessage, { type: "events_api" }>;

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
            blocks: [
              { type: "input", block_id: "what", label: { type: "plain_text", text: "What" }, element: { type: "plain_text_input", action_id: "text" } },
            ],
          },
        });
      }
      return {};
    });
    await pagePost(fake.url, "/_ui/command", { user: "U0REQUESTER", channel: "C0GENERAL", text: "/approval" });
    const view = await eventually(() => (fake.state.modalStacks as Record<string, string[]>).U0REQUESTER?.[0], "the modal");
    const typed = "R&D <v2> @maria https://example.com/?a=1&b=2 @here";
    expect(await pagePost(fake.url, "/_ui/view_submission", { user: "U0REQUESTER", view_id: view, values: { what: { text: typed } } })).toMatchObject({
      ok: true,
    });
    const submitted = withPayload(
      app.received.find((r) => r.payload?.type === "view_submission"),
      "view_submission",
    );
    expect(submitted.payload.view.state.values.what?.text).toEqual({ type: "plain_text_input", value: typed });
  });
});

describe("Events API delivery as Slack's: failures are retried with the same body and Slack's headers", () => {
  it("a non-2xx answer is retried 3 times (X-Slack-Retry-Num 1..3, X-Slack-Retry-Reason http_error), and every attempt is recorded", async () => {
    const { app, fake, control } = await setUp(() => ({ status: 500 }), { eventRetryDelaysMs: [0, 10, 20] });
    const { event_id, delivered, status } = await control.deliverEvent({ type: "app_home_opened", user: "U0APPROVER", channel: "D0APPROVER", tab: "home" });
    expect({ delivered, status }).toEqual({ delivered: false, status: 500 });
    const attempts = await eventually(() => app.received.length === 4 && app.received, "the 3 retries");
    expect(attempts.map((r) => [r.headers["x-slack-retry-num"], r.headers["x-slack-retry-reason"]])).toEqual([
      [undefined, undefined],
      ["1", "http_error"],
      ["2", "http_error"],
      ["3", "http_error"],
    ]);
    expect(new Set(attempts.map((r) => JSON.stringify(r.json))).size).toBe(1);
    expect(attempts.every((r) => r.signatureValid && eventEnvelope(r).event_id === event_id)).toBe(true);
    const records = await eventually(async () => {
      const all = await deliveries(fake.url);
      return all.length === 4 && all.every((d) => d.ok === false) && all;
    }, "4 delivery records");
    expect(records.map((d) => [d.kind, d.retry_num, d.retry_reason, d.status])).toEqual([
      ["event", 0, undefined, 500],
      ["event", 1, "http_error", 500],
      ["event", 2, "http_error", 500],
      ["event", 3, "http_error", 500],
    ]);
  });

  it("X-Slack-No-Retry: 1 on a non-2xx answer stops the retries", async () => {
    const { fake, control } = await setUp(() => ({ status: 503, headers: { "x-slack-no-retry": "1" } }), { eventRetryDelaysMs: [0, 10, 20] });
    await control.deliverEvent({ type: "app_home_opened", user: "U0APPROVER", channel: "D0APPROVER", tab: "home" });
    const [record] = await deliveries(fake.url);
    expect(record).toMatchObject({ kind: "event", status: 503, ok: false, no_retry: true });
    expect(record?.retry_scheduled_in_ms).toBeUndefined();
  });

  it("an answer slower than 3 s is retried with reason http_timeout; a 2xx ends it", async () => {
    let calls = 0;
    const { app, fake, control } = await setUp(async () => {
      if (++calls === 1) await new Promise((r) => setTimeout(r, 3200));
      return { status: 204 };
    });
    const first = await control.deliverEvent({ type: "app_home_opened", user: "U0APPROVER", channel: "D0APPROVER", tab: "home" });
    expect(first).toMatchObject({ delivered: false, error: "operation_timeout" });
    const retry = await eventually(() => app.received[1], "the retry");
    expect(retry.headers).toMatchObject({ "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" });
    expect(eventEnvelope(retry).event_id).toBe(first.event_id);
    const records = await eventually(async () => {
      const all = await deliveries(fake.url);
      return all[1]?.ok !== undefined && all;
    }, "the retry's record");
    expect(records.map((d) => [d.retry_num, d.ok, d.retry_scheduled_in_ms])).toEqual([
      [0, false, 0],
      [1, true, undefined],
    ]);
  });

  it("over Socket Mode an unacked event comes again with retry_attempt and retry_reason in the envelope", async () => {
    const { fake } = await setUp(undefined, { appToken: "xapp-1-retry", eventRetryDelaysMs: [0, 60_000, 300_000] });
    const { url } = await new webApi.WebClient("xapp-1-retry", { slackApiUrl: fake.apiUrl }).apps.connections.open({});
    const ws = new WebSocket(url!);
    cleanup.push(async () => ws.close());
    const envelopes: EventsApiEnvelope[] = [];
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as SocketMessage;
      if (msg.type !== "events_api") return;
      envelopes.push(msg);
      if (envelopes.length > 1) ws.send(JSON.stringify({ envelope_id: msg.envelope_id })); // ack only the retry
    });
    await eventually(() => fake.route().via === "socket", "the socket");
    await standinControl(fake.url).deliverEvent({ type: "app_home_opened", user: "U0APPROVER", channel: "D0APPROVER", tab: "home" });
    const retried = await eventually(() => envelopes[1], "the retried envelope");
    const [first] = envelopes;
    expect([first?.retry_attempt, first?.retry_reason]).toEqual([0, ""]);
    expect([retried.retry_attempt, retried.retry_reason]).toEqual([1, "timeout"]);
    expect(retried.payload.event_id).toBe(first?.payload.event_id);
  });

  it("delivers any Events API body on request, signed (user_change carries a user object)", async () => {
    const { app, control } = await setUp();
    const user = { id: "U0APPROVER", name: "maria", real_name: "Maria Lopez", profile: { display_name: "maria" } };
    expect(await control.deliverEvent({ type: "user_change", user })).toMatchObject({ delivered: true, status: 200 });
    expect(app.received[0]).toMatchObject({
      path: "/slack/events",
      signatureValid: true,
      contentType: "application/json",
      json: { type: "event_callback", event: { type: "user_change", user } },
    });
    expect(
      await control.deliverEventBody({ token: "t", type: "app_rate_limited", team_id: "T0LOCAL", minute_rate_limited: 1518467820, api_app_id: "A0LOCAL" }),
    ).toMatchObject({ delivered: true });
    expect(app.received[1]!.json).toMatchObject({ type: "app_rate_limited" });
  });
});

describe("Slack's ssl_check", () => {
  it("posts token and ssl_check=1 to the command URL, unsigned, and records the answer", async () => {
    const { app, control } = await setUp();
    const delivery = await control.sslCheck();
    const [check] = app.received;
    expect(check!.path).toBe("/slack/commands");
    expect(check!.form).toEqual({ token: expect.any(String), ssl_check: "1" });
    expect(check!.headers["x-slack-signature"]).toBeUndefined();
    expect(check!.headers["x-slack-request-timestamp"]).toBeUndefined();
    // The tiny app refuses unsigned requests, as the service does today: recorded, not fatal.
    expect(delivery).toMatchObject({ kind: "ssl_check", via: "http", status: 401, ok: false });
  });
});

describe("a click in the App Home tab", () => {
  it("is delivered as Slack sends it: container view, the home view, no channel, no message, no response_url", async () => {
    const { app, fake, slack } = await setUp();
    const published = await slack.views.publish({
      user_id: "U0APPROVER",
      view: {
        type: "home",
        blocks: [
          {
            type: "actions",
            block_id: "decision:req-000000000001",
            elements: [
              { type: "button", action_id: "approval_approve", text: { type: "plain_text", text: "Approve" }, value: "req-000000000001", style: "primary" },
            ],
          },
        ],
      },
    });
    const viewId = published.view!.id!;
    expect(
      await pagePost(fake.url, "/_ui/action", { user: "U0APPROVER", view_id: viewId, block_id: "decision:req-000000000001", action_id: "approval_approve" }),
    ).toMatchObject({ ok: true });
    const { payload, signatureValid } = withPayload(app.received[0], "block_actions");
    expect(signatureValid).toBe(true);
    // The keys of Slack's Home-tab click (java-slack-sdk BlockActionPayloadTest.java, jsonWithConfirm).
    expect(Object.keys(payload).sort()).toEqual([
      "actions",
      "api_app_id",
      "container",
      "enterprise",
      "is_enterprise_install",
      "team",
      "token",
      "trigger_id",
      "type",
      "user",
      "view",
    ]);
    expect(payload).toMatchObject({
      type: "block_actions",
      container: { type: "view", view_id: viewId },
      user: { id: "U0APPROVER", name: "maria" },
      view: { id: viewId, type: "home", hash: published.view!.hash },
      actions: [{ action_id: "approval_approve", block_id: "decision:req-000000000001", type: "button", value: "req-000000000001" }],
    });
    // The trigger_id is an issued one: it can open a modal.
    const opened = await slack.views.open({
      trigger_id: payload.trigger_id,
      view: { type: "modal", title: { type: "plain_text", text: "Why?" }, blocks: [{ type: "divider" }] },
    });
    expect(opened.ok).toBe(true);
    // Another view id (an old Home tab) is not there to click.
    expect(
      await pagePost(fake.url, "/_ui/action", { user: "U0APPROVER", view_id: "VOLD", block_id: "decision:req-000000000001", action_id: "approval_approve" }),
    ).toMatchObject({ ok: false, error: "view_not_found" });
  });
});
