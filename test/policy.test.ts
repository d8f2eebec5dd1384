import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import repoPolicyFile from "../approvals.config.json";
import { PolicyError, parsePolicy } from "../src/core/policy";
import { ApprovalWorkflow } from "../src/workflows/approval";
import { viewSubmissionForm } from "../standin/payloads.js";
import {
  approverDm,
  captureLogs,
  click,
  commandBody,
  dmOf,
  eventually,
  forceTimeouts,
  levelWaits,
  messagesIn,
  newUser,
  postSignedSettled,
  recordWorkflowSteps,
  reject,
  repliesIn,
  requestJson,
  responsesTo,
  slashCommand,
  standin,
  startTyped,
  submitView,
  waitForStatus,
} from "./helpers";

/** Values of the new-request modal as Slack submits them (a valid request for `approver`). */
const newRequest = (approver: string) => ({
  type: { type: "static_select", selected_option: { value: "default" } },
  approver: { type: "users_select", selected_user: approver },
  description: { type: "plain_text_input", value: "Deploy" },
});

const QUORUM = ["U0QUORUMA", "U0QUORUMB", "U0QUORUMC"] as const;
/** The test policy's level 2 and 3 approvers (vitest.config.ts). */
const LEVEL2 = "U0LEVELTWO";
const LEVEL3 = "U0LEVELTHREE";
const replyTo = (hook: string) => eventually(async () => (await responsesTo(hook))[0]?.body, "the ephemeral reply");

describe("the policy file", () => {
  it("the repository's approvals.config.json is valid", () => {
    const policy = parsePolicy(repoPolicyFile);
    expect(Object.keys(policy.types)).toEqual(["deploy", "expense", "access"]);
    expect(policy.types.expense!.levels[1]!.quorum).toBe(2);
  });

  const bad: [string, unknown, RegExp][] = [
    ["bad wait", { types: { deploy: { title: "D", levels: [{ approvers: ["U0A1"], wait: "soon" }] } } }, /types\.deploy\.levels\.0\.wait: expected a duration/],
    [
      "bad approver",
      { types: { x: { title: "X", levels: [{ approvers: ["maria"], wait: "1 hour" }] } } },
      /types\.x\.levels\.0\.approvers\.0: expected a Slack user id/,
    ],
    [
      "quorum too big",
      { types: { x: { title: "X", levels: [{ approvers: ["U0A1"], wait: "1 hour", quorum: 2 }] } } },
      /types\.x\.levels\.0\.quorum: quorum is larger/,
    ],
    ["no levels", { types: { x: { title: "X", levels: [] } } }, /types\.x\.levels: needs at least one/],
    [
      "inline secret",
      { types: { x: { title: "X", levels: [{ wait: "1 hour" }], action: { url: "https://a.example/h", secret: "s3cr3t" } } } },
      /types\.x\.action\.secret: expected the name of a secret/,
    ],
    [
      "secret not named *_WEBHOOK_SECRET",
      { types: { x: { title: "X", levels: [{ wait: "1 hour" }], action: { url: "https://a.example/h", secret: "SLACK_SIGNING_SECRET" } } } },
      /ending in _WEBHOOK_SECRET/,
    ],
    ["duplicate approver", { types: { x: { title: "X", levels: [{ approvers: ["U0A1", "U0A1"], wait: "1 hour", quorum: 2 }] } } }, /lists an approver twice/],
    [
      "http action",
      { types: { x: { title: "X", levels: [{ wait: "1 hour" }], action: { url: "http://a.example/h", secret: "S" } } } },
      /types\.x\.action\.url: must be an https URL/,
    ],
    ["unknown field", { types: { x: { title: "X", levels: [{ wait: "1 hour" }], approver: "U1" } } }, /types\.x: Unrecognized key/],
    ["empty later level", { types: { x: { title: "X", levels: [{ wait: "1 hour" }, { wait: "1 hour" }] } } }, /types\.x\.levels\.1\.approvers: only level 1/],
  ];
  for (const [name, input, message] of bad) {
    it(`a bad policy fails with the path of the bad field: ${name}`, () => {
      expect(() => parsePolicy(input)).toThrow(PolicyError);
      expect(() => parsePolicy(input)).toThrow(message);
    });
  }

  it("a bad POLICY_JSON setting: Slack's routes answer a 503 that names nothing, the log has the path of the bad field (or 'not JSON'), and nothing starts", async () => {
    await using approvals = await introspectWorkflow(env.APPROVAL);
    using logs = captureLogs();
    const badWait = JSON.stringify({ types: { deploy: { title: "D", levels: [{ approvers: ["U0A1"], wait: "soon" }] } } });
    for (const [POLICY_JSON, error] of [
      [badWait, /^Invalid approvals\.config\.json: types\.deploy\.levels\.0\.wait: expected a duration/],
      ["{not json", /^Invalid POLICY_JSON: not JSON$/],
    ] as const) {
      const requester = await newUser();
      const command = await postSignedSettled("/slack/commands", await commandBody(requester, `<@${await newUser()}> Deploy`), { env: { POLICY_JSON } });
      expect(command.status).toBe(503);
      expect(await command.json()).toEqual({ error: "service unavailable: its configuration is invalid" });
      const form = viewSubmissionForm(
        requester,
        { id: `V${crypto.randomUUID().slice(0, 8).toUpperCase()}`, callback_id: "approval_new" },
        newRequest(await newUser()),
        await standin.triggerId(requester),
      );
      const submitted = await postSignedSettled("/slack/interactions", form, { env: { POLICY_JSON } });
      expect(submitted.status).toBe(503);
      expect(await submitted.json()).toEqual({ error: "service unavailable: its configuration is invalid" });
      // The operator finds the bad field in the log.
      const logged = logs.lines.filter((l) => l.includes('"message":"invalid policy"')).map((l) => JSON.parse(l) as { detail: string });
      expect(logged.at(-1)?.detail).toMatch(error);
    }
    expect(await approvals.get()).toHaveLength(0);
  });
});

