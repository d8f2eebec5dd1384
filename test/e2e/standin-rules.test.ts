// The stand-in refuses what Slack refuses, and answers as Slack does (checked through Slack's own
// client, @slack/web-api): Block Kit and view limits, trigger_ids, response_urls, scopes and the
// workspace's members. Each rule's Slack reference is in standin/README.md and beside its code.
import { webApi } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { standinControl } from "../../standin/control.js";
import { startFakeSlack } from "../../standin/server.js";

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

const plain = (text: string) => ({ type: "plain_text" as const, text });
const mrkdwn = (text: string) => ({ type: "mrkdwn" as const, text });
const section = (text: string) => ({ type: "section", text: mrkdwn(text) });
const button = (over: Record<string, unknown> = {}) => ({ type: "button", action_id: "go", text: plain("Go"), value: "v", ...over });
const actions = (...elements: object[]) => ({ type: "actions", elements });

/** Slack's JSON answer to a refused call; invalid_blocks lists its errors too. */
type Refusal = webApi.WebAPIPlatformError["data"] & { errors?: string[] };

/** The rejection Slack's client raises for a refused call (a platform error): its data is Slack's JSON answer. */
async function refusal(call: Promise<unknown>): Promise<Refusal> {
  try {
    await call;
  } catch (err) {
    if (err instanceof webApi.WebAPIPlatformError) return err.data;
    throw err;
  }
  throw new Error("the call was accepted");
}

