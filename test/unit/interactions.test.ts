import { describe, expect, it } from "vitest";
import { classifyEvent } from "../../src/slack/events";
import { classifyInteraction } from "../../src/slack/interactions";
import { interactionSchema } from "../../src/slack/payloads";

const click = (action_id: string, value: string) =>
  interactionSchema.parse({
    type: "block_actions",
    user: { id: "U0MARIA" },
    response_url: "https://hooks.slack.com/actions/T0/1/x",
    trigger_id: "1.2.3",
    actions: [{ action_id, value }],
  });
const submit = (callback_id: string, values: Record<string, Record<string, unknown>>, private_metadata?: string) =>
  interactionSchema.parse({ type: "view_submission", user: { id: "U0ALEX" }, view: { id: "V0VIEW", callback_id, private_metadata, state: { values } } });
const input = (value: unknown) => ({ a: value });
const newRequest = (v: { description?: string; approver?: string; amount?: string; due?: string }) =>
  submit("approval_new", {
    type: input({ type: "static_select", selected_option: { value: "deploy" } }),
    approver: input({ type: "users_select", selected_user: v.approver ?? null }),
    description: input({ type: "plain_text_input", value: v.description ?? null }),
    amount: input({ type: "plain_text_input", value: v.amount ?? null }),
    due: input({ type: "datepicker", selected_date: v.due ?? null }),
  });

describe("classifying interactions at the edge", () => {
  it("our buttons become typed clicks; the value must be a request id, or the button is no longer supported", () => {
    const reply = { via: "response_url", url: "https://hooks.slack.com/actions/T0/1/x" };
    expect(classifyInteraction(click("approval_approve", "req-abc123def456"))).toEqual({
      kind: "click",
      action: "approve",
      requestId: "req-abc123def456",
      user: "U0MARIA",
      reply,
      triggerId: "1.2.3",
    });
    expect(classifyInteraction(click("approval_reject", "req-abc123def456"))).toMatchObject({ kind: "click", action: "reject" });
    expect(classifyInteraction(click("approval_cancel", "req-abc123def456"))).toMatchObject({ kind: "click", action: "cancel" });
    expect(classifyInteraction(click("approval_approve", "../../etc"))).toEqual({
      kind: "unsupported_click",
      actionId: "approval_approve",
      user: "U0MARIA",
      reply,
    });
    expect(classifyInteraction(click("delete_everything", "req-abc123def456"))).toEqual({
      kind: "unsupported_click",
      actionId: "delete_everything",
      user: "U0MARIA",
      reply,
    });
  });

  it("a Home-tab click (no response_url) is answered in the Home; a modal's or a workflow step's click nowhere", () => {
    const home = { type: "block_actions", user: { id: "W0GRID" }, container: { type: "view", view_id: "V1" }, view: { id: "V1", type: "home" } };
    const actions = [{ action_id: "approval_approve", value: "req-abc123def456" }];
    expect(classifyInteraction(interactionSchema.parse({ ...home, actions }))).toMatchObject({ kind: "click", reply: { via: "home", user: "W0GRID" } });
    expect(classifyInteraction(interactionSchema.parse({ ...home, view: { id: "V2", type: "modal" }, actions }))).toMatchObject({ reply: { via: "none" } });
    expect(
      classifyInteraction(interactionSchema.parse({ type: "block_actions", user: { id: "U0A" }, actions, function_data: { execution_id: "Fx1" } })),
    ).toEqual({
      kind: "ignored",
      type: "block_actions",
      detail: "workflow step approval_approve",
    });
  });

  it("the reject reason: 3 to 1000 characters, said next to the field", () => {
    const reason = (value: string | null) => submit("approval_reject_reason", { reason: input({ type: "plain_text_input", value }) }, "req-abc123def456");
    expect(classifyInteraction(reason("  Not during the freeze "))).toEqual({
      kind: "reject_reason",
      requestId: "req-abc123def456",
      user: "U0ALEX",
      reason: { ok: true, value: { reason: "Not during the freeze" } },
    });
    expect(classifyInteraction(reason(null))).toMatchObject({ reason: { ok: false, errors: { reason: "Please say why (at least 3 characters)." } } });
    expect(classifyInteraction(reason("no"))).toMatchObject({ reason: { ok: false, errors: { reason: "Please say why (at least 3 characters)." } } });
    expect(classifyInteraction(reason("x".repeat(1001)))).toMatchObject({ reason: { ok: false, errors: { reason: "At most 1000 characters." } } });
    expect(classifyInteraction(submit("approval_reject_reason", {}, "not-an-id"))).toEqual({
      kind: "ignored",
      type: "view_submission",
      detail: "reject reason without a request id",
    });
  });

  it("the new-request modal carries the submitter's name as Slack sent it (user.name, else user.username), when it is a usable one", () => {
    const withUser = (user: Record<string, unknown>) =>
      interactionSchema.parse({ ...newRequest({ description: "Deploy", approver: "U0MARIA" }), user: { id: "U0ALEX", ...user } });
    expect(classifyInteraction(withUser({ name: "alex.rivera", username: "alex.rivera" }))).toMatchObject({ kind: "new_request", userName: "alex.rivera" });
    expect(classifyInteraction(withUser({ username: "alex" }))).toMatchObject({ userName: "alex" });
    for (const user of [{}, { name: "  " }, { name: "x".repeat(81) }, { name: 42 }]) {
      const classified = classifyInteraction(withUser(user));
      expect(classified).toMatchObject({ kind: "new_request" });
      expect(classified).not.toHaveProperty("userName");
    }
  });

  it("the new-request modal: every problem at once, each next to its field", () => {
    expect(classifyInteraction(newRequest({ description: "Deploy", approver: "U0MARIA", amount: "1,200.50", due: "2099-12-31" }))).toEqual({
      kind: "new_request",
      user: "U0ALEX",
      viewId: "V0VIEW",
      request: { ok: true, value: { type: "deploy", approver: "U0MARIA", description: "Deploy", amount: "1,200.50", due: "2099-12-31" } },
    });
    expect(classifyInteraction(newRequest({ approver: "C0CHANNEL", amount: "lots", due: "2000-01-01" }))).toMatchObject({
      request: {
        ok: false,
        errors: {
          description: "Say what needs approving.",
          approver: "Pick a person.",
          amount: "A number, like 120 or 99.50.",
          due: "Pick today or a later date.",
        },
      },
    });
    expect(classifyInteraction(newRequest({ description: "x".repeat(2001) }))).toMatchObject({
      request: { ok: false, errors: { description: "At most 2000 characters." } },
    });
  });

  it("other views, closed views, shortcuts and legacy buttons are acked; an options request gets none", () => {
    expect(classifyInteraction(submit("someone_elses_modal", {}))).toEqual({ kind: "ignored", type: "view_submission", detail: "view someone_elses_modal" });
    expect(
      classifyInteraction(interactionSchema.parse({ type: "view_closed", user: { id: "U0ALEX" }, view: { id: "V0", callback_id: "approval_new" } })),
    ).toEqual({ kind: "ignored", type: "view_closed", detail: "approval_new" });
    expect(classifyInteraction(interactionSchema.parse({ type: "shortcut", callback_id: "new_ticket_shortcut" }))).toEqual({
      kind: "ignored",
      type: "shortcut",
      detail: "new_ticket_shortcut",
    });
    expect(classifyInteraction(interactionSchema.parse({ type: "interactive_message", actions: [{ name: "lunch_poll", value: "yes" }] }))).toMatchObject({
      kind: "ignored",
      detail: "lunch_poll",
    });
    expect(classifyInteraction(interactionSchema.parse({ type: "block_suggestion", action_id: "project_lookup" }))).toEqual({
      kind: "options",
      actionId: "project_lookup",
    });
  });

  it("a submitted view whose state is {} reads as empty inputs", () => {
    const empty = interactionSchema.parse({ type: "view_submission", user: { id: "U0ALEX" }, view: { id: "V0", callback_id: "approval_new", state: {} } });
    expect(classifyInteraction(empty)).toMatchObject({ kind: "new_request", request: { ok: false, errors: { description: "Say what needs approving." } } });
  });
});