describe("request types from the policy", () => {
  it("lists the types in the usage", async () => {
    const { body } = await slashCommand(await newUser(), "help");
    expect(body.text).toMatch(/`deploy` \(Production deploy\)/);
    expect(body.text).toMatch(/`expense` \(Expense\)/);
  });

  it("a type whose first level has no approvers needs one named", async () => {
    const { body } = await slashCommand(await newUser(), "deploy billing-api v2.3");
    expect(body.text).toMatch(/Name the approver as a mention/);
  });

  it("a typed request records its type; the default type keeps working", async () => {
    const approver = await newUser();
    const typed = await startTyped(await newUser(), "deploy", approver);
    await approverDm(approver);
    expect((await requestJson(typed)).type).toBe("deploy");
    const plain = await startTyped(await newUser(), "", await newUser());
    expect(await eventually(async () => (await requestJson(plain)).type, "the row")).toBe("default");
  });

  it("quorum: 2 of 3 approvers; the first vote is recorded, the second decides", async () => {
    const requester = await newUser();
    const id = await startTyped(requester, "expense", null, "Two monitors, 640 EUR");
    const reply = await slashCommand(await newUser(), "expense x"); // another request, to show the answer's form
    expect(reply.body.text).toMatch(/\(2 approvals needed\)/);
    for (const u of QUORUM) await eventually(async () => (await messagesIn(dmOf(u))).some((m) => JSON.stringify(m.blocks).includes(id)), `the DM to ${u}`);

    const first = await click(QUORUM[0], id, "approve");
    expect((await replyTo(first.hook)).text).toMatch(/recorded: 1 of 2 needed/);
    const again = await click(QUORUM[0], id, "approve");
    expect((await replyTo(again.hook)).text).toMatch(/You already approved this request/);
    expect((await requestJson(id)).status).toBe("pending");

    await click(QUORUM[2], id, "approve");
    const done = await waitForStatus(id, "approved");
    expect(done.decided_by).toBe(QUORUM[2]);
    expect(done.audit.map((a: { event: string }) => a.event)).toEqual(["created", "notified", "notified", "notified", "voted", "approved"]);
    const output = (await (await env.APPROVAL.get(id)).status()).output;
    expect(output).toMatchObject({ approvedBy: [QUORUM[0], QUORUM[2]] });
    const dm = (await messagesIn(dmOf(QUORUM[1]))).find((m) => JSON.stringify(m.blocks).includes(id))!;
    expect(JSON.stringify(dm.blocks)).toContain(`Approved* by <@${QUORUM[0]}>, <@${QUORUM[2]}>`);
    const late = await click(QUORUM[1], id, "approve");
    expect((await replyTo(late.hook)).text).toMatch(/already been decided/);
  });

  it("a requester cannot replace the approvers a type's policy names", async () => {
    const { body } = await slashCommand(await newUser(), `expense <@${await newUser()}> Two monitors`);
    expect(body.text).toMatch(/approvers are set by the policy/);
    expect(body.text).not.toMatch(/req-/);
  });

  it("quorum counts within each level: an earlier level's vote does not count toward the next level's quorum", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(1));
    const id = await startTyped(await newUser(), "twostage", null, "Budget 2027");
    await eventually(async () => (await requestJson(id).catch(() => undefined))?.level === 1, "level 1");
    const a1 = await click("U0STAGEA1", id, "approve");
    expect((await replyTo(a1.hook)).text).toMatch(/1 of 2 needed/);
    await eventually(async () => (await requestJson(id)).level === 2, "level 2");
    const b1 = await click("U0STAGEB1", id, "approve");
    expect((await replyTo(b1.hook)).text).toMatch(/1 of 2 needed/);
    expect((await requestJson(id)).status).toBe("pending");
    await click("U0STAGEB2", id, "approve");
    const done = await waitForStatus(id, "approved");
    expect(done.decided_by).toBe("U0STAGEB2");
  });

  it("quorum: a single rejection decides", async () => {
    const id = await startTyped(await newUser(), "expense", null, "A yacht");
    await eventually(async () => (await requestJson(id).catch(() => undefined))?.approvers?.length === 3, "the row");
    await reject(QUORUM[1], id, "Over budget");
    expect((await waitForStatus(id, "rejected")).decided_by).toBe(QUORUM[1]);
  });

  it("multi-level chain: level 1 → reminder → level 2 → reminder → level 3, who approves", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(2));
    const approver = await newUser();
    const id = await startTyped(await newUser(), "chain", approver, "Rotate the root keys");
    const l3 = "U0LEVELTHREE";
    await eventually(async () => (await messagesIn(dmOf(l3))).some((m) => JSON.stringify(m.blocks).includes(id)), "the level 3 DM");
    const row = await requestJson(id);
    expect(row).toMatchObject({ level: 3, approvers: [approver, "U0LEVELTWO", l3] });
    await click(l3, id, "approve");
    const done = await waitForStatus(id, "approved");
    expect(done.audit.map((a: { event: string }) => a.event)).toEqual([
      "created",
      "notified",
      "reminded",
      "escalated",
      "notified",
      "reminded",
      "escalated",
      "notified",
      "approved",
    ]);
    // Level 1's approver got a reminder in the thread of their DM, and their DM was updated at each escalation.
    const [mine] = await messagesIn(dmOf(approver));
    const thread = await repliesIn(dmOf(approver), mine!.ts);
    expect(thread.filter((m) => m.text.includes("Reminder"))).toHaveLength(1);
    expect(thread.filter((m) => m.text.includes("Escalated to level"))).toHaveLength(2);
    expect(mine!.updated).toBeGreaterThanOrEqual(3);
  });

  it("type names from Object's prototype are unknown types: a field error in the form, the usage for the command", async () => {
    const requester = await newUser();
    const approver = await newUser();
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const values = {
        type: { type: "static_select", selected_option: { value: name } },
        approver: { type: "users_select", selected_user: approver },
        description: { type: "plain_text_input", value: "Ship it" },
      };
      const submitted = await submitView(requester, { callback_id: "approval_new" }, values);
      expect(submitted, name).toEqual({ status: 200, body: { response_action: "errors", errors: { type: `Unknown request type "${name}".` } } });
      const command = await slashCommand(requester, `${name} <@${approver}> Ship it`);
      expect(command.status, name).toBe(200);
      expect(command.body.text, name).toMatch(/approver as a mention/);
    }
    expect(await messagesIn(dmOf(approver))).toEqual([]);
  });

  it("each level waits its own time: the reminder at half of it by default, the rest after the reminder", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(3));
    using steps = recordWorkflowSteps(ApprovalWorkflow);
    const policy = JSON.parse(env.POLICY_JSON!) as { types: Record<string, unknown> };
    policy.types.waits = {
      title: "Waits",
      levels: [
        { approvers: [], wait: "2 hours" },
        { approvers: [LEVEL2], wait: "30 minutes" },
        { approvers: [LEVEL3], wait: "3 days" },
      ],
    };
    const id = await startTyped(await newUser(), "waits", await newUser(), "Per-level waits", { POLICY_JSON: JSON.stringify(policy) });
    const done = await waitForStatus(id, "expired");
    expect(done.audit.map((a) => a.event)).toEqual([
      "created",
      "notified",
      "reminded",
      "escalated",
      "notified",
      "reminded",
      "escalated",
      "notified",
      "reminded",
      "expired",
    ]);
    expect(steps.of(id, "waitForEvent").map((c) => [c.name, c.options])).toEqual([
      ["decision-1", { type: "decision", timeout: "3600 seconds" }],
      ["decision-1-after-reminder", { type: "decision", timeout: "3600 seconds" }],
      ["decision-2", { type: "decision", timeout: "900 seconds" }],
      ["decision-2-after-reminder", { type: "decision", timeout: "900 seconds" }],
      ["decision-3", { type: "decision", timeout: "129600 seconds" }],
      ["decision-3-after-reminder", { type: "decision", timeout: "129600 seconds" }],
    ]);
  });

  it("a type's own reminder time applies to every level; a level shorter than it gets no reminder", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(2));
    using steps = recordWorkflowSteps(ApprovalWorkflow);
    const policy = JSON.parse(env.POLICY_JSON!) as { types: Record<string, unknown> };
    policy.types.nudged = {
      title: "Nudged",
      reminder: "20 minutes",
      levels: [
        { approvers: [], wait: "1 hour" },
        { approvers: [LEVEL2], wait: "15 minutes" },
      ],
    };
    const id = await startTyped(await newUser(), "nudged", await newUser(), "Own reminder", { POLICY_JSON: JSON.stringify(policy) });
    const done = await waitForStatus(id, "expired");
    expect(done.audit.map((a) => a.event)).toEqual(["created", "notified", "reminded", "escalated", "notified", "expired"]);
    expect(steps.of(id, "waitForEvent").map((c) => [c.name, c.options])).toEqual([
      ["decision-1", { type: "decision", timeout: "20 minutes" }],
      ["decision-1-after-reminder", { type: "decision", timeout: "2400 seconds" }],
      ["decision-2", { type: "decision", timeout: "15 minutes" }],
    ]);
  });

  it("the chain is fixed when the request is created: a policy edited since does not change a running request", async () => {
    await using _timeouts = await forceTimeouts(...levelWaits(1));
    // The request is created under a version of the policy whose `chain` escalates to someone
    // else than the policy the Worker runs with now (the test policy: U0LEVELTWO at level 2).
    const before = await newUser();
    const edited = JSON.parse(env.POLICY_JSON!) as { types: { chain: { levels: { approvers: string[] }[] } } };
    edited.types.chain.levels[1]!.approvers = [before];
    const approver = await newUser();
    const id = await startTyped(await newUser(), "chain", approver, "Chain fixed at creation", { POLICY_JSON: JSON.stringify(edited) });
    // Level 2 is the creation-time approver, not the policy in force.
    await eventually(async () => (await requestJson(id)).level === 2, "level 2");
    expect((await requestJson(id)).approvers).toEqual([approver, before]);
    await eventually(async () => (await messagesIn(dmOf(before))).some((m) => JSON.stringify(m.blocks).includes(id)), "the level 2 DM");
    expect((await messagesIn(dmOf(LEVEL2))).some((m) => JSON.stringify(m.blocks).includes(id))).toBe(false);
    await click(before, id, "approve");
    expect((await waitForStatus(id, "approved")).decided_by).toBe(before);
  });

  it("self-approval is refused by default and allowed where the policy says so", async () => {
    const me = await newUser();
    const { body } = await slashCommand(me, `deploy <@${me}> my own change`);
    expect(body.text).toMatch(/can't approve your own request/);
    const id = await startTyped(me, "selfservice", me, "my own sandbox");
    await approverDm(me);
    await click(me, id, "approve");
    expect((await waitForStatus(id, "approved")).decided_by).toBe(me);
  });
});