describe("Block Kit in messages: invalid_blocks, with Slack's errors and response_metadata.messages", () => {
  const cases: [string, object[], string][] = [
    ["51 blocks (at most 50 per message)", Array.from({ length: 51 }, () => ({ type: "divider" })), "/blocks"],
    ["section text over 3000", [section("x".repeat(3001))], "/blocks/0/text/text"],
    ["a section with neither text nor fields", [{ type: "section" }], "/blocks/0/type"],
    ["11 section fields", [{ type: "section", fields: Array.from({ length: 11 }, () => mrkdwn("f")) }], "/blocks/0/fields"],
    ["a section field over 2000", [{ type: "section", fields: [mrkdwn("f".repeat(2001))] }], "/blocks/0/fields/0/text"],
    ["a mrkdwn header", [{ type: "header", text: mrkdwn("Hi") }], "/blocks/0/text/type"],
    ["a header over 150", [{ type: "header", text: plain("h".repeat(151)) }], "/blocks/0/text/text"],
    ["11 context elements", [{ type: "context", elements: Array.from({ length: 11 }, () => mrkdwn("c")) }], "/blocks/0/elements"],
    ["26 actions elements", [actions(...Array.from({ length: 26 }, (_, i) => button({ action_id: `b${i}` })))], "/blocks/0/elements"],
    ["button text over 75", [actions(button({ text: plain("b".repeat(76)) }))], "/blocks/0/elements/0/text/text"],
    ["button value over 2000", [actions(button({ value: "v".repeat(2001) }))], "/blocks/0/elements/0/value"],
    [
      "an option's text over 75",
      [actions({ type: "static_select", action_id: "s", options: [{ text: plain("o".repeat(76)), value: "o" }] })],
      "/blocks/0/elements/0/options/0/text/text",
    ],
    [
      "an option's value over 150",
      [actions({ type: "static_select", action_id: "s", options: [{ text: plain("o"), value: "o".repeat(151) }] })],
      "/blocks/0/elements/0/options/0/value",
    ],
    [
      "a confirm dialog's title over 100",
      [actions(button({ confirm: { title: plain("t".repeat(101)), text: mrkdwn("Sure?"), confirm: plain("Yes"), deny: plain("No") } }))],
      "/blocks/0/elements/0/confirm/title/text",
    ],
    [
      "a confirm dialog without deny",
      [actions(button({ confirm: { title: plain("T"), text: mrkdwn("Sure?"), confirm: plain("Yes") } }))],
      "/blocks/0/elements/0/confirm/deny",
    ],
    ["a block_id over 255", [{ ...section("s"), block_id: "b".repeat(256) }], "/blocks/0/block_id"],
    ["an action_id over 255", [actions(button({ action_id: "a".repeat(256) }))], "/blocks/0/elements/0/action_id"],
    [
      "a duplicate block_id",
      [
        { ...section("one"), block_id: "same" },
        { ...section("two"), block_id: "same" },
      ],
      "/blocks/1/block_id",
    ],
    ["a duplicate action_id in one block", [actions(button(), button())], "/blocks/0/elements/1/action_id"],
    ["an unknown block type", [{ type: "sections", text: mrkdwn("x") }], "/blocks/0/type"],
  ];
  for (const [what, blocks, pointer] of cases) {
    it(`refuses ${what}`, async () => {
      const fake = await standin();
      const data = await refusal(client(fake.apiUrl).chat.postMessage({ channel: "C0GENERAL", text: "x", blocks: blocks as never }));
      expect(data).toMatchObject({ ok: false, error: "invalid_blocks" });
      expect(data.errors).toEqual([expect.stringContaining(`[json-pointer:${pointer}]`)]);
      expect(data.response_metadata!.messages).toEqual(data.errors!.map((e) => `[ERROR] ${e}`));
      expect(fake.state.messages).toEqual([]);
    });
  }

  it("chat.update and chat.postEphemeral refuse the same, and blocks at the limits pass", async () => {
    const fake = await standin();
    const slack = client(fake.apiUrl);
    const atLimits = [
      { type: "header", text: plain("h".repeat(150)) },
      { ...section("s".repeat(3000)), block_id: "b".repeat(255) },
      actions(...Array.from({ length: 25 }, (_, i) => button({ action_id: `b${i}`, text: plain("t".repeat(75)), value: "v".repeat(2000) }))),
      ...Array.from({ length: 47 }, () => ({ type: "divider" })),
    ];
    const posted = await slack.chat.postMessage({ channel: "C0GENERAL", text: "x", blocks: atLimits as never });
    expect(posted.ok).toBe(true);
    const tooLong = [section("x".repeat(3001))];
    expect(await refusal(slack.chat.update({ channel: "C0GENERAL", ts: posted.ts!, text: "y", blocks: tooLong as never }))).toMatchObject({
      error: "invalid_blocks",
    });
    expect(await refusal(slack.chat.postEphemeral({ channel: "C0GENERAL", user: "U0REQUESTER", text: "y", blocks: tooLong as never }))).toMatchObject({
      error: "invalid_blocks",
    });
    expect(await refusal(slack.chat.postMessage({ channel: "C0GENERAL", text: "x", blocks: "not json" as never }))).toMatchObject({
      error: "invalid_blocks_format",
    });
  });
});

