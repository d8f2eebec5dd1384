import { describe, expect, it } from "vitest";
import { classifyEvent, classifyInteraction } from "../../src/slack/interactions";
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
  it("our buttons become typed clicks; the value must be a request id", () => {
    expect(classifyInteraction(click("approval_approve", "req-abc123def456"))).toEqual({
      kind: "click",
      action: "approve",
      requestId: "req-abc123def456",
      user: "U0MARIA",
      responseUrl: "https://hooks.slack.com/actions/T0/1/x",
      triggerId: "1.2.3",
    });
    expect(classifyInteraction(click("approval_reject", "req-abc123def456"))).toMatchObject({ kind: "click", action: "reject" });
    expect(classifyInteraction(click("approval_cancel", "req-abc123def456"))).toMatchObject({ kind: "click", action: "cancel" });
    expect(classifyInteraction(click("approval_approve", "../../etc"))).toEqual({ kind: "refused", error: "invalid request id in action value" });
    expect(classifyInteraction(click("delete_everything", "req-abc123def456"))).toEqual({ kind: "refused", error: "unknown action delete_everything" });
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
      kind: "refused",
      error: "invalid request id in private_metadata",
    });
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

  it("other views are refused; a closed view needs nothing", () => {
    expect(classifyInteraction(submit("someone_elses_modal", {}))).toEqual({ kind: "refused", error: "unknown view someone_elses_modal" });
    expect(
      classifyInteraction(interactionSchema.parse({ type: "view_closed", user: { id: "U0ALEX" }, view: { id: "V0", callback_id: "approval_new" } })),
    ).toEqual({ kind: "view_closed" });
  });
});

describe("classifying Events API bodies", () => {
  it("answers the URL check, acts on the Home tab being opened, ignores the rest", () => {
    expect(classifyEvent({ type: "url_verification", challenge: "abc" })).toEqual({ kind: "url_verification", challenge: "abc" });
    expect(classifyEvent({ type: "event_callback", event: { type: "app_home_opened", user: "U0ALEX", tab: "home" } })).toEqual({
      kind: "home_opened",
      user: "U0ALEX",
    });
    expect(classifyEvent({ type: "event_callback", event: { type: "app_home_opened", user: "U0ALEX", tab: "messages" } })).toEqual({ kind: "ignored" });
    expect(classifyEvent({ type: "event_callback", event: { type: "app_home_opened", user: "<!channel>", tab: "home" } })).toEqual({ kind: "ignored" });
    expect(classifyEvent({ type: "event_callback", event: { type: "message" } })).toEqual({ kind: "ignored" });
  });
});
