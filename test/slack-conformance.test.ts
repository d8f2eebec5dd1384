/// <reference types="vite/client" />
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { derivedRequestId } from "../src/core/ids";
import { recordAppEvent } from "../src/core/store";
import { tokenId } from "../src/slack/token-guard";
import {
  apiGet,
  approverDm,
  dmOf,
  eventBody,
  eventually,
  messagesIn,
  postEvent,
  postSigned,
  requestJson,
  responsesTo,
  slackCalls,
  standin,
  startRequest,
  waitForStatus,
} from "./helpers";

/**
 * The conformance corpus (test/fixtures/slack/, sources in its README): every request shape Slack
 * sends, as public sources show them, replayed signed through the real routes. Each is answered
 * within Slack's 3 s with no 5xx, with the documented answer, and with its effect where it has one.
 */

interface Fixture {
  kind: "command" | "interaction" | "event" | "ssl_check";
  description: string;
  source: string;
  headers?: Record<string, string>;
  form?: Record<string, string>;
  payload?: Record<string, unknown> & { user?: { id: string }; response_url?: string; trigger_id?: string };
  json?: Record<string, unknown>;
}

const FIXTURES = Object.fromEntries(
  Object.entries(import.meta.glob<Fixture>("./fixtures/slack/*.json", { eager: true, import: "default" })).map(([path, f]) => [
    path.replace(/^.*\//, "").replace(/\.json$/, ""),
    f,
  ]),
);

const REQUESTER = "U0FIXREQ";
const APPROVER = "U0FIXAPPR";
const GRID_USER = "W0FIXGRID";
const SLACKBOT = "Slackbot 1.0 (+https://api.slack.com/robots)";

interface Sent {
  res: Response;
  ms: number;
  /** The path of the response_url the stand-in issued for it, if it had one. */
  hook?: string;
  triggerId?: string;
}

/**
 * Sends one fixture as Slack would: `{{requestId}}` filled in, trigger_id and response_url
 * replaced by ones the stand-in issued, signed (the ssl_check is not), with Slack's headers.
 */
async function send(name: string, requestId = "req-000000000000", edit: (f: Fixture) => void = () => {}): Promise<Sent> {
  const f = FIXTURES[name];
  if (!f) throw new Error(`no fixture ${name}`);
  const fx = JSON.parse(JSON.stringify(f).replaceAll("{{requestId}}", requestId)) as Fixture;
  edit(fx);
  let hook: string | undefined;
  let triggerId: string | undefined;
  let path = "/slack/commands";
  let body: string;
  const headers: Record<string, string> = { "user-agent": SLACKBOT, ...fx.headers };
  if (fx.kind === "event") {
    path = "/slack/events";
    headers["content-type"] = "application/json";
    body = JSON.stringify(fx.json);
  } else if (fx.kind === "interaction") {
    path = "/slack/interactions";
    const p = fx.payload!;
    const user = p.user!.id;
    if (p.response_url) {
      const container = p.container as { channel_id?: string; message_ts?: string } | undefined;
      const channel = (p.channel as { id?: string } | undefined)?.id ?? container?.channel_id ?? "C0FIXCHAN";
      p.response_url = await standin.responseUrl({ user, channel, kind: "actions", messageTs: container?.message_ts });
      hook = new URL(p.response_url).pathname;
    }
    if (p.trigger_id) p.trigger_id = triggerId = await standin.triggerId(user);
    body = new URLSearchParams({ payload: JSON.stringify(p) }).toString();
  } else {
    const form = fx.form!;
    if (form.response_url) {
      form.response_url = await standin.responseUrl({ user: form.user_id!, channel: form.channel_id!, kind: "commands" });
      hook = new URL(form.response_url).pathname;
    }
    if (form.trigger_id) form.trigger_id = triggerId = await standin.triggerId(form.user_id!);
    body = new URLSearchParams(form).toString();
  }
  const started = Date.now();
  const res = await postSigned(
    path,
    body,
    fx.kind === "ssl_check" ? { signature: null, headers: { ...headers, "x-slack-request-timestamp": "" } } : { headers },
  );
  const ms = Date.now() - started;
  // Slack's rule for every one of them: an answer within 3 s, never a server error.
  expect(ms, `${name}: answered within 3 s`).toBeLessThan(3000);
  expect(res.status, `${name}: no server error`).toBeLessThan(500);
  return { res, ms, ...(hook ? { hook } : {}), ...(triggerId ? { triggerId } : {}) };
}

/** Sends a fixture whose documented answer is an empty 200. */
async function acked(name: string, requestId?: string): Promise<Sent> {
  const sent = await send(name, requestId);
  expect(sent.res.status, name).toBe(200);
  expect(await sent.res.text(), name).toBe("");
  return sent;
}

const replyTo = (hook: string) => eventually(async () => (await responsesTo(hook))[0]?.body, "the ephemeral reply");
const publishesTo = (user: string) => slackCalls((c) => c.method === "views.publish" && c.args.user_id === user);
/** The request once its workflow has recorded it. */
const recorded = (id: string) =>
  eventually(async () => {
    const r = await requestJson(id);
    return r.description !== undefined && r;
  }, `request ${id} recorded`);
/** A pending request from the fixtures' requester to `approver`, its DM sent. */
async function pendingFor(approver: string): Promise<string> {
  const id = await startRequest(REQUESTER, approver, "Fixture request");
  await approverDm(approver);
  return id;
}

/** Back to a bot token that works, after a fixture that revoked it. */
async function tokenWorksAgain(): Promise<void> {
  await recordAppEvent(env.DB, {
    event: "token_works",
    bot_token: "works",
    token_id: await tokenId(env.SLACK_BOT_TOKEN!),
    team_id: null,
    enterprise_id: null,
    detail: "test reset",
    at: new Date().toISOString(),
  });
}

const used = new Set<string>();
const replay = (name: string) => {
  used.add(name);
  return name;
};

beforeAll(async () => {
  // The fixtures' people are members of the stand-in's workspace (Slack knows them).
  for (const id of [REQUESTER, APPROVER, "U0FIXOTHER", GRID_USER]) await standin.addUser(id);
});

afterAll(() => {
  // Every fixture in the corpus is replayed by one of the tests below.
  expect([...used].sort()).toEqual(Object.keys(FIXTURES).sort());
});

describe("slash commands and the ssl_check (POST /slack/commands)", () => {
  let escapedId = "";

  it("ssl-check: unsigned, answered 200 with an empty body", async () => {
    await acked(replay("ssl-check"));
  });

  it("command-escaped-text: a request whose description reads as typed in D1 and keeps its mentions and links in Slack", async () => {
    const { res } = await send(replay("command-escaped-text"));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { response_type: string; text: string };
    expect(answer.response_type).toBe("ephemeral");
    escapedId = /`(req-[a-z0-9]{12})` sent to <@U0FIXAPPR>/.exec(answer.text)![1]!;
    const row = await recorded(escapedId);
    expect(row).toMatchObject({ type: "deploy", requester: REQUESTER, approvers: [APPROVER] });
    expect(row.description).toBe(
      "offsite for #approvals & team: budget <5k> (quote https://example.com/quote?id=7&v=2 and the plan (https://example.com/plan)) cc @U0FIXOTHER @finance @here @channel @everyone",
    );
    const dm = await eventually(async () => (await messagesIn(dmOf(APPROVER))).find((m) => JSON.stringify(m.blocks).includes(escapedId)), "the approver's DM");
    const section = dm.blocks.find((b) => b.type === "section")!.text!.text;
    expect(section).toContain(
      ">offsite for <#C0FIXCHAN> &amp; team: budget &lt;5k&gt; (quote <https://example.com/quote?id=7&amp;v=2> and <https://example.com/plan|the plan>) cc <@U0FIXOTHER> @finance @here @channel @everyone",
    );
    expect(section).not.toContain("<!");
    // Named by the command's user_name in the notification text (no users.info call needed).
    expect(dm.text).toContain("approval requested by requester.person");
  });

  it("command-status and command-plain: the request's status and the lists", async () => {
    const { res } = await send(replay("command-status"), escapedId);
    const status = (await res.json()) as { text: string };
    expect(status.text).toContain(`\`${escapedId}\`* (deploy) is *pending*`);
    expect(status.text).toContain(">offsite for <#C0FIXCHAN> &amp; team");
    const list = (await (await send(replay("command-plain"))).res.json()) as { text: string };
    expect(list.text).toMatch(new RegExp(`Your open requests\\* \\(\\d+\\):[\\s\\S]*${escapedId}`));
  });

  it("command-unescaped-text: without Slack's mention the usage is the answer, and nothing starts", async () => {
    const answer = (await (await send(replay("command-unescaped-text"))).res.json()) as { response_type: string; text: string };
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.text).toMatch(/as a mention/);
    expect(answer.text).not.toMatch(/req-/);
  });

  it("command-empty-text: opens the new-request modal with the command's trigger_id", async () => {
    const { triggerId } = await acked(replay("command-empty-text"));
    const opened = await eventually(async () => (await slackCalls((c) => c.method === "views.open" && c.args.trigger_id === triggerId))[0], "views.open");
    expect(opened.result).toBe("ok");
    expect(opened.args.view).toMatchObject({ type: "modal", callback_id: "approval_new" });
  });

  it("command-enterprise-grid: a W… user on an org-wide install starts a request", async () => {
    const answer = (await (await send(replay("command-enterprise-grid"))).res.json()) as { text: string };
    const id = /`(req-[a-z0-9]{12})` sent to <@U0FIXAPPR>/.exec(answer.text)![1]!;
    expect(await recorded(id)).toMatchObject({ requester: GRID_USER, description: "new laptop" });
  });
});