describe("views: invalid_arguments with response_metadata.messages", () => {
  const modal = (over: Record<string, unknown> = {}) => ({ type: "modal", title: plain("Title"), blocks: [section("hi")], ...over });
  const input = { type: "input", block_id: "i", label: plain("Label"), element: { type: "plain_text_input", action_id: "i" } };
  const cases: [string, Record<string, unknown>, string][] = [
    ["a title over 24", modal({ title: plain("t".repeat(25)) }), "/view/title/text"],
    ["a submit over 24", modal({ submit: plain("s".repeat(25)) }), "/view/submit/text"],
    ["a close over 24", modal({ close: plain("c".repeat(25)) }), "/view/close/text"],
    ["101 blocks", modal({ blocks: Array.from({ length: 101 }, () => ({ type: "divider" })) }), "/view/blocks"],
    ["a callback_id over 255", modal({ callback_id: "c".repeat(256) }), "/view/callback_id"],
    ["private_metadata over 3000", modal({ private_metadata: "p".repeat(3001) }), "/view/private_metadata"],
    ["a mrkdwn input label", modal({ submit: plain("Send"), blocks: [{ ...input, label: mrkdwn("Label") }] }), "/view/blocks/0/label/type"],
    ["input blocks without submit", modal({ blocks: [input] }), "/view/submit"],
    ["a duplicate block_id", modal({ submit: plain("Send"), blocks: [input, input] }), "/view/blocks/1/block_id"],
    ["a mrkdwn title", modal({ title: mrkdwn("Title") }), "/view/title/type"],
  ];
  for (const [what, view, pointer] of cases) {
    it(`views.open refuses ${what} (and the trigger_id stays usable)`, async () => {
      const fake = await standin();
      const slack = client(fake.apiUrl);
      const trigger = fake.issueTriggerId("U0REQUESTER");
      const data = await refusal(slack.views.open({ trigger_id: trigger, view: view as never }));
      expect(data).toMatchObject({ ok: false, error: "invalid_arguments" });
      expect(data.errors).toBeUndefined();
      expect(data.response_metadata!.messages).toContainEqual(expect.stringMatching(new RegExp(`^\\[ERROR\\] .* \\[json-pointer:${pointer}\\]$`)));
      expect((await slack.views.open({ trigger_id: trigger, view: modal() as never })).ok).toBe(true);
    });
  }

  it("views.update, views.push and views.publish check views too; publish takes type home for a member only", async () => {
    const fake = await standin();
    const slack = client(fake.apiUrl);
    const opened = await slack.views.open({ trigger_id: fake.issueTriggerId("U0REQUESTER"), view: modal() as never });
    const longTitle = modal({ title: plain("t".repeat(25)) }) as never;
    expect(await refusal(slack.views.update({ view_id: opened.view!.id!, view: longTitle }))).toMatchObject({ error: "invalid_arguments" });
    expect(await refusal(slack.views.push({ trigger_id: fake.issueTriggerId("U0REQUESTER"), view: longTitle }))).toMatchObject({ error: "invalid_arguments" });
    const home = { type: "home", blocks: Array.from({ length: 100 }, () => ({ type: "divider" })) };
    expect((await slack.views.publish({ user_id: "U0APPROVER", view: home as never })).ok).toBe(true);
    expect(
      await refusal(slack.views.publish({ user_id: "U0APPROVER", view: { ...home, blocks: [...home.blocks, { type: "divider" }] } as never })),
    ).toMatchObject({ error: "invalid_arguments" });
    expect(await refusal(slack.views.publish({ user_id: "U0APPROVER", view: modal() as never }))).toMatchObject({ error: "invalid_arguments" });
    expect(await refusal(slack.views.publish({ user_id: "U0NOBODY", view: home as never }))).toMatchObject({
      error: "invalid_arguments",
      response_metadata: { messages: ["invalid `user_id`"] },
    });
  });
});

describe("trigger_ids: only issued ones, once, within 3 s", () => {
  const view = { type: "modal", title: plain("Title"), blocks: [section("hi")] } as never;

  it("refuses one it never issued, one used before, and one older than 3 s", async () => {
    let now = Date.now();
    const fake = await standin({ now: () => now });
    const control = standinControl(fake.url);
    const slack = client(fake.apiUrl);
    expect(await refusal(slack.views.open({ trigger_id: "1234567890.123.abcdef", view }))).toMatchObject({ error: "invalid_trigger_id" });

    const trigger = await control.triggerId("U0REQUESTER");
    expect(trigger).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    expect((await slack.views.open({ trigger_id: trigger, view })).ok).toBe(true);
    expect(await refusal(slack.views.open({ trigger_id: trigger, view }))).toMatchObject({ error: "exchanged_trigger_id" });

    const late = await control.triggerId("U0REQUESTER");
    now += 3001;
    expect(await refusal(slack.views.open({ trigger_id: late, view }))).toMatchObject({ error: "expired_trigger_id" });
  });
});