describe("classifying Events API bodies", () => {
  const callback = (event: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type: "event_callback",
    event_id: "Ev1",
    team_id: "T1",
    event,
    ...extra,
  });
  const source = { eventId: "Ev1", teamId: "T1", enterpriseId: null };

  it("answers the URL check, acts on the Home tab being opened, acks the rest", () => {
    expect(classifyEvent({ type: "url_verification", challenge: "abc" })).toEqual({ kind: "url_verification", challenge: "abc" });
    expect(classifyEvent(callback({ type: "app_home_opened", user: "U0ALEX", tab: "home" }))).toEqual({ kind: "home_opened", user: "U0ALEX", ...source });
    expect(classifyEvent(callback({ type: "app_home_opened", user: "U0ALEX", tab: "messages" }))).toMatchObject({ kind: "ignored", why: "not the Home tab" });
    expect(classifyEvent(callback({ type: "app_home_opened", user: "<!channel>", tab: "home" }))).toMatchObject({ kind: "ignored" });
    expect(classifyEvent(callback({ type: "message" }))).toMatchObject({ kind: "ignored", eventType: "message", eventId: "Ev1" });
  });

  it("reads shapes the service does not use without refusing them (user objects, no event, other types)", () => {
    expect(classifyEvent(callback({ type: "user_change", user: { id: "U0ALEX", profile: {} } }))).toMatchObject({ kind: "ignored", eventType: "user_change" });
    expect(classifyEvent({ type: "event_callback" })).toMatchObject({ kind: "ignored", why: "no event in the callback" });
    expect(classifyEvent({ type: "app_rate_limited", team_id: "T1", minute_rate_limited: 1518467820 })).toEqual({
      kind: "app_rate_limited",
      teamId: "T1",
      minuteRateLimited: 1518467820,
    });
    expect(classifyEvent({ type: "something_new" })).toMatchObject({ kind: "ignored", type: "something_new" });
  });

  it("reads the installation events, with their workspace", () => {
    expect(classifyEvent(callback({ type: "app_uninstalled" }))).toEqual({ kind: "app_uninstalled", ...source });
    expect(classifyEvent(callback({ type: "tokens_revoked", tokens: { bot: ["U0BOT"] } }, { enterprise_id: "E1" }))).toEqual({
      kind: "tokens_revoked",
      bot: ["U0BOT"],
      oauth: [],
      ...source,
      enterpriseId: "E1",
    });
    expect(classifyEvent(callback({ type: "tokens_revoked" }))).toMatchObject({ kind: "tokens_revoked", bot: [], oauth: [] });
  });
});