describe("buttons and modals (POST /slack/interactions)", () => {
  it("block-actions-dm-approve: approves a real request", async () => {
    const id = await pendingFor(APPROVER);
    await acked(replay("block-actions-dm-approve"), id);
    expect((await waitForStatus(id, "approved")).decided_by).toBe(APPROVER);
  });

  it("block-actions-dm-reject then view-submission-reject-reason: the reason modal, then a rejection with the reason shown quoted", async () => {
    const id = await pendingFor(APPROVER);
    const { triggerId } = await acked(replay("block-actions-dm-reject"), id);
    const opened = await eventually(async () => (await slackCalls((c) => c.method === "views.open" && c.args.trigger_id === triggerId))[0], "the reason modal");
    expect(opened).toMatchObject({ result: "ok", args: { view: { callback_id: "approval_reject_reason", private_metadata: id } } });
    await acked(replay("view-submission-reject-reason"), id);
    const done = await waitForStatus(id, "rejected");
    expect(done.audit.at(-1)).toMatchObject({ event: "rejected", detail: "Over budget; split it in two & resend.\nThanks!" });
    const dm = (await messagesIn(dmOf(APPROVER))).find((m) => JSON.stringify(m.blocks).includes(id))!;
    expect(JSON.stringify(dm.blocks)).toContain(">Over budget; split it in two &amp; resend.\\n>Thanks!");
  });

  it("block-actions-dm-cancel: the requester cancels", async () => {
    const id = await pendingFor(APPROVER);
    await acked(replay("block-actions-dm-cancel"), id);
    expect((await waitForStatus(id, "cancelled")).decided_by).toBe(REQUESTER);
  });

  it("block-actions-home-tab: approves from the App Home (no response_url) and answers in the Home", async () => {
    const id = await pendingFor(APPROVER);
    await acked(replay("block-actions-home-tab"), id);
    await waitForStatus(id, "approved");
    await eventually(
      async () => (await publishesTo(APPROVER)).some((c) => JSON.stringify(c.args.view).includes(`\`${id}\`: :white_check_mark: Your approval decided`)),
      "the Home's answer",
    );
  });

  it("block-actions-no-container: a minimal click still acts", async () => {
    const id = await pendingFor(APPROVER);
    await acked(replay("block-actions-no-container"), id);
    await waitForStatus(id, "approved");
  });

  it("block-actions-enterprise-grid and view-submission-enterprise-grid: a W… approver with team null decides", async () => {
    const approved = await pendingFor(GRID_USER);
    await acked(replay("block-actions-enterprise-grid"), approved);
    expect((await waitForStatus(approved, "approved")).decided_by).toBe(GRID_USER);
    const rejected = await pendingFor(GRID_USER);
    await acked(replay("view-submission-enterprise-grid"), rejected);
    expect((await waitForStatus(rejected, "rejected")).decided_by).toBe(GRID_USER);
  });

  it("block-actions-unknown-action and block-actions-ephemeral: buttons that are not ours are told 'no longer supported'", async () => {
    for (const name of ["block-actions-unknown-action", "block-actions-ephemeral"]) {
      const { hook } = await acked(replay(name));
      expect((await replyTo(hook!)).text, name).toMatch(/This button is no longer supported/);
    }
  });

  it("view-submission-approval-new: the modal starts a request with its text as typed", async () => {
    const { res } = await send(replay("view-submission-approval-new"));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    const id = await derivedRequestId("view:V0FIXNEW");
    const row = await recorded(id);
    expect(row).toMatchObject({
      type: "deploy",
      requester: REQUESTER,
      description: "Team offsite & dinner for <Q3> planning\nBudget: 4,800 EUR — see https://example.com/plan\nNeeded by: 2099-09-30",
      description_rich: null,
    });
    // Named by the view's user.name in the approver's notification text.
    const dm = await eventually(async () => (await messagesIn(dmOf(APPROVER))).find((m) => JSON.stringify(m.blocks).includes(id)), "the approver's DM");
    expect(dm.text).toContain("approval requested by requester.person");
  });

  it("a view as large as real ones (a static_select of 100 options per block, over 64 KiB form-encoded) is read", async () => {
    const options = Array.from({ length: 100 }, (_, i) => ({ text: { type: "plain_text", text: `Cost centre ${i} — “Ops & Infra”` }, value: `cc-${i}` }));
    const blocks = Array.from({ length: 12 }, (_, i) => ({
      type: "input",
      block_id: `b${i}`,
      label: { type: "plain_text", text: `Pick ${i}` },
      element: { type: "static_select", action_id: `s${i}`, options },
    }));
    const { res } = await send("view-submission-unknown-callback", undefined, (f) => {
      (f.payload!.view as { blocks: unknown[] }).blocks = blocks;
    });
    expect(res.status).toBe(200);
  });

  it("block-suggestion: an empty list of options", async () => {
    const { res } = await send(replay("block-suggestion"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ options: [] });
  });

  it("payloads the service does not use are acked: workflow steps, shortcuts, legacy buttons, other apps' views, closed views", async () => {
    for (const name of [
      "block-actions-workflow-step",
      "shortcut-global",
      "message-action",
      "interactive-message",
      "view-submission-unknown-callback",
      "view-submission-empty-state",
      "view-closed",
      "view-closed-cleared",
    ]) {
      await acked(replay(name));
    }
  });
});

