// The stand-in answers like the Slack Web API (checked with Slack's own client, @slack/web-api),
// and its page delivers signed requests only for same-origin JSON posts.
import { webApi } from "@slack/bolt";
import { afterEach, describe, expect, inject, it } from "vitest";
import { WebSocket } from "ws";
import type { DeliveryRecord, PageState } from "../../standin/control.js";
import { startFakeSlack } from "../../standin/server.js";
import { getJson } from "./http";
import { startTinyApp } from "./tiny-app";

const stack = inject("stack");
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function standin(opts: Parameters<typeof startFakeSlack>[0] = {}) {
  const fake = await startFakeSlack({ token: "xoxb-good", ...opts });
  cleanup.push(() => fake.close());
  return fake;
}

const client = (apiUrl: string, token = "xoxb-good") =>
  new webApi.WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logLevel: webApi.LogLevel.ERROR });

const pagePost = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("the Web API stand-in, through Slack's own client", () => {
  it("answers the methods the service uses with Slack's shapes", async () => {
    const fake = await standin();
    const slack = client(fake.apiUrl);
    expect(await slack.auth.test()).toMatchObject({ ok: true, team_id: "T0LOCAL", user_id: "U0BOT", bot_id: "B0BOT" });
    const dm = await slack.conversations.open({ users: "U0APPROVER" });
    expect(dm.channel?.id).toBe("D0APPROVER");
    const posted = await slack.chat.postMessage({
      channel: dm.channel!.id!,
      text: "hello",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*hello*" } }],
    });
    expect(posted).toMatchObject({ ok: true, channel: "D0APPROVER", message: { text: "hello" } });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(await slack.chat.update({ channel: "D0APPROVER", ts: posted.ts!, text: "bye" })).toMatchObject({ ok: true, ts: posted.ts, text: "bye" });
    expect((await slack.chat.postEphemeral({ channel: "C0GENERAL", user: "U0REQUESTER", text: "psst" })).message_ts).toMatch(/^\d+\.\d+$/);
    const maria = await slack.users.info({ user: "U0APPROVER" });
    expect(maria.user).toMatchObject({ id: "U0APPROVER", name: "maria", real_name: "Maria Lopez", profile: { display_name: "maria" } });
    const home = await slack.views.publish({
      user_id: "U0APPROVER",
      view: { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: "Your approvals" } }] },
    });
    expect(home.view).toMatchObject({ type: "home", team_id: "T0LOCAL", app_id: "A0LOCAL" });
    expect(home.view?.id).toMatch(/^V[0-9A-F]+$/);
    expect(home.view?.hash).toBeTruthy();
  });

  it("fails like Slack: ok:false errors as platform errors, invalid_auth for a wrong token, 429 with Retry-After", async () => {
    const fake = await standin();
    await expect(client(fake.apiUrl, "xoxb-wrong").auth.test()).rejects.toMatchObject({
      code: webApi.ErrorCode.PlatformError,
      data: { ok: false, error: "invalid_auth" },
    });
    await expect(client(fake.apiUrl).chat.update({ channel: "D0APPROVER", ts: "1.000001", text: "x" })).rejects.toMatchObject({
      data: { error: "message_not_found" },
    });
    await expect(client(fake.apiUrl).users.info({ user: "not-a-user" })).rejects.toMatchObject({ data: { error: "user_not_found" } });
    await expect(
      client(fake.apiUrl).views.update({ view_id: "VNOPE", view: { type: "modal", title: { type: "plain_text", text: "x" }, blocks: [] } }),
    ).rejects.toMatchObject({ data: { error: "not_found" } });

    const fault = await fetch(`${fake.url}/_control/faults`, {
      method: "POST",
      body: JSON.stringify({ method: "chat.postMessage", faults: [{ status: 429, retryAfter: 7 }] }),
    });
    expect(fault.status).toBe(200);
    await expect(client(fake.apiUrl).chat.postMessage({ channel: "C0GENERAL", text: "too fast" })).rejects.toMatchObject({
      code: webApi.ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    // The fault was used up: the next call goes through.
    expect((await client(fake.apiUrl).chat.postMessage({ channel: "C0GENERAL", text: "now" })).ok).toBe(true);
  });

  it("apps.connections.open takes the app-level token only and hands out a one-time WebSocket URL", async () => {
    const fake = await standin({ appToken: "xapp-1-good" });
    await expect(client(fake.apiUrl, "xoxb-good").apps.connections.open({})).rejects.toMatchObject({ data: { error: "not_allowed_token_type" } });
    await expect(client(fake.apiUrl, "xapp-1-wrong").apps.connections.open({})).rejects.toMatchObject({ data: { error: "invalid_auth" } });
    const { url } = await client(fake.apiUrl, "xapp-1-good").apps.connections.open({});
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]{32}&app_id=A0LOCAL$/);
    const first = await openSocket(url!);
    expect(JSON.parse(first.firstMessage)).toMatchObject({ type: "hello", connection_info: { app_id: "A0LOCAL" } });
    first.ws.close();
    // The ticket was used: a second connection with it is refused.
    await expect(openSocket(url!)).rejects.toThrow();
  });
});

