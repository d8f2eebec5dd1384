import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { derivedRequestId } from "../src/core/ids";
import { recordAppEvent } from "../src/core/store";
import { tokenId } from "../src/slack/token-guard";
import {
  apiGet,
  approverDm,
  click,
  eventBody,
  eventually,
  injectFaults,
  newUser,
  postEvent,
  postTo,
  requestJson,
  type SlackCall,
  slackCalls,
  slashCommand,
  startRequest,
  submitView,
  waitForStatus,
} from "./helpers";

/**
 * When Slack stops taking the bot token (the app uninstalled, the token revoked, a call's token
 * error confirmed by auth.test), it is recorded, shown in /api/stats and on the dashboard, and
 * Slack steps fail at once with a clear status instead of asking Slack again. This file's
 * storage is its own, so the state it sets does not reach other files; each test starts with a
 * token that works.
 */

interface SlackStatus {
  botToken: "works" | "revoked";
  problem: string | null;
  events: { event: string; bot_token: string | null; team_id: string | null; detail: string | null }[];
}
const slackStatus = async () => ((await (await apiGet("/api/stats")).json()) as { slack: SlackStatus }).slack;

/** Every Web API call since `seq` concerning these users, and every auth.test. */
const callsSince = async (seq: number, ...users: string[]) =>
  (await slackCalls((c) => c.seq > seq && (c.method === "auth.test" || users.some((u) => JSON.stringify(c.args).includes(u.slice(1)))))).map(
    (c: SlackCall) => `${c.method} ${c.result}`,
  );
const lastSeq = async () => (await slackCalls()).at(-1)?.seq ?? 0;

afterEach(async () => {
  // Back to a token that works, for the next test (as auth.test passing would record it).
  await recordAppEvent(env.DB, {
    event: "token_works",
    bot_token: "works",
    token_id: await tokenId(env.SLACK_BOT_TOKEN!),
    team_id: null,
    enterprise_id: null,
    detail: "test reset",
    at: new Date().toISOString(),
  });
});

describe("the bot token stops working", () => {
  it("a token error that auth.test confirms: the request fails at once with a clear status, and Slack is asked nothing more", async () => {
    const requester = await newUser();
    const approver = await newUser();
    await injectFaults("chat.postMessage", postTo(approver), [{ error: "invalid_auth" }]);
    await injectFaults("auth.test", "", [{ error: "invalid_auth" }]);
    const since = await lastSeq();
    const id = await startRequest(requester, approver);
    const failed = await waitForStatus(id, "failed");
    expect(failed.error).toMatch(/chat\.postMessage failed: invalid_auth; the bot token does not work: reinstall the app and set SLACK_BOT_TOKEN/);
    // The DM, the check that the token itself fails, and nothing after: the requester's failure DM fails fast.
    expect(await callsSince(since, requester, approver)).toEqual(["chat.postMessage invalid_auth", "auth.test invalid_auth"]);

    const status = await slackStatus();
    expect(status).toMatchObject({ botToken: "revoked", problem: expect.stringMatching(/Slack answered invalid_auth/) });
    expect(status.events[0]).toMatchObject({ event: "token_error", bot_token: "revoked", detail: "invalid_auth" });
    // A new request is refused with the reason, and nothing starts.
    const refused = await slashCommand(await newUser(), `<@${await newUser()}> Deploy`);
    expect(refused.body.text).toMatch(/Approvals cannot reach Slack just now\. Slack's bot token does not work \(Slack answered invalid_auth/);
    expect(refused.body.text).not.toMatch(/req-/);
  });

  it("app_uninstalled: recorded once, shown in /api/stats and on the dashboard; waiting requests' Slack steps fail at once", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startRequest(requester, approver);
    await approverDm(approver);

    const uninstalled = eventBody({ type: "app_uninstalled" }, "Ev0UNINSTALLED1");
    expect((await postEvent(uninstalled)).status).toBe(200);
    // Slack's retry of the same delivery records nothing twice.
    expect((await postEvent(uninstalled, { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" })).status).toBe(200);
    const status = await slackStatus();
    expect(status.botToken).toBe("revoked");
    expect(status.events.filter((e) => e.event === "app_uninstalled")).toEqual([
      expect.objectContaining({ event: "app_uninstalled", bot_token: "revoked", team_id: "T0LOCAL" }),
    ]);
    const page = await (await apiGet("/dashboard")).text();
    expect(page).toContain("Slack cannot be reached.");
    expect(page).toContain("app_uninstalled");

    // The approver decides (the claim in D1 needs no Slack); the outcome's Slack steps are not even tried.
    const since = await lastSeq();
    expect((await click(approver, id, "approve")).status).toBe(200);
    expect((await waitForStatus(id, "approved")).workflow.status).toBe("complete");
    expect(await callsSince(since, requester, approver)).toEqual([]);

    // A request submitted from a modal opened earlier fails at once, saying why.
    const viewId = `V${crypto.randomUUID().slice(0, 10).toUpperCase()}`;
    const submitted = await submitView(
      await newUser(),
      { id: viewId, callback_id: "approval_new" },
      {
        type: { type: "static_select", selected_option: { value: "default" } },
        approver: { type: "users_select", selected_user: await newUser() },
        description: { type: "plain_text_input", value: "Deploy while uninstalled" },
      },
    );
    expect(submitted).toEqual({ status: 200, body: null });
    const failed = await waitForStatus(await derivedRequestId(`view:${viewId}`), "failed");
    expect(failed.error).toMatch(/Slack's bot token does not work \(app_uninstalled, .*\): reinstall the app and set SLACK_BOT_TOKEN/);
  });

  it("tokens_revoked: only a revoked bot token stops Slack calls (user tokens are not the service's)", async () => {
    expect((await postEvent(eventBody({ type: "tokens_revoked", tokens: { oauth: ["U0SOMEONE"] } }, "Ev0REVOKEDUSER"))).status).toBe(200);
    expect((await slackStatus()).botToken).toBe("works");
    expect((await postEvent(eventBody({ type: "tokens_revoked", tokens: { oauth: ["U0SOMEONE"], bot: ["U0BOT"] } }, "Ev0REVOKEDBOT"))).status).toBe(200);
    const status = await slackStatus();
    expect(status.botToken).toBe("revoked");
    expect(status.events.slice(0, 2)).toEqual([
      expect.objectContaining({ event: "tokens_revoked", bot_token: "revoked", detail: "bot: U0BOT; user tokens: 1" }),
      expect.objectContaining({ event: "tokens_revoked", bot_token: null, detail: "bot: none; user tokens: 1" }),
    ]);
  });

  it("opening the App Home tries the token again: when auth.test passes, Slack calls work again", async () => {
    expect((await postEvent(eventBody({ type: "app_uninstalled" }, "Ev0UNINSTALLED2"))).status).toBe(200);
    expect((await slackStatus()).botToken).toBe("revoked");
    const user = await newUser();
    expect((await postEvent(eventBody({ type: "app_home_opened", user, tab: "home" }))).status).toBe(200);
    const home = await eventually(async () => (await slackCalls((c) => c.method === "views.publish" && c.args.user_id === user))[0], "the Home");
    expect(home.result).toBe("ok");
    const status = await slackStatus();
    expect(status).toMatchObject({ botToken: "works", problem: null });
    expect(status.events[0]).toMatchObject({ event: "token_works", bot_token: "works" });
    expect(await requestJson(await startRequest(await newUser(), await newUser()))).toMatchObject({ status: "pending" });
  });
});