describe("the Events API (POST /slack/events)", () => {
  it("event-url-verification: the challenge", async () => {
    const { res } = await send(replay("event-url-verification"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: (FIXTURES["event-url-verification"]!.json as { challenge: string }).challenge });
  });

  it("the Home tab opened publishes the Home; event-retry-http-timeout (the same event_id) publishes nothing more", async () => {
    const before = (await publishesTo(APPROVER)).length;
    await acked(replay("event-app-home-opened-home"));
    await eventually(async () => (await publishesTo(APPROVER)).length === before + 1, "the Home published");
    await acked(replay("event-retry-http-timeout"));
    // Another delivery (another event_id) does publish: after it, one more, not two.
    expect((await postEvent(eventBody({ type: "app_home_opened", user: APPROVER, tab: "home" }, "Ev0FIXHOMEAGAIN"))).status).toBe(200);
    await eventually(async () => (await publishesTo(APPROVER)).length >= before + 2, "the next delivery's publish");
    expect(await publishesTo(APPROVER)).toHaveLength(before + 2);
  });

  it("event-app-home-opened-home-first-time and event-authorizations-enterprise: each user's Home is published", async () => {
    await acked(replay("event-app-home-opened-home-first-time"));
    await acked(replay("event-authorizations-enterprise"));
    for (const user of [REQUESTER, GRID_USER]) await eventually(async () => (await publishesTo(user)).length > 0, `${user}'s Home`);
  });

  it("events the service does not use are acked", async () => {
    for (const name of [
      "event-app-home-opened-messages",
      "event-app-rate-limited",
      "event-function-executed",
      "event-message-im-user",
      "event-retry-http-error",
      "event-message-im-own-bot",
      "event-message-im-bot-message",
      "event-message-im-changed",
      "event-team-join",
      "event-user-change",
    ]) {
      await acked(replay(name));
    }
  });

  it("event-function-executed-ours starts one request (a replay starts no other), and block-actions-workflow-step-ours decides it", async () => {
    const id = await derivedRequestId("function:Fx0FIXOURS01");
    await acked(replay("event-function-executed-ours"));
    await acked("event-function-executed-ours");
    const row = await recorded(id);
    expect(row).toMatchObject({ requester: REQUESTER, description: "Fixture step request", status: "pending" });
    // The fixture's workflow token is not one Slack (the stand-in) issued: the DM falls back to the bot token.
    await eventually(async () => (await messagesIn(dmOf(APPROVER))).some((m) => JSON.stringify(m.blocks).includes(id)), "the approver's DM");
    expect((await messagesIn(dmOf(APPROVER))).filter((m) => JSON.stringify(m.blocks).includes(id))).toHaveLength(1);
    await acked(replay("block-actions-workflow-step-ours"), id);
    const done = await waitForStatus(id, "approved");
    expect(done.decided_by).toBe(APPROVER);
    // The step is completed once; the stand-in never ran Fx0FIXOURS01, so Slack's answer is that it is not there.
    expect(done.audit).toContainEqual(expect.objectContaining({ event: "step-completed", detail: expect.stringContaining("function_execution_not_found") }));
  });

  it("event-app-uninstalled and event-tokens-revoked: recorded with their workspace, and the bot token counts as not working", async () => {
    type Stats = { slack: { botToken: string; events: { event: string; team_id: string | null; bot_token: string | null }[] } };
    const stats = async () => ((await (await apiGet("/api/stats")).json()) as Stats).slack;
    try {
      await acked(replay("event-app-uninstalled"));
      let slack = await stats();
      expect(slack.botToken).toBe("revoked");
      expect(slack.events[0]).toMatchObject({ event: "app_uninstalled", team_id: "T0FIXTEAM", bot_token: "revoked" });
      await tokenWorksAgain();
      await acked(replay("event-tokens-revoked"));
      slack = await stats();
      expect(slack.botToken).toBe("revoked");
      expect(slack.events[0]).toMatchObject({ event: "tokens_revoked", team_id: "T0FIXTEAM", bot_token: "revoked", detail: "bot: U0FIXBOT; user tokens: 1" });
    } finally {
      await tokenWorksAgain();
    }
  });
});