describe("response_urls: only issued ones, 5 posts within 30 minutes, messages Slack would take", () => {
  it("refuses one it never issued, a body without text, invalid blocks, a 6th post and a post after 30 minutes", async () => {
    let now = Date.now();
    const fake = await standin({ now: () => now });
    const control = standinControl(fake.url);
    const post = async (url: string, body: unknown) => {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return `${res.status} ${await res.text()}`;
    };
    expect(await post(`${fake.url}/hooks/commands/T0LOCAL/1/made-up`, { text: "hi" })).toBe("404 no_service");

    const hook = await control.responseUrl({ user: "U0REQUESTER", channel: "C0GENERAL" });
    expect(hook).toMatch(new RegExp(`^${fake.url}/hooks/commands/`));
    expect(await post(hook, { response_type: "ephemeral" })).toBe("400 no_text");
    expect(await post(hook, { text: "x", blocks: [section("x".repeat(3001))] })).toBe("400 invalid_blocks");
    const answers = [];
    for (let i = 1; i <= 6; i++) answers.push(await post(hook, { text: `answer ${i}` }));
    expect(answers).toEqual(["200 ok", "200 ok", "200 ok", "200 ok", "200 ok", "404 used_url"]);

    const later = await control.responseUrl({ user: "U0REQUESTER", channel: "C0GENERAL" });
    now += 30 * 60 * 1000 + 1;
    expect(await post(later, { text: "too late" })).toBe("404 expired_url");
    expect(fake.state.ephemerals.map((e: { text: string }) => e.text)).toEqual(["answer 1", "answer 2", "answer 3", "answer 4", "answer 5"]);
  });
});

describe("scopes: the bot token has the manifest's; a token without one gets missing_scope", () => {
  it("answers conversations.history with the manifest's scopes, and missing_scope with needed/provided without im:history", async () => {
    const fake = await standin();
    const slack = client(fake.apiUrl);
    expect((await slack.conversations.history({ channel: "D0APPROVER" })).ok).toBe(true);

    await standinControl(fake.url).addToken("xoxb-no-history", ["commands", "chat:write", "im:write", "users:read"]);
    const data = await refusal(client(fake.apiUrl, "xoxb-no-history").conversations.history({ channel: "D0APPROVER" }));
    expect(data).toMatchObject({ ok: false, error: "missing_scope", needed: "im:history", provided: "commands,chat:write,im:write,users:read" });
    expect(await refusal(client(fake.apiUrl, "xoxb-no-history").conversations.history({ channel: "C0GENERAL" }))).toMatchObject({
      error: "missing_scope",
      needed: "channels:history",
    });
  });
});

describe("members: DMs and lookups of users the workspace does not know fail as in Slack", () => {
  it("channel_not_found / user_not_found for a stranger, until the test makes them a member", async () => {
    const fake = await standin();
    const slack = client(fake.apiUrl);
    expect(await refusal(slack.chat.postMessage({ channel: "U0STRANGER", text: "hi" }))).toMatchObject({ error: "channel_not_found" });
    expect(await refusal(slack.chat.postMessage({ channel: "D0STRANGER", text: "hi" }))).toMatchObject({ error: "channel_not_found" });
    expect(await refusal(slack.conversations.open({ users: "U0STRANGER" }))).toMatchObject({ error: "user_not_found" });
    expect(await refusal(slack.users.info({ user: "U0STRANGER" }))).toMatchObject({ error: "user_not_found" });
    expect(await refusal(slack.chat.postMessage({ channel: "C0NOWHERE", text: "hi" }))).toMatchObject({ error: "channel_not_found" });

    await standinControl(fake.url).addUser("U0STRANGER", { name: "stranger" });
    expect(await slack.chat.postMessage({ channel: "U0STRANGER", text: "hi" })).toMatchObject({ ok: true, channel: "D0STRANGER" });
    expect((await slack.conversations.open({ users: "U0STRANGER" })).channel?.id).toBe("D0STRANGER");
    expect((await slack.users.info({ user: "U0STRANGER" })).user).toMatchObject({ id: "U0STRANGER", name: "stranger" });
    // chat.update wants the DM's id, not the user's.
    const posted = await slack.chat.postMessage({ channel: "U0STRANGER", text: "hi" });
    expect(await refusal(slack.chat.update({ channel: "U0STRANGER", ts: posted.ts!, text: "bye" }))).toMatchObject({ error: "channel_not_found" });
    expect((await slack.chat.update({ channel: "D0STRANGER", ts: posted.ts!, text: "bye" })).ok).toBe(true);
  });
});
