import { describe, expect, it } from "vitest";
import { eventBody, eventually, newUser, postEvent, slackCalls } from "./helpers";

/**
 * Every signed Events API request is answered 200 within Slack's 3 s, whatever its type or shape
 * (Slack retries a non-2xx answer and disables the subscriptions of an app that keeps failing),
 * and an event with an effect acts once even when Slack delivers it again.
 * @see https://docs.slack.dev/apis/events-api/
 */
describe("POST /slack/events", () => {
  it("acks every shape Slack sends, reading only what the service uses", async () => {
    const user = await newUser();
    const bodies: [string, unknown][] = [
      ["user_change (user is an object)", eventBody({ type: "user_change", user: { id: user, name: "alex", profile: { display_name: "Alex" } } })],
      ["team_join (user is an object)", eventBody({ type: "team_join", user: { id: user, deleted: false } })],
      ["app_rate_limited (no envelope)", { token: "x", type: "app_rate_limited", team_id: "T0LOCAL", minute_rate_limited: 1518467820, api_app_id: "A0LOCAL" }],
      ["function_executed", eventBody({ type: "function_executed", function: { callback_id: "create_ticket" }, inputs: {}, function_execution_id: "Fx1" })],
      ["a bot's message", eventBody({ type: "message", subtype: "bot_message", bot_id: "B0OTHER", text: "hi", channel: "D0X", channel_type: "im" })],
      ["an edited message", eventBody({ type: "message", subtype: "message_changed", message: { user, text: "edited" }, channel: "D0X" })],
      ["the Messages tab opened", eventBody({ type: "app_home_opened", user, tab: "messages", channel: "D0X" })],
      ["an event Slack adds later", eventBody({ type: "something_new", detail: [1, 2, 3] })],
      ["a body type Slack adds later", { type: "something_else_new", token: "x" }],
      ["an event_callback without an event", { type: "event_callback", event_id: "Ev0NOEVENT" }],
    ];
    for (const [name, body] of bodies) {
      const started = Date.now();
      const res = await postEvent(body);
      expect(res.status, name).toBe(200);
      expect(await res.text(), name).toBe("");
      expect(Date.now() - started, name).toBeLessThan(3000);
    }
  });

  it("a retried event (same event_id, X-Slack-Retry-Num) repeats no side effect", async () => {
    const user = await newUser();
    const publishes = () => slackCalls((c) => c.method === "views.publish" && c.args.user_id === user);
    const first = eventBody({ type: "app_home_opened", user, tab: "home" }, `Ev${user}A`);
    expect((await postEvent(first)).status).toBe(200);
    await eventually(async () => (await publishes()).length === 1, "the first publish");
    // Slack's retries of the same delivery: nothing happens again.
    expect((await postEvent(first, { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" })).status).toBe(200);
    expect((await postEvent(first, { "x-slack-retry-num": "2", "x-slack-retry-reason": "http_error" })).status).toBe(200);
    // Another event (another event_id) for the same user does act: after its publish, still only two.
    expect((await postEvent(eventBody({ type: "app_home_opened", user, tab: "home" }, `Ev${user}B`))).status).toBe(200);
    await eventually(async () => (await publishes()).length >= 2, "the second event's publish");
    expect(await publishes()).toHaveLength(2);
  });
});
