import { describe, expect, it } from "vitest";
import { delegationEnd, delegationLastDay } from "../../src/core/delegation";
import { parsePolicy, resolveLevels } from "../../src/core/policy";
import { parseRequestText, parseSubcommand } from "../../src/slack/commands";
import { functionContext, readStepInputs, stepOutputs } from "../../src/slack/functions";
import { approvalParamsSchema } from "../../src/workflows/approval-params";

describe("user groups in the policy and the command", () => {
  it("a level may name user groups (S…); the quorum is checked against people only when there is no group", () => {
    const policy = parsePolicy({ types: { oncall: { title: "On call", levels: [{ approvers: ["S0ONCALL", "U0MARIA"], wait: "1 hour", quorum: 3 }] } } });
    const chain = resolveLevels(policy.types.oncall!, "U0ALEX", undefined);
    expect(chain).toEqual({ ok: true, levels: [{ approvers: ["U0MARIA"], groups: ["S0ONCALL"], wait: "1 hour", quorum: 3, reminder: "1800 seconds" }] });
    expect(() => parsePolicy({ types: { t: { title: "T", levels: [{ approvers: ["X0NOPE"], wait: "1 hour" }] } } })).toThrow(/user group id/);
    expect(() => parsePolicy({ types: { t: { title: "T", notify: "channel", levels: [{ approvers: ["U0A"], wait: "1 hour" }] } } })).toThrow(/needs a channel/);
    expect(() => parsePolicy({ types: { t: { title: "T", channel: "D0DM", levels: [{ approvers: ["U0A"], wait: "1 hour" }] } } })).toThrow(/channel id/);
    expect(() => parsePolicy({ types: { delegate: { title: "T", levels: [{ approvers: ["U0A"], wait: "1 hour" }] } } })).toThrow(
      /^Invalid approvals.config.json: types/,
    );
  });

  it("`/approval @oncall …` names the group as the approver; a group later in the text is only words", () => {
    expect(parseRequestText("<!subteam^S0ONCALL|@oncall> Restart it", [])).toMatchObject({ ok: true, approver: "S0ONCALL" });
    expect(parseRequestText("<@U0MARIA|maria> cc <!subteam^S0ONCALL|@oncall>", [])).toMatchObject({ ok: true, approver: "U0MARIA" });
  });

  it("params accept a level of groups only, and older params (no groups, no new fields)", () => {
    const base = {
      requestId: "req-abcdefabcdef",
      type: "t",
      title: "T",
      requester: "U0A",
      description: "d",
      allowSelf: false,
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    expect(approvalParamsSchema.safeParse({ ...base, levels: [{ approvers: [], groups: ["S0G"], wait: "1 hour", quorum: 1, reminder: null }] }).success).toBe(
      true,
    );
    expect(approvalParamsSchema.safeParse({ ...base, levels: [{ approvers: ["U0B"], wait: "1 hour", quorum: 1, reminder: null }] }).success).toBe(true);
    expect(approvalParamsSchema.safeParse({ ...base, levels: [{ approvers: [], wait: "1 hour", quorum: 1, reminder: null }] }).success).toBe(false);
  });
});

describe("delegation's words and days", () => {
  it("parses delegate, off and the bare subcommand", () => {
    expect(parseSubcommand("delegate <@U0BOB|bob> until 2026-12-24")).toEqual({ kind: "delegate", to: "U0BOB", until: "2026-12-24" });
    expect(parseSubcommand("delegate off")).toEqual({ kind: "delegate_off" });
    expect(parseSubcommand("delegate")).toEqual({ kind: "delegate_show" });
    expect(parseSubcommand("delegate bob tomorrow")).toEqual({ kind: "delegate_usage" });
  });

  it("holds through the day named (UTC): the end is the next midnight; a day that does not exist is refused", () => {
    expect(delegationEnd("2026-12-24")).toBe("2026-12-25T00:00:00.000Z");
    expect(delegationLastDay("2026-12-25T00:00:00.000Z")).toBe("2026-12-24");
    expect(delegationEnd("2026-02-30")).toBeNull();
  });
});

describe("the workflow step on the wire", () => {
  it("an omitted optional input may be absent, null, empty or []: all mean not given; lists are arrays or comma-separated", () => {
    for (const blank of [undefined, null, "", []]) {
      expect(readStepInputs({ requester: "U0A", approvers: blank, approver_groups: blank, description: "d", type: blank, fields: blank })).toEqual({
        requester: "U0A",
        approvers: [],
        approverGroups: [],
        description: "d",
        type: undefined,
        fields: undefined,
      });
    }
    expect(readStepInputs({ approvers: "U0A, U0B", approver_groups: ["S0G", "nonsense"], type: "Deploy" })).toMatchObject({
      approvers: ["U0A", "U0B"],
      approverGroups: ["S0G"],
      type: "deploy",
    });
  });

  it("outputs leave out an empty reason; a click of another app's step is foreign", () => {
    expect(stepOutputs({ status: "approved", decidedBy: "U0A", reason: null, requestId: "req-1" })).toEqual({
      status: "approved",
      decided_by: "U0A",
      request_id: "req-1",
    });
    expect(functionContext({ function_data: { execution_id: "Fx1", function: { callback_id: "create_ticket" } } })).toBe("foreign");
    expect(
      functionContext({
        function_data: { execution_id: "Fx1", function: { callback_id: "request_approval" } },
        bot_access_token: "xwfp-1",
        interactivity: { interactivity_pointer: "1.2.3" },
      }),
    ).toEqual({ executionId: "Fx1", token: "xwfp-1", pointer: "1.2.3" });
    expect(functionContext({ type: "block_actions" })).toBeNull();
  });
});