async function openSocket(url: string): Promise<{ ws: WebSocket; firstMessage: string }> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once("message", (data) => resolve({ ws, firstMessage: String(data) }));
    ws.once("error", (err) => reject(new Error(`WebSocket refused: ${err.message}`)));
  });
}

describe("the page's actions", () => {
  it("refuse anything but a same-origin JSON post, so no other site can make the stand-in sign for it", async () => {
    const fake = await standin({ serviceUrl: stack.serviceUrl, signingSecret: stack.signingSecret });
    const form = await fetch(`${fake.url}/_ui/command`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "user=U0REQUESTER&text=/approval",
    });
    expect(form.status).toBe(403);
    const crossSite = await pagePost(
      fake.url,
      "/_ui/command",
      { user: "U0REQUESTER", channel: "C0GENERAL", text: "/approval @maria x" },
      { origin: "http://evil.example" },
    );
    expect(crossSite.status).toBe(403);
    expect(await (await fetch(`${fake.url}/_control/deliveries`)).json()).toEqual([]);
  });

  it("a stand-in with the wrong signing secret is refused by the service, and shows Slack's error", async () => {
    const fake = await standin({ serviceUrl: stack.serviceUrl, signingSecret: "not-the-service-secret" });
    const res = await pagePost(fake.url, "/_ui/command", { user: "U0REQUESTER", channel: "C0GENERAL", text: "/approval @maria Deploy" });
    expect(await res.json()).toMatchObject({ ok: false, error: "http_service_error" });
    const [delivery] = await getJson<DeliveryRecord[]>(`${fake.url}/_control/deliveries`);
    expect(delivery).toMatchObject({ kind: "command", via: "http", status: 401, ok: false });
    const state = await getJson<PageState>(`${fake.url}/_ui/state?user=U0REQUESTER`);
    expect(state.items.map((i) => i.text)).toEqual(['/approval failed with the error "http_service_error"']);
  });

  it("an unknown slash command gets Slackbot's answer and is never delivered", async () => {
    const fake = await standin({ serviceUrl: stack.serviceUrl, signingSecret: stack.signingSecret });
    const res = await pagePost(fake.url, "/_ui/command", { user: "U0REQUESTER", channel: "C0GENERAL", text: "/deploy now" });
    expect(await res.json()).toMatchObject({ ok: false, error: "invalid_command" });
    const state = await getJson<PageState>(`${fake.url}/_ui/state?user=U0REQUESTER`);
    expect(state.items[0]).toMatchObject({ kind: "ephemeral", source: "USLACKBOT" });
    expect(state.items[0]?.text).toContain("`/deploy` is not a valid command");
    expect(await (await fetch(`${fake.url}/_control/deliveries`)).json()).toEqual([]);
  });

  it("an issued response_url works 5 times, as Slack's does; the 6th post is refused (404 used_url) and shows nothing", async () => {
    const secret = "tiny-app-secret-0123456789";
    const app = await startTinyApp(secret, () => ({}));
    cleanup.push(() => app.close());
    const fake = await standin({ serviceUrl: app.url, signingSecret: secret });
    await pagePost(fake.url, "/_ui/command", { user: "U0REQUESTER", channel: "C0GENERAL", text: "/approval list" });
    const hook = app.received[0]!.form.response_url!;
    const answers = [];
    for (let i = 1; i <= 6; i++) {
      const res = await fetch(hook, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: `answer ${i}` }) });
      answers.push(`${res.status} ${await res.text()}`);
    }
    expect(answers).toEqual(["200 ok", "200 ok", "200 ok", "200 ok", "200 ok", "404 used_url"]);
    const state = await getJson<PageState>(`${fake.url}/_ui/state?user=U0REQUESTER`);
    expect(state.items.filter((i) => i.kind === "ephemeral").map((i) => i.text)).toEqual(["answer 1", "answer 2", "answer 3", "answer 4", "answer 5"]);
  });

  it("signs every kind of delivery like Slack: command form, interaction payload form, event JSON", async () => {
    const secret = "tiny-app-secret-0123456789";
    // biome-ignore lint/style/useConst: the app below needs the stand-in's URL in its answers, and the stand-in needs the app's
    let fake: Awaited<ReturnType<typeof standin>>;
    const app = await startTinyApp(secret, (r) => {
      if (r.path === "/slack/commands") {
        return {
          body: {
            response_type: "in_channel",
            blocks: [
              {
                type: "section",
                text: { type: "mrkdwn", text: `Hello <@${r.form.user_id}>` },
                accessory: { type: "button", action_id: "wave", text: { type: "plain_text", text: "Wave" }, value: "w1" },
              },
            ],
          },
        };
      }
      return {};
    });
    cleanup.push(() => app.close());
    fake = await standin({ serviceUrl: app.url, signingSecret: secret });

    await pagePost(fake.url, "/_ui/command", { user: "U0REQUESTER", channel: "C0GENERAL", text: "/approval @maria hi #general" });
    const command = app.received[0]!;
    expect(command).toMatchObject({ path: "/slack/commands", signatureValid: true, contentType: "application/x-www-form-urlencoded" });
    // Typed mentions arrive escaped, as Slack sends them for commands with escaping on.
    expect(command.form).toMatchObject({
      command: "/approval",
      user_id: "U0REQUESTER",
      user_name: "alex",
      channel_id: "C0GENERAL",
      text: "<@U0APPROVER|maria> hi <#C0GENERAL|general>",
    });
    expect(command.form.response_url).toMatch(new RegExp(`^${fake.url}/hooks/commands/`));

    // in_channel answer: a message in #general, whose button can be clicked.
    const state = await getJson<PageState>(`${fake.url}/_ui/state?user=U0ESCALATE`);
    const posted = state.items.find((i) => i.channel === "C0GENERAL" && i.kind === "message");
    if (!posted) throw new Error("the in_channel answer is not in #general");
    const [block] = posted.blocks;
    expect(block).toMatchObject({ accessory: { action_id: "wave" } });
    await pagePost(fake.url, "/_ui/action", {
      user: "U0ESCALATE",
      channel: "C0GENERAL",
      ts: posted.ts,
      block_id: block?.block_id,
      action_id: "wave",
    });
    const click = app.received[1]!;
    expect(click).toMatchObject({ path: "/slack/interactions", signatureValid: true });
    expect(click.payload).toMatchObject({
      type: "block_actions",
      user: { id: "U0ESCALATE", username: "sam" },
      container: { type: "message", channel_id: "C0GENERAL", message_ts: posted.ts },
      actions: [{ action_id: "wave", type: "button", value: "w1" }],
    });

    // A message in the app's DM is a message.im event (JSON body).
    await pagePost(fake.url, "/_ui/message", { user: "U0ESCALATE", channel: "D0ESCALATE", text: "hello app" });
    const event = app.received[2]!;
    expect(event).toMatchObject({ path: "/slack/events", signatureValid: true, contentType: "application/json" });
    expect(event.json).toMatchObject({ type: "event_callback", event: { type: "message", channel_type: "im", user: "U0ESCALATE", text: "hello app" } });
  });
});
